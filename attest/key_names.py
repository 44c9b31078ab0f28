"""One way to name a key, in every command: a fingerprint, a key ID, or an email or user ID.

A name is resolved against the keys the command is about (your secret keys for `attest --key`,
your public keys for `registry add-key`, the registries' keys for `trust explain`), never
guessed: an unknown or ambiguous name is an error listing the candidates. Output names a key
one way too: `key_label` gives the 16-hex key ID with the primary user ID's name; JSON carries
the full fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from signoff.attest.errors import InputError
from signoff.attest.names import short_fpr

_HEX = re.compile(r"^[0-9A-F]+$")
_EMAIL_IN_UID = re.compile(r"<([^<>]+)>\s*$")
_SHOWN = 8


@dataclass(frozen=True)
class KeyCandidate:
    """A key a name may refer to."""

    fingerprint: str
    """Upper-case 40-hex primary-key fingerprint."""
    uids: tuple[str, ...]
    """Its user IDs, the primary one first."""
    subkeys: tuple[str, ...] = ()
    """Fingerprints of its subkeys: naming one (with gpg's `!` or without) names the key."""

    @property
    def label(self) -> str:
        """How output names this key."""
        return key_label(self.fingerprint, self.uids[0] if self.uids else None)


def uid_name(uid: str) -> str:
    """The name part of a user ID: `Alice Example` of `Alice Example <alice@example.org>`."""
    name = _EMAIL_IN_UID.sub("", uid).strip()
    return name or uid.strip()


def uid_email(uid: str) -> str | None:
    """The email of a user ID, lower-cased, or None."""
    found = _EMAIL_IN_UID.search(uid)
    if found:
        return found.group(1).strip().lower()
    return uid.strip().lower() if "@" in uid and " " not in uid.strip() else None


def key_label(fpr: str, primary_uid: str | None) -> str:
    """`0123456789ABCDEF (Alice Example)`: the one way text output names a key."""
    return f"{short_fpr(fpr)} ({uid_name(primary_uid)})" if primary_uid else short_fpr(fpr)


def _hex_form(name: str) -> str | None:
    cleaned = name.replace(" ", "").upper().removeprefix("0X").removesuffix("!")
    return cleaned if len(cleaned) in (16, 40) and _HEX.match(cleaned) else None


def matching_keys(name: str, candidates: Sequence[KeyCandidate]) -> list[KeyCandidate]:
    """The candidates `name` refers to: by fingerprint, key ID, email, or user ID."""
    hex_form = _hex_form(name)
    if hex_form is not None:
        return [c for c in candidates
                if any(f.endswith(hex_form) for f in (c.fingerprint, *c.subkeys))]
    wanted = name.strip().lower()
    email = uid_email(wanted) if "<" not in wanted else None
    if email is not None:
        return [c for c in candidates if any(uid_email(u) == email for u in c.uids)]
    exact = [c for c in candidates if any(u.strip().lower() == wanted for u in c.uids)]
    if exact:
        return exact
    # As gpg does for a bare string: a user ID that contains it.
    return [c for c in candidates if wanted and any(wanted in u.lower() for u in c.uids)]


def resolve_key(name: str, candidates: Sequence[KeyCandidate], among: str) -> KeyCandidate:
    """The one key `name` refers to among `candidates`; InputError (exit 2) listing the
    candidates when it names none or several. `among` says where they come from."""
    if not name.strip():
        raise InputError("an empty key name", hint="give a fingerprint, key ID or email")
    found = matching_keys(name, candidates)
    if len(found) == 1:
        return found[0]
    if found:
        raise InputError(f"{name!r} names {len(found)} keys in {among}: "
                         + _listing(found),
                         hint="give the 16-hex key ID or the 40-hex fingerprint")
    raise InputError(f"no key {name!r} in {among}",
                     hint=("the keys there: " + _listing(candidates)) if candidates
                     else f"{among} holds no key")


def _listing(keys: Sequence[KeyCandidate]) -> str:
    shown = ", ".join(k.label for k in keys[:_SHOWN])
    return shown + (f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else "")
