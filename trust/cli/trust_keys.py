"""`signoff trust`: the web of trust over the policy's registries, listed and explained.

`keys` prints every key with its validity, ownertrust and depth; `explain FPR` says why one key
is valid (its certification paths from a root) or what it lacks. Exit 0, or 2 with a message
naming the file when the policy, a registry or a key file is wrong.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer

from signoff.attest.errors import InputError, SignoffError
from signoff.attest.names import normalize_fingerprint
from signoff.registry.repo import Registry
from signoff.trust.cli.options import PolicyOption
from signoff.trust.policy.policy import DEFAULT_POLICY, Policy, load_policy
from signoff.trust.wot.engine import TrustResult, compute_trust
from signoff.trust.wot.keys import KeySet, keyset_for_registries

app = typer.Typer(help="The web of trust: every key's validity under the policy, and why.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


class TrustFormat(StrEnum):
    """How `trust keys` prints."""

    TEXT = "text"
    JSON = "json"




@contextmanager
def _exit_2_on_error() -> Iterator[None]:
    try:
        yield
    except SignoffError as e:
        sys.stderr.write(f"error: {e.diagnostics()}\n")
        raise typer.Exit(2) from e


def web_of_trust(policy: Policy, now: int | None = None) -> tuple[KeySet, TrustResult]:
    """The keys of the policy's registries and their validity under its trust settings."""
    registries = [Registry.open(source.path) for source in policy.registries]
    keyset = keyset_for_registries(registries)
    return keyset, compute_trust(keyset, policy.trust, int(time.time()) if now is None else now)


def keys_document(keyset: KeySet, result: TrustResult) -> dict[str, Any]:
    """The JSON document of `trust keys --format json`."""
    rows = []
    for fpr in _ordered(keyset, result):
        kt = result.keys[fpr]
        key = keyset.keys[fpr]
        rows.append({"fingerprint": fpr, "uids": [u.uid for u in key.uids],
                     "validity": kt.validity.value, "ownertrust": kt.ownertrust.value,
                     "depth": kt.depth, "paths": [list(p) for p in kt.paths]})
    return {"keys": rows}


def _ordered(keyset: KeySet, result: TrustResult) -> list[str]:
    def order(fpr: str) -> tuple[int, int, str]:
        kt = result.keys[fpr]
        return (-kt.validity.rank, kt.depth if kt.depth is not None else 1 << 20,
                keyset.keys[fpr].primary_uid.lower())
    return sorted(keyset.keys, key=order)


def keys_text(keyset: KeySet, result: TrustResult) -> str:
    """One line per key: fingerprint, validity, ownertrust, depth, primary user ID."""
    lines = [f"{'fingerprint':<40}  {'validity':<9}  {'ownertrust':<10}  depth  user ID"]
    for fpr in _ordered(keyset, result):
        kt = result.keys[fpr]
        depth = "-" if kt.depth is None else str(kt.depth)
        lines.append(f"{fpr}  {kt.validity.value:<9}  {kt.ownertrust.value:<10}  {depth:>5}  "
                     f"{keyset.keys[fpr].primary_uid}")
    if not keyset.keys:
        lines.append("(no keys in the registries' keys/)")
    return "\n".join(lines) + "\n"


def explain_text(keyset: KeySet, result: TrustResult, fpr: str) -> str:
    """The explanation of one key, as `trust explain` prints it."""
    key = keyset.get(fpr)
    lines = result.explain(fpr)
    if key is not None:
        lines.insert(1, "user IDs: " + "; ".join(u.uid for u in key.uids))
    return "\n".join(lines) + "\n"


def _run(body: Callable[[], str]) -> None:
    with _exit_2_on_error():
        sys.stdout.write(body())


@app.command("keys")
def keys_command(policy: PolicyOption = DEFAULT_POLICY,
                 output: Annotated[TrustFormat, typer.Option(
                     "--format", help="text or json.")] = TrustFormat.TEXT) -> None:
    """Every key in the registries with its validity, ownertrust and depth."""
    def body() -> str:
        keyset, result = web_of_trust(load_policy(policy))
        if output is TrustFormat.JSON:
            return json.dumps(keys_document(keyset, result), indent=2) + "\n"
        return keys_text(keyset, result)
    _run(body)


@app.command("explain")
def explain_command(fingerprint: Annotated[str, typer.Argument(
                        help="The key's 40-hex fingerprint (spaces allowed).")],
                    policy: PolicyOption = DEFAULT_POLICY) -> None:
    """Why a key is valid (its certification paths from a root), or what it lacks."""
    def body() -> str:
        try:
            fpr = normalize_fingerprint(fingerprint)
        except ValueError as e:
            raise InputError(str(e)) from e
        keyset, result = web_of_trust(load_policy(policy))
        return explain_text(keyset, result, fpr)
    _run(body)
