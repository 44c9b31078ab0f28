"""The registry's keyring as values: keys, their user IDs and every certification on them.

Read once with GnuPG (`attest.gpg_keys`), which checks every certification itself, then cached
as JSON by the git tree id of `keys/`, so that an unchanged keyring is never re-read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signoff.attest.errors import InputError
from signoff.attest.files import write_atomic
from signoff.attest.gpg_colons import ColonKey
from signoff.attest.gpg_keys import list_keyring
from signoff.attest.key_packets import check_key_file_name
from signoff.attest.key_status import KeyState, states_from_listing

if TYPE_CHECKING:
    from signoff.registry.repo import Registry

CACHE_VERSION = 3
"""Bumped whenever the cached JSON's shape changes; older caches are then rebuilt."""
_FPR_IN_NAME = re.compile(r"([0-9A-F]{40})\.asc$")


@dataclass(frozen=True)
class Certification:
    """One certification (or certification revocation) on a user ID, as gpg read it."""

    signer: str
    """Signer's primary fingerprint when that key is in the keyring, else its long key id."""
    sig_class: int
    """Signature class: 0x10..0x13 certify, 0x30 revokes an earlier certification."""
    created: int
    """Creation time, seconds since the epoch."""
    expires: int | None
    """When the certification itself expires, if ever."""
    is_revocation: bool
    """True for a certification revocation (class 0x30)."""
    verified: bool
    """gpg checked the signature and found it good."""
    trust_depth: int = 0
    """Trust-signature depth; 0 for an ordinary certification."""
    trust_amount: int = 0
    """Trust-signature amount: 60 and up marginal, 120 and up full."""
    regexp: str | None = None
    """Trust-signature regular expression restricting the user IDs its holder may introduce."""


@dataclass(frozen=True)
class UserId:
    """One user ID of a key, with every certification on it in key block order."""

    uid: str
    """The user ID string, e.g. `Alice <alice@example.org>`."""
    revoked: bool
    """Revoked by the key's owner (gpg also lists every user ID of a revoked key as revoked)."""
    expires: int | None
    """When its self-signature expires, if ever."""
    certifications: tuple[Certification, ...] = ()
    """Certifications by other keys (self-signatures are left out)."""

    def expired(self, now: int) -> bool:
        """True when the self-signature has expired at `now`."""
        return self.expires is not None and self.expires <= now


@dataclass(frozen=True)
class Key:
    """An OpenPGP primary key from the registry's `keys/`."""

    fingerprint: str
    """Primary-key fingerprint, 40 upper-case hex digits."""
    uids: tuple[UserId, ...]
    """User IDs in key block order."""
    created: int
    """Creation time, seconds since the epoch."""
    expires: int | None
    """Expiry time of the primary key, if any."""
    revoked: bool
    """Revoked by its owner (or a designated revoker)."""

    def expired(self, now: int) -> bool:
        """True when the key has expired at `now` (GnuPG: expiry strictly before now)."""
        return self.expires is not None and self.expires < now

    @property
    def primary_uid(self) -> str:
        """The first user ID, or an empty string for a key without one."""
        return self.uids[0].uid if self.uids else ""


@dataclass(frozen=True)
class KeySet:
    """Every key of one or more registries, by fingerprint."""

    keys: Mapping[str, Key]
    """Keys by primary fingerprint."""
    states: Mapping[str, KeyState] = field(default_factory=dict)
    """Every primary key and subkey with its signing status, by fingerprint."""

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys.values())

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, fpr: object) -> bool:
        return fpr in self.keys

    def get(self, fpr: str) -> Key | None:
        """The key with this fingerprint, or None."""
        return self.keys.get(fpr)


def load_keyset(files: Sequence[tuple[str, bytes]], cache_dir: Path | None = None,
                cache_key: str | None = None) -> KeySet:
    """Read `(source name, armored bytes)` key files into a KeySet, from the cache when possible.

    Every file must hold exactly one primary key whose fingerprint is the one its name gives;
    InputError names the file otherwise.
    """
    cache_file = (cache_dir / f"keys-{cache_key}.json"
                  if cache_dir is not None and cache_key else None)
    if cache_file is not None:
        cached = _read_cache(cache_file)
        if cached is not None:
            return cached
    for source, blob in files:
        check_key_file(source, blob)
    keyset = keyset_from_colon_keys(list_keyring([blob for _, blob in files]))
    expected = {_name_fpr(source): source for source, _ in files}
    for fpr, source in expected.items():
        if fpr not in keyset.keys:
            raise InputError("gpg did not accept this key (no valid self-signature?)",
                             file=source)
    if cache_file is not None:
        _write_cache(cache_file, keyset)
    return keyset


def keyset_for_registries(registries: Sequence[Registry]) -> KeySet:
    """The union of the `keys/` of several registries at HEAD, cached by their tree ids."""
    if not registries:
        return KeySet({})
    cache_dir = registries[0].git_dir / "signoff"
    cache_key = keys_tree_key(registries)
    cached = _read_cache(cache_dir / f"keys-{cache_key}.json")
    if cached is not None:
        return cached  # no key blob read at all: the tree ids name the content
    files: list[tuple[str, bytes]] = []
    for registry in registries:
        for fpr, blob in sorted(registry.keys_at().items()):
            files.append((f"{registry.path}/keys/{fpr}.asc", blob))
    return load_keyset(files, cache_dir, cache_key)


def keys_tree_key(registries: Sequence[Registry]) -> str:
    """One id for the `keys/` trees of the registries at HEAD, in order: it changes exactly
    when the keyring that verification and the web of trust read does."""
    tree_ids = [registry.keys_tree_id() or "none" for registry in registries]
    return tree_ids[0] if len(tree_ids) == 1 else \
        hashlib.sha256(" ".join(tree_ids).encode()).hexdigest()


def check_key_file(source: str, blob: bytes) -> str:
    """The fingerprint of the one transferable public key in a `keys/<FPR>.asc` file, which
    must be the one its name gives; InputError otherwise (see `attest.key_packets`)."""
    return check_key_file_name(blob, source, _name_fpr(source)).fingerprint


def _name_fpr(source: str) -> str:
    found = _FPR_IN_NAME.search(source)
    if found is None:
        raise InputError("key file name is not <FPR>.asc", file=source)
    return found.group(1)


def keyset_from_colon_keys(colon_keys: Sequence[ColonKey]) -> KeySet:
    """Value types from gpg's parsed listing; signers' key ids become fingerprints."""
    by_keyid = {k.keyid.upper(): k.fingerprint for k in colon_keys}
    keys: dict[str, Key] = {}
    for ck in colon_keys:
        uids: list[UserId] = []
        for cu in ck.user_ids:
            certs: list[Certification] = []
            for s in cu.signatures:
                # gpg matches signers by long key id (is_in_klist); so do we.
                signer = by_keyid.get(s.keyid, s.keyid)
                if signer == ck.fingerprint:
                    continue  # self-signatures: gpg's validation ignores them too
                certs.append(Certification(
                    signer=signer, sig_class=s.sig_class, created=s.created, expires=s.expires,
                    is_revocation=s.record == "rev" or s.sig_class == 0x30,
                    verified=s.check == "!", trust_depth=s.trust_depth,
                    trust_amount=s.trust_amount, regexp=s.trust_regexp))
            uids.append(UserId(cu.uid, cu.validity == "r", cu.expires, tuple(certs)))
        keys[ck.fingerprint] = Key(ck.fingerprint, tuple(uids), ck.created, ck.expires,
                                   ck.validity == "r")
    return KeySet(keys, states_from_listing(colon_keys))


# -- cache ------------------------------------------------------------------------------------

def keyset_to_json(keyset: KeySet) -> dict[str, Any]:
    """A compact JSON-ready document of the keyset: positional arrays, not objects (speed)."""
    return {"version": CACHE_VERSION, "keys": [
        [k.fingerprint, k.created, k.expires, k.revoked,
         [[u.uid, u.revoked, u.expires,
           [[c.signer, c.sig_class, c.created, c.expires, c.is_revocation, c.verified,
             c.trust_depth, c.trust_amount, c.regexp] for c in u.certifications]]
          for u in k.uids]]
        for k in keyset],
        "states": [[s.fingerprint, s.primary, s.created, s.expires, s.revoked]
                   for s in keyset.states.values()]}


def keyset_from_json(doc: Any) -> KeySet:
    """The keyset a `keyset_to_json` document holds; ValueError/KeyError/TypeError if malformed."""
    if not isinstance(doc, dict) or doc.get("version") != CACHE_VERSION:
        raise ValueError("not a keyset cache of this version")
    keys: dict[str, Key] = {}
    for fpr, created, expires, revoked, uids in doc["keys"]:
        key = Key(_text(fpr), tuple(
            UserId(_text(uid), bool(u_revoked), _opt_int(u_expires), tuple(
                Certification(_text(signer), int(cls), int(c_created), _opt_int(c_expires),
                              bool(is_rev), bool(verified), int(depth), int(amount),
                              None if regexp is None else _text(regexp))
                for signer, cls, c_created, c_expires, is_rev, verified, depth, amount, regexp
                in certs))
            for uid, u_revoked, u_expires, certs in uids),
            int(created), _opt_int(expires), bool(revoked))
        keys[key.fingerprint] = key
    states = {}
    for fpr, primary, created, expires, revoked in doc["states"]:
        states[_text(fpr)] = KeyState(_text(fpr), _text(primary), int(created),
                                      _opt_int(expires), bool(revoked))
    return KeySet(keys, states)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _read_cache(path: Path) -> KeySet | None:
    try:
        return keyset_from_json(json.loads(path.read_bytes()))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupted: rebuilt from the key files


def _write_cache(path: Path, keyset: KeySet) -> None:
    # A cache that cannot be written only costs speed next time.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(keyset_to_json(keyset), separators=(",", ":")).encode())
