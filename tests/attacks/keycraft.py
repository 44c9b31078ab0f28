"""Hand-made OpenPGP key material for the key attacks: packets gpg itself would not write
into a key file (compressed, marker, literal, spliced subkeys), and subkey operations through
real gpg in the builder's home."""

from __future__ import annotations

import base64
import subprocess
import zlib
from pathlib import Path

from signoff.attest.key_packets import crc24
from tests.builder import RegistryBuilder


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run gpg in `home` in batch mode; its stdout."""
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--yes",
                           "--pinentry-mode", "loopback", "--passphrase", "", *args],
                          input=stdin, capture_output=True, check=True, timeout=60).stdout


def binary_key(builder: RegistryBuilder, name: str) -> bytes:
    """`name`'s public key as binary packets."""
    return gpg(builder.home, "--export", builder.key(name))


def packet(tag: int, body: bytes) -> bytes:
    """One new-format OpenPGP packet."""
    assert len(body) < 8384
    if len(body) < 192:
        return bytes([0xC0 | tag, len(body)]) + body
    n = len(body) - 192
    return bytes([0xC0 | tag, (n >> 8) + 192, n & 0xFF]) + body


def compressed(inner: bytes) -> bytes:
    """A compressed data packet (ZIP) whose contents are `inner`'s packets."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packet(8, b"\x01" + deflate.compress(inner) + deflate.flush())


def armor(data: bytes) -> bytes:
    """ASCII armor around binary packets, with a correct checksum."""
    text = base64.b64encode(data).decode()
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    checksum = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(lines) + f"\n={checksum}\n"
            "-----END PGP PUBLIC KEY BLOCK-----\n").encode()


def split_packets(data: bytes) -> list[bytes]:
    """Whole packets (header included) of gpg's binary output (new or old format)."""
    out, pos = [], 0
    while pos < len(data):
        first = data[pos]
        if first & 0x40:
            o = data[pos + 1]
            if o < 192:
                start, size = pos + 2, o
            elif o < 224:
                start, size = pos + 3, ((o - 192) << 8) + data[pos + 2] + 192
            else:
                start, size = pos + 6, int.from_bytes(data[pos + 2:pos + 6], "big")
        else:
            n = 1 << (first & 3)
            start, size = pos + 1 + n, int.from_bytes(data[pos + 1:pos + 1 + n], "big")
        out.append(data[pos:start + size])
        pos = start + size
    return out


def packet_tag(whole: bytes) -> int:
    """The tag of one whole packet."""
    return whole[0] & 0x3F if whole[0] & 0x40 else (whole[0] >> 2) & 0x0F


def add_signing_subkey(builder: RegistryBuilder, name: str, expire: str = "2y") -> str:
    """Give `name` a new ed25519 signing subkey (gpg then signs with it); its fingerprint."""
    fpr = builder.key(name)
    gpg(builder.home, "--quick-add-key", fpr, "ed25519", "sign", expire)
    listing = gpg(builder.home, "--with-colons", "--list-keys", fpr).decode()
    fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    return fprs[-1]


def revoke_subkey(builder: RegistryBuilder, name: str, number: int = 1) -> None:
    """Revoke `name`'s subkey number `number` (gpg's edit-key numbering)."""
    commands = f"key {number}\nrevkey\ny\n0\n\ny\nsave\n".encode()
    gpg(builder.home, "--command-fd", "0", "--edit-key", builder.key(name), stdin=commands)


def revoke_primary(builder: RegistryBuilder, name: str) -> None:
    """Import the revocation certificate gpg made when it created `name`'s key."""
    fpr = builder.key(name)
    cert = (builder.home / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
    gpg(builder.home, "--import", stdin=cert.replace(":-----BEGIN", "-----BEGIN").encode())
