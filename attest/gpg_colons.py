"""gpg's machine-readable key listing (`--with-colons --fixed-list-mode`) as light records.

Kept apart from the code that runs gpg, so that the verifier (`attest.gpg`) and the keyring
reader (`attest.gpg_keys`) share one parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ColonSignature:
    """One `sig` or `rev` record under a user ID, as gpg listed it."""

    record: str
    """`sig` for a certification, `rev` for a certification revocation."""
    check: str
    """gpg's check result: `!` good, `-` bad, `?` no public key, `%` other error."""
    keyid: str
    """The issuer's long key id (16 hex)."""
    created: int
    """Creation time, seconds since the epoch."""
    expires: int | None
    """Expiry time of the certification itself, when it has one."""
    sig_class: int
    """The signature class, e.g. 0x10..0x13 or 0x30."""
    trust_depth: int = 0
    """Trust-signature depth, 0 when this is no trust signature."""
    trust_amount: int = 0
    """Trust-signature amount (60 marginal, 120 full)."""
    trust_regexp: str | None = None
    """Trust-signature regular expression, unescaped."""
    issuer_fpr: str | None = None
    """The issuer fingerprint, when the signature carries one."""


@dataclass
class ColonUserId:
    """One `uid` record and the signatures listed under it."""

    uid: str
    """The user ID string, unescaped."""
    validity: str
    """gpg's field 2: `r` revoked, `e` expired, otherwise a validity letter."""
    created: int | None
    """Creation time of its self-signature."""
    expires: int | None
    """Expiry of its self-signature, when set."""
    signatures: list[ColonSignature] = field(default_factory=list)
    """Certifications and revocations on it, in key block order."""


@dataclass
class ColonSubkey:
    """One `sub` record: a subkey's own status."""

    fingerprint: str
    """Subkey fingerprint, upper-case hex."""
    validity: str
    """gpg's field 2; `r` means revoked (by a revocation gpg checked)."""
    created: int
    """Creation time of the subkey."""
    expires: int | None
    """Expiry time from its newest binding signature, when set."""


@dataclass
class ColonKey:
    """One `pub` record with its fingerprint and user IDs."""

    fingerprint: str
    """Primary-key fingerprint, upper-case hex."""
    keyid: str
    """Long key id of the primary key."""
    validity: str
    """gpg's field 2; `r` means revoked."""
    created: int
    """Creation time of the primary key."""
    expires: int | None
    """Expiry time of the primary key, when set."""
    user_ids: list[ColonUserId] = field(default_factory=list)
    """User IDs in key block order (user attributes are skipped)."""
    subkey_ids: list[str] = field(default_factory=list)
    """Long key ids of its subkeys."""
    subkeys: list[ColonSubkey] = field(default_factory=list)
    """Its subkeys with their status, in key block order."""


def unescape_colon_field(text: str) -> str:
    """Undo gpg's `\\xNN` escaping of colon-listing fields."""
    if "\\x" not in text:
        return text
    out = bytearray()
    i = 0
    raw = text.encode("utf-8", "surrogateescape")
    while i < len(raw):
        if raw[i:i + 2] == b"\\x" and i + 4 <= len(raw):
            try:
                out.append(int(raw[i + 2:i + 4], 16))
                i += 4
                continue
            except ValueError:
                pass
        out.append(raw[i])
        i += 1
    return out.decode("utf-8", "replace")


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) != 0 else None


def parse_colon_listing(text: str) -> list[ColonKey]:
    """Parse `gpg --with-colons --fixed-list-mode --check-sigs` output into ColonKeys."""
    keys: list[ColonKey] = []
    key: ColonKey | None = None
    uid: ColonUserId | None = None
    last: str | None = None
    for line in text.splitlines():
        f = line.split(":")
        kind = f[0]
        if kind == "pub":
            key = ColonKey("", f[4], f[1], int(f[5] or 0), _int_or_none(f[6]))
            keys.append(key)
            uid = None
        elif kind == "fpr" and key is not None and last in ("pub", "sub"):
            if last == "pub":
                key.fingerprint = f[9].upper()
            elif key.subkeys and not key.subkeys[-1].fingerprint:
                key.subkeys[-1].fingerprint = f[9].upper()
        elif kind == "sub" and key is not None:
            key.subkey_ids.append(f[4])
            key.subkeys.append(ColonSubkey("", f[1], int(f[5] or 0), _int_or_none(f[6])))
            uid = None
        elif kind == "uid" and key is not None:
            uid = ColonUserId(unescape_colon_field(f[9]), f[1], _int_or_none(f[5]),
                              _int_or_none(f[6]))
            key.user_ids.append(uid)
        elif kind == "uat":
            uid = None  # photo IDs carry no user ID string for regexps; gpg skips nothing, rare
        elif kind in ("sig", "rev") and uid is not None:
            uid.signatures.append(_signature(kind, f))
        if kind in ("pub", "sub", "uid", "uat", "sig", "rev", "sec", "ssb"):
            last = kind
    return keys


def _signature(kind: str, f: list[str]) -> ColonSignature:
    class_field = f[10] if len(f) > 10 else ""
    sig_class = int(class_field[:2], 16) if len(class_field) >= 2 else 0
    depth = amount = 0
    if f[7].strip():
        parts = f[7].split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            depth, amount = int(parts[0]), int(parts[1])
    regexp = unescape_colon_field(f[8]) if depth and f[8] else None
    issuer = f[12].upper() if len(f) > 12 and len(f[12]) == 40 else None
    return ColonSignature(kind, f[1], f[4].upper(), int(f[5] or 0), _int_or_none(f[6]),
                          sig_class, depth, amount, regexp, issuer)
