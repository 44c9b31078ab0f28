"""A strict reader of `keys/<FPR>.asc`: exactly one transferable public key, nothing else.

gpg imports whatever keys a blob holds, including keys inside compressed packets, so a key file
must be proven to hold one key before gpg sees it. The grammar is RFC 4880/9580's transferable
public key: a v4 Public-Key packet, its direct signatures, user IDs and user attributes each
followed by signatures, then subkeys each followed by signatures. Any other packet (compressed,
marker, literal, trust, padding, a second primary key, secret key material), partial or
indeterminate lengths, a second armor block or text outside the armor are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from signoff.attest.errors import InputError

_SIGNATURE, _PUBLIC_KEY, _USER_ID, _PUBLIC_SUBKEY, _USER_ATTRIBUTE = 2, 6, 13, 14, 17
_PACKET_NAMES = {1: "public-key encrypted session key", 3: "symmetric-key session key",
                 4: "one-pass signature", 5: "secret key", 7: "secret subkey",
                 8: "compressed data", 9: "symmetrically encrypted data", 10: "marker",
                 11: "literal data", 12: "trust", 18: "encrypted data", 19: "modification code",
                 21: "padding"}
_FPR_IN_NAME = re.compile(r"([0-9A-F]{40})\.asc$")
_KEY_BLOCK_SUBPACKET = 38
"""A signature subpacket that carries a whole key block: a key smuggled inside a signature."""


@dataclass(frozen=True)
class TransferableKey:
    """What a key file holds: one primary key and the fingerprints of its subkeys."""

    fingerprint: str
    """Primary-key v4 fingerprint, 40 upper-case hex digits."""
    subkeys: tuple[str, ...]
    """Subkey fingerprints, in file order."""


class _Malformed(ValueError):
    """Bytes that are not the OpenPGP the caller expects (a ValueError, so that packet walks
    elsewhere catch it as one)."""


def read_key_file(blob: bytes, source: str) -> TransferableKey:
    """The one transferable public key of an armored key file; InputError naming `source`."""
    if b"PRIVATE KEY BLOCK" in blob:
        raise InputError("holds a secret key; only public keys belong in keys/", file=source)
    try:
        return _parse_packets(_dearmor_one(blob))
    except _Malformed as e:
        raise InputError(f"is not exactly one OpenPGP public key: {e}", file=source) from None


def check_key_file_name(blob: bytes, source: str, expected: str) -> TransferableKey:
    """`read_key_file`, also requiring the primary fingerprint that the file name gives."""
    key = read_key_file(blob, source)
    if key.fingerprint != expected:
        raise InputError(f"holds key {key.fingerprint}, not the {expected} its file name says",
                         file=source)
    return key


def read_key_files(keys: Mapping[str, bytes]) -> dict[str, TransferableKey]:
    """Each key file's one key, by source name; a source named `<FPR>.asc` must hold that key."""
    found: dict[str, TransferableKey] = {}
    for source, blob in keys.items():
        named = _FPR_IN_NAME.search(source)
        found[source] = (check_key_file_name(blob, source, named.group(1)) if named
                         else read_key_file(blob, source))
    return found


def _dearmor_one(blob: bytes, kind: str = "PUBLIC KEY BLOCK") -> bytes:
    begin, end = f"-----BEGIN PGP {kind}-----", f"-----END PGP {kind}-----"
    try:
        text = blob.decode("ascii")
    except UnicodeDecodeError:
        raise _Malformed("not ASCII armor (binary key files are not accepted)") from None
    lines = [line.rstrip("\r\n \t") for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if not lines or lines[0] != begin:
        raise _Malformed(f"the file must start with {begin}")
    if lines[-1] != end:
        raise _Malformed(f"the file must end with {end} (nothing may follow it)")
    body = lines[1:-1]
    if any(line.startswith("-----") for line in body):
        raise _Malformed("holds more than one armor block")
    while body and ":" in body[0]:  # armor headers (Version:, Comment:)
        body.pop(0)
    if body and not body[0]:
        body.pop(0)
    checksum = None
    if body and body[-1].startswith("="):
        checksum = body.pop()[1:]
    payload = "".join(body)
    try:
        data = base64.b64decode(payload, validate=True)
    except (ValueError, binascii.Error) as e:
        raise _Malformed(f"bad base64 in the armor: {e}") from None
    if checksum is not None:
        try:
            want = int.from_bytes(base64.b64decode(checksum, validate=True), "big")
        except (ValueError, binascii.Error):
            raise _Malformed("unreadable armor checksum") from None
        if want != crc24(data):
            raise _Malformed("the armor checksum does not match its contents")
    if not data:
        raise _Malformed("the armor holds no packets")
    return data


def signature_packets(blob: bytes) -> int | None:
    """How many packets an armored signature file holds when all are signature packets;
    None when it is not a well-formed armored signature of signature packets only."""
    try:
        packets = _packets(_dearmor_one(blob, "SIGNATURE"))
    except _Malformed:
        return None
    return len(packets) if all(tag == _SIGNATURE for tag, _ in packets) else None


def crc24(data: bytes) -> int:
    """The ASCII armor checksum (RFC 4880 6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _packets(data: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        tag, start, end = packet_bounds(data, pos)
        if end > len(data):
            raise _Malformed(f"packet at byte {pos} runs past the end of the data")
        out.append((tag, data[start:end]))
        pos = end
    return out


def packet_bounds(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, body start, body end) of the packet at `pos`; a ValueError when its header is
    malformed or truncated (the body may still run past the end: the caller checks)."""
    first = data[pos]
    if not first & 0x80:
        raise _Malformed(f"byte {pos} does not start an OpenPGP packet")
    if first & 0x40:  # new format
        tag = first & 0x3F
        o = _byte(data, pos + 1)
        if o < 192:
            return tag, pos + 2, pos + 2 + o
        if o < 224:
            return tag, pos + 3, pos + 3 + ((o - 192) << 8) + _byte(data, pos + 2) + 192
        if o == 255:
            if pos + 6 > len(data):
                raise _Malformed(f"truncated packet header at byte {pos}")
            return tag, pos + 6, pos + 6 + int.from_bytes(data[pos + 2:pos + 6], "big")
        raise _Malformed(f"packet at byte {pos} has a partial body length")
    tag = (first >> 2) & 0x0F
    length_type = first & 0x03
    if length_type == 3:
        raise _Malformed(f"packet at byte {pos} has an indeterminate length")
    n = 1 << length_type
    if pos + 1 + n > len(data):
        raise _Malformed(f"truncated packet header at byte {pos}")
    return tag, pos + 1 + n, pos + 1 + n + int.from_bytes(data[pos + 1:pos + 1 + n], "big")


def _byte(data: bytes, i: int) -> int:
    if i >= len(data):
        raise _Malformed(f"truncated packet header at byte {i}")
    return data[i]


def _parse_packets(data: bytes) -> TransferableKey:
    packets = _packets(data)
    tag, body = packets[0]
    if tag != _PUBLIC_KEY:
        raise _Malformed(f"the first packet is {_name(tag)}, not a public key")
    primary = _fingerprint(body, "primary key")
    subkeys: list[str] = []
    section = "direct"  # direct signatures, then user IDs/attributes, then subkeys
    for tag, body in packets[1:]:
        if tag == _SIGNATURE:
            _check_signature(body)
        elif tag in (_USER_ID, _USER_ATTRIBUTE):
            if section == "subkeys":
                raise _Malformed("a user ID follows a subkey")
            section = "uids"
        elif tag == _PUBLIC_SUBKEY:
            section = "subkeys"
            subkeys.append(_fingerprint(body, "subkey"))
        elif tag == _PUBLIC_KEY:
            raise _Malformed("holds a second primary key; keys/ needs one key per file")
        else:
            raise _Malformed(f"holds a {_name(tag)} packet, which has no place in a public key")
    return TransferableKey(primary, tuple(subkeys))


def _name(tag: int) -> str:
    return _PACKET_NAMES.get(tag, f"tag-{tag}")


def _fingerprint(body: bytes, what: str) -> str:
    if not body or body[0] != 4:
        version = body[0] if body else "?"
        raise _Malformed(f"{what} version {version} is not supported (only v4)")
    if len(body) < 7:
        raise _Malformed(f"{what} packet is truncated")
    return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()


def _check_signature(body: bytes) -> None:
    """Refuse a signature that carries a key block; v3 signatures have no subpackets."""
    if not body or body[0] not in (3, 4):
        raise _Malformed(f"signature version {body[0] if body else '?'} is not supported")
    if body[0] == 3:
        return
    pos = 4
    for area in ("hashed", "unhashed"):
        if pos + 2 > len(body):
            raise _Malformed("signature packet is truncated")
        size = int.from_bytes(body[pos:pos + 2], "big")
        end = pos + 2 + size
        if end > len(body):
            raise _Malformed(f"signature's {area} subpackets run past the packet")
        _check_subpackets(body[pos + 2:end])
        pos = end


def _check_subpackets(area: bytes) -> None:
    pos = 0
    while pos < len(area):
        first = area[pos]
        if first < 192:
            size, pos = first, pos + 1
        elif first < 255:
            if pos + 1 >= len(area):
                raise _Malformed("signature subpacket length is truncated")
            size, pos = ((first - 192) << 8) + area[pos + 1] + 192, pos + 2
        else:
            if pos + 5 > len(area):
                raise _Malformed("signature subpacket length is truncated")
            size, pos = int.from_bytes(area[pos + 1:pos + 5], "big"), pos + 5
        if size == 0 or pos + size > len(area):
            raise _Malformed("signature subpacket runs past its area")
        if area[pos] & 0x7F == _KEY_BLOCK_SUBPACKET:
            raise _Malformed("a signature carries a key block subpacket (a key inside a key)")
        pos += size
