"""How a key file may change in a pull request: it only gains material.

"Gains" is judged on the OpenPGP packets themselves, not on what gpg chooses to list: every
packet the base had is still there byte for byte, attached to the same key, subkey or user ID,
and every signature packet added verifies. A listing of issuer, time and class is not enough:
flip one byte inside a certification revocation and those stay the same while gpg silently
drops the revocation, so the revoked certification counts again.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from signoff.attest.gpg import gpg_binary
from signoff.attest.gpg_keys import Packet, packets

_SIGNATURE = 2
_COMPONENTS = {6: "the primary key", 14: "subkey", 13: "user ID", 17: "user attribute"}
_ADDABLE = {_SIGNATURE, 13, 14, 17}
"""Packets a key file may gain: signatures, user IDs, subkeys, user attributes."""
_REVOCATIONS = {0x20, 0x28, 0x30}
_CERTIFICATIONS = {0x10, 0x11, 0x12, 0x13, 0x30}
"""Signatures another key makes over a user ID: certifications and their revocations."""
_PACKET_NAMES = {2: "signature", 6: "primary key", 12: "trust", 13: "user ID", 14: "subkey",
                 17: "user attribute", 8: "compressed data", 10: "marker"}


@dataclass(frozen=True)
class SignatureSummary:
    """What identifies a v4 signature packet in gpg's listing."""

    issuer: str
    """Long key id (16 upper-case hex) of the key that made it, or '' when it names none."""
    created: int
    """Creation time, seconds since the epoch (0 when missing)."""
    sig_class: int
    """Signature class: 0x10-0x13 certifications, 0x30 their revocation, ..."""


def lost_packets(old: bytes, new: bytes) -> list[str]:
    """Each packet of `old` that `new` no longer holds byte for byte in the same place,
    described; ValueError when `new` is not OpenPGP. An unreadable `old` loses nothing."""
    try:
        before = _placed(packets(old))
    except ValueError:
        return []
    after = {(where, packet.content) for where, packet in _placed(packets(new))}
    return [_describe(packet, where) for where, packet in before
            if (where, packet.content) not in after]


def refused_additions(old: bytes | None, new: bytes) -> list[str]:
    """Packets added that a key file may not gain (anything but signatures, user IDs,
    subkeys and user attributes), described."""
    had = {p.content for p in packets(old or b"")}
    return [f"adds a {_PACKET_NAMES.get(p.tag, f'tag-{p.tag}')} packet at byte {p.offset}; a "
            "key file may gain only signatures, user IDs and subkeys"
            for p in packets(new) if p.content not in had and p.tag not in _ADDABLE | {6}]


def added_signatures(old: bytes | None, new: bytes) -> list[tuple[Packet, SignatureSummary]]:
    """The signature packets in `new` that `old` lacks, with what identifies them."""
    had = Counter(p.content for p in packets(old or b""))
    added = []
    for packet in packets(new):
        if packet.tag != _SIGNATURE:
            continue
        if had[packet.content]:
            had[packet.content] -= 1
            continue
        added.append((packet, signature_summary(packet)))
    return added


def unverified_additions(home: Path, old: bytes | None, new: bytes,
                         import_issuers: Callable[[set[str]], None]) -> list[str]:
    """Added signature packets that do not verify, described.

    `import_issuers` is given the long key ids of the issuers and imports whichever of their
    keys the registry has into `home`; gpg then checks each signature of the new file. A
    certification whose issuer is in no key file cannot be checked and cannot count for
    anything either: gpg reports it as such (`?`) and it is let through. Every other kind
    (subkey bindings, direct-key signatures, revocations of the key's own parts) must verify.
    """
    added = added_signatures(old, new)
    if not added:
        return []
    import_issuers({summary.issuer for _, summary in added if summary.issuer})
    statuses = _checked_signatures(home, new)
    wanted = Counter(s for _, s in added)
    old_counts = Counter(signature_summary(p) for p in packets(old or b"")
                         if p.tag == _SIGNATURE)
    problems = []
    for summary, count in sorted(wanted.items(), key=lambda kv: (kv[0].issuer, kv[0].created)):
        found = statuses.get(summary, Counter())
        # Only a certification by another key may go unchecked for want of its issuer's key;
        # a binding, a direct-key signature or a revocation of the key's own parts is made by
        # the key itself and must verify.
        usable = found["!"] + (found["?"] if summary.sig_class in _CERTIFICATIONS else 0)
        if usable < count + old_counts[summary]:
            what = _signature_words(summary)
            problems.append(f"adds a {what} that does not verify; every packet added must "
                            "verify")
    return problems


def signature_summary(packet: Packet) -> SignatureSummary:
    """Issuer, time and class of a v4 signature packet (empty fields when it is not v4)."""
    body = packet.body
    if len(body) < 6 or body[0] != 4:
        return SignatureSummary("", 0, body[1] if len(body) > 1 else -1)
    issuer, created = "", 0
    pos = 4
    for _ in range(2):  # hashed, then unhashed subpackets
        if pos + 2 > len(body):
            break
        length = int.from_bytes(body[pos:pos + 2], "big")
        area = body[pos + 2:pos + 2 + length]
        for kind, data in _subpackets(area):
            if kind == 2 and len(data) == 4 and not created:
                created = int.from_bytes(data, "big")
            elif kind == 16 and len(data) == 8 and not issuer:
                issuer = data.hex().upper()
            elif kind == 33 and len(data) >= 9:
                issuer = data[-8:].hex().upper()
        pos += 2 + length
    return SignatureSummary(issuer, created, body[1])


def _subpackets(area: bytes) -> list[tuple[int, bytes]]:
    found = []
    pos = 0
    while pos < len(area):
        first = area[pos]
        if first < 192:
            length, pos = first, pos + 1
        elif first < 255:
            if pos + 1 >= len(area):
                break
            length, pos = ((first - 192) << 8) + area[pos + 1] + 192, pos + 2
        else:
            length, pos = int.from_bytes(area[pos + 1:pos + 5], "big"), pos + 5
        if length < 1 or pos + length > len(area):
            break
        found.append((area[pos] & 0x7F, area[pos + 1:pos + length]))
        pos += length
    return found


def _placed(found: list[Packet]) -> list[tuple[bytes, Packet]]:
    """Each packet with the body of the component (key, subkey, user ID) it belongs to; the
    primary key's own signatures have b"" (the file holds one primary key)."""
    placed = []
    where = b""
    for packet in found:
        if packet.tag in _COMPONENTS:
            where = bytes([packet.tag]) + packet.body if packet.tag != 6 else b""
        placed.append((where, packet))
    return placed


def _checked_signatures(home: Path, new: bytes) -> dict[SignatureSummary, Counter[str]]:
    """gpg's verdict on every signature in the key file: `!` good, `-` bad, `?` no key."""
    proc = subprocess.run([gpg_binary(), "--homedir", str(home), "--batch", "--with-colons",
                           "--show-keys", "--with-sig-check"], input=new, capture_output=True,
                          check=False)
    found: dict[SignatureSummary, Counter[str]] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        f = line.split(":")
        if f[0] not in ("sig", "rev") or len(f) < 11 or len(f[10]) < 2:
            continue
        try:
            summary = SignatureSummary(f[4].upper(), int(f[5] or 0), int(f[10][:2], 16))
        except ValueError:
            continue
        found.setdefault(summary, Counter())[f[1]] += 1
    return found


def _signature_words(summary: SignatureSummary) -> str:
    cls = summary.sig_class
    kind = ("certification revocation" if cls == 0x30 else "revocation" if cls in _REVOCATIONS
            else "certification" if 0x10 <= cls <= 0x13 else f"signature (class 0x{cls:02x})")
    when = datetime.fromtimestamp(summary.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{kind} by {summary.issuer or 'an unnamed key'} made at {when}"


def _describe(packet: Packet, where: bytes) -> str:
    if packet.tag == _SIGNATURE:
        return _signature_words(signature_summary(packet)) + _on(where)
    if packet.tag == 13:
        return f"user ID {packet.body.decode('utf-8', 'replace')!r}"
    return f"{_PACKET_NAMES.get(packet.tag, f'tag-{packet.tag}')} packet at byte {packet.offset}"


def _on(where: bytes) -> str:
    if not where:
        return " on the key"
    if where[0] == 13:
        return f" on user ID {where[1:].decode('utf-8', 'replace')!r}"
    return f" on a {_COMPONENTS.get(where[0], 'component')}"
