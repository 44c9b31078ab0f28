"""Whether the key that made a signature may still sign: judged from the key material.

A cryptographically good signature counts only when neither its signing key (primary or
subkey) nor its primary key is revoked, and neither had expired at the signature's time or has
expired now, as GnuPG judges (REVKEYSIG, EXPKEYSIG). The states come from gpg's own listing of
the keyring, where revocations have been checked; the judgement is a pure function of those
states, the signature's time and now, so cached signature results stay correct as time passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from signoff.attest.gpg_colons import ColonKey


@dataclass(frozen=True)
class KeyState:
    """One primary key or subkey, as far as signing goes."""

    fingerprint: str
    """This key's fingerprint."""
    primary: str
    """The primary key's fingerprint (itself for a primary key)."""
    created: int
    """Creation time, seconds since the epoch."""
    expires: int | None
    """Expiry time, if any."""
    revoked: bool
    """Revoked by a revocation signature that gpg verified."""


@dataclass(frozen=True)
class KeyProblem:
    """Why a good signature's key may not sign."""

    status: str
    """`revoked`, `expired` or `unknown`."""
    detail: str
    """In words, naming the key."""


def states_from_listing(keys: Sequence[ColonKey]) -> dict[str, KeyState]:
    """Every primary key and subkey of a parsed gpg listing, by fingerprint."""
    states: dict[str, KeyState] = {}
    for key in keys:
        states[key.fingerprint] = KeyState(key.fingerprint, key.fingerprint, key.created,
                                           key.expires, key.validity == "r")
        for sub in key.subkeys:
            if sub.fingerprint:
                states[sub.fingerprint] = KeyState(sub.fingerprint, key.fingerprint, sub.created,
                                                   sub.expires, sub.validity == "r")
    return states


def signing_key_problem(signing_fpr: str | None, primary_fpr: str | None,
                        timestamp: int | None, states: Mapping[str, KeyState],
                        now: int) -> KeyProblem | None:
    """None when the signing key and its primary may sign at `timestamp` and at `now`."""
    signing = states.get(signing_fpr or "")
    primary = states.get(primary_fpr or "")
    if signing is None or primary is None or signing.primary != primary.fingerprint:
        return KeyProblem("unknown", f"signing key {signing_fpr} of {primary_fpr} is not a key "
                                     "of the registry's keys/")
    if timestamp is None:
        return KeyProblem("unknown", "the signature has no creation time")
    checked = [(primary, "primary key")]
    if signing is not primary:
        checked.append((signing, f"subkey of {primary.fingerprint}"))
    for state, what in checked:
        if state.revoked:
            return KeyProblem("revoked", f"made by {what} {state.fingerprint}, which is revoked")
        if state.created > timestamp:
            return KeyProblem("unknown", f"made before {what} {state.fingerprint} existed")
        # GnuPG: a key has expired once its expiry time is before the moment asked about.
        if state.expires is not None and (state.expires < timestamp or state.expires < now):
            when = "had expired when it signed" if state.expires < timestamp else "has expired"
            return KeyProblem("expired", f"made by {what} {state.fingerprint}, which {when}")
    return None
