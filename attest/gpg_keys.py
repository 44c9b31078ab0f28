"""Reading a keyring with GnuPG: import armored keys into a throwaway home, list certifications.

Never the user's keyring: every call runs in a fresh GNUPGHOME under /tmp (short path, for the
agent socket limit) that is deleted afterwards. gpg checks each certification itself
(`--check-sigs`), and its machine-readable `--with-colons --fixed-list-mode` listing is parsed
here into light records; `trust/keys.py` turns them into value types.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from signoff.attest.errors import GpgError
from signoff.attest.gpg import gpg_binary, kill_agent, new_home
from signoff.attest.limits import LIMITS


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
        elif kind == "sub" and key is not None:
            key.subkey_ids.append(f[4])
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


def _run(gpg: str, home: Path, args: Sequence[str], stdin: bytes | None = None) -> str:
    try:
        proc = subprocess.run([gpg, "--homedir", str(home), "--batch", "--no-tty",
                               "--no-auto-key-retrieve", "--no-auto-key-locate", *args],
                              input=stdin, capture_output=True, check=False,
                              timeout=LIMITS.gpg_timeout_seconds)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise GpgError(f"cannot run gpg {args[0]}: {e}") from e
    if proc.returncode not in (0, 2) or (proc.returncode == 2 and not proc.stdout):
        detail = proc.stderr.decode("utf-8", "replace").strip()
        raise GpgError(f"gpg {args[0]} failed: {detail}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def list_keyring(blobs: Sequence[bytes]) -> list[ColonKey]:
    """Every primary key in the blobs, with its certifications as checked by gpg.

    All blobs are imported into one throwaway home, so that certifications between them
    verify, and the home is deleted afterwards.
    """
    gpg = gpg_binary()
    if not blobs:
        return []
    home = new_home()
    try:
        _run(gpg, home, ["--import"], stdin=b"\n".join(blobs))
        # --trust-model always: no trustdb walk; validity is computed by signoff, not here.
        listing = _run(gpg, home, ["--with-colons", "--fixed-list-mode", "--trust-model",
                                   "always", "--check-sigs"])
        return parse_colon_listing(listing)
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)


@dataclass(frozen=True)
class Packet:
    """One OpenPGP packet of a key file: its tag and its exact bytes, header included."""

    tag: int
    """The packet tag (2 signature, 6 primary key, 13 user ID, 14 subkey, ...)."""
    raw: bytes
    """Header and body, byte for byte as the file holds them."""
    offset: int
    """Where it starts in the dearmored data."""
    header: int
    """Length of the header: the body is `raw[header:]`."""

    @property
    def body(self) -> bytes:
        """The packet's body, without its header."""
        return self.raw[self.header:]

    @property
    def content(self) -> tuple[int, bytes]:
        """Tag and body: what two encodings of one packet share (the header's length format
        is the exporter's choice; the body is what was signed)."""
        return self.tag, self.body


def packets(blob: bytes) -> list[Packet]:
    """The packets of an armored or binary key blob, in order; ValueError when it is not
    OpenPGP (a bad header, or a packet that runs past the end)."""
    data = dearmor(blob) if blob.lstrip().startswith(b"-----BEGIN") else blob
    found: list[Packet] = []
    pos = 0
    while pos < len(data):
        try:
            tag, body_start, body_end = _packet_bounds(data, pos)
        except IndexError:
            raise ValueError(f"truncated packet header at byte {pos}") from None
        if body_end > len(data):
            raise ValueError(f"packet at byte {pos} runs past the end of the data")
        found.append(Packet(tag, data[pos:body_end], pos, body_start - pos))
        pos = body_end
    return found


def primary_fingerprints(blob: bytes) -> list[str]:
    """Fingerprints of the v4 primary keys in an armored or binary key blob, in order.

    A small OpenPGP packet walk, so that each `keys/<FPR>.asc` can be checked against its name
    without one gpg process per file. ValueError when the data is not OpenPGP.
    """
    fprs: list[str] = []
    for packet in packets(blob):
        if packet.tag == 6:
            body = packet.body
            if not body or body[0] != 4:
                version = body[0] if body else "?"
                raise ValueError(f"primary key version {version} is not supported (only v4)")
            digest = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body)
            fprs.append(digest.hexdigest().upper())
    return fprs


def dearmor(blob: bytes) -> bytes:
    """The binary packets of every ASCII-armored block in the blob; ValueError when malformed."""
    lines = blob.decode("ascii", "replace").splitlines()
    out = b""
    i = 0
    found = False
    while i < len(lines):
        if not lines[i].startswith("-----BEGIN PGP"):
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("-----END PGP")),
                   None)
        if end is None:
            raise ValueError("an ASCII-armored block has no END line")
        body = lines[i + 1:end]
        while body and body[0].strip() and ":" in body[0]:  # armor headers
            body = body[1:]
        payload = "".join(ln.strip() for ln in body if ln.strip() and not ln.startswith("="))
        try:
            out += base64.b64decode(payload, validate=True)
        except (ValueError, binascii.Error) as e:
            raise ValueError(f"bad base64 in armor: {e}") from e
        found = True
        i = end + 1
    if not found:
        raise ValueError("no ASCII-armored block")
    return out


def _packet_bounds(data: bytes, pos: int) -> tuple[int, int, int]:
    first = data[pos]
    if not first & 0x80:
        raise ValueError(f"not an OpenPGP packet at byte {pos}")
    if first & 0x40:  # new format
        tag = first & 0x3F
        o = data[pos + 1]
        if o < 192:
            return tag, pos + 2, pos + 2 + o
        if o < 224:
            length = ((o - 192) << 8) + data[pos + 2] + 192
            return tag, pos + 3, pos + 3 + length
        if o == 255:
            length = int.from_bytes(data[pos + 2:pos + 6], "big")
            return tag, pos + 6, pos + 6 + length
        raise ValueError("partial body lengths do not occur in key material")
    tag = (first >> 2) & 0x0F
    ltype = first & 0x03
    if ltype == 3:
        raise ValueError("indeterminate packet length in key material")
    n = 1 << ltype
    length = int.from_bytes(data[pos + 1:pos + 1 + n], "big")
    return tag, pos + 1 + n, pos + 1 + n + length
