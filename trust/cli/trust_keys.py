"""`signoff trust`: the web of trust over the policy's registries, listed and explained.

`keys` prints every key with its validity, ownertrust and depth; `explain FPR` says why one key
is valid (its certification paths from a root) or what it lacks. Both open the registries with
the same safety checks as `check`. Exit 0, or 2 with a message naming the file when the policy,
a registry or a key file is wrong.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from signoff import (
    DEFAULT_POLICY,
    FetchMode,
    load_policy,
    open_registries,
)
from signoff.attest.key_names import KeyCandidate, resolve_key
from signoff.trust.cli.options import (
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    OfflineOption,
    OutputFormat,
    PolicyOption,
    StateDirOption,
    fetch_mode,
    print_warnings,
)
from signoff.trust.report.interface import Renderer
from signoff.trust.report.trust_keys import (
    KeyExplanationJson,
    KeyExplanationText,
    KeyQuestion,
    KeysJson,
    KeysText,
    WebOfTrust,
)

app = typer.Typer(help="The web of trust: every key's validity under the policy, and why.",
                  no_args_is_help=True)


def _with_web(policy: Path, state_dir: Path | None, accept_rewrite: bool, fetch: FetchMode,
              body: Callable[[WebOfTrust], str]) -> None:
    with open_registries(load_policy(policy), state_dir=state_dir,
                         accept_rewrite=accept_rewrite, fetch=fetch) as session:
        text = body(WebOfTrust(session.keyset, session.trust_result, session.trust))
        warnings = list(session.warnings)
    print_warnings(warnings)
    sys.stdout.write(text)


@app.command("keys")
def keys_command(policy: PolicyOption = DEFAULT_POLICY,
                 output: FormatOption = OutputFormat.TEXT,
                 state_dir: StateDirOption = None,
                 accept_rewrite: AcceptRewriteOption = False,
                 fetch: FetchOption = False,
                 offline: OfflineOption = False) -> None:
    """Every key in the registries with its validity, ownertrust and depth."""
    renderer = KeysJson() if output is OutputFormat.JSON else KeysText()
    _with_web(policy, state_dir, accept_rewrite, fetch_mode(fetch, offline), renderer.render)


@app.command("explain")
def explain_command(fingerprint: Annotated[str, typer.Argument(
                        metavar="KEY",
                        help="The key: its fingerprint, 16-hex key ID, email or user ID.")],
                    policy: PolicyOption = DEFAULT_POLICY,
                    output: FormatOption = OutputFormat.TEXT,
                    state_dir: StateDirOption = None,
                    accept_rewrite: AcceptRewriteOption = False,
                    fetch: FetchOption = False,
                    offline: OfflineOption = False) -> None:
    """Why a key is valid (its certification paths from a root), or what it lacks."""
    mode = fetch_mode(fetch, offline)
    renderer: Renderer[KeyQuestion] = (KeyExplanationJson() if output is OutputFormat.JSON
                                       else KeyExplanationText())

    def explain(web: WebOfTrust) -> str:
        # A key in no registry is an error (exit 2), like any name that names nothing.
        candidates = [KeyCandidate(k.fingerprint, tuple(u.uid for u in k.uids))
                      for k in web.keyset]
        found = resolve_key(fingerprint, candidates, "the policy's registries")
        return renderer.render(KeyQuestion(web, found.fingerprint))

    _with_web(policy, state_dir, accept_rewrite, mode, explain)
