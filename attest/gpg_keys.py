"""Reading a keyring with GnuPG: import armored keys into a throwaway home, list certifications.

Never the user's keyring: every call runs in a fresh GNUPGHOME under /tmp (short path, for the
agent socket limit) that is deleted afterwards. gpg checks each certification itself
(`--check-sigs`), and its machine-readable `--with-colons --fixed-list-mode` listing is parsed
here (`attest.gpg_colons`) into light records; `trust/keys.py` turns them into value types.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from signoff.attest.errors import GpgError
from signoff.attest.gpg import gpg_binary, kill_agent, new_home
from signoff.attest.gpg_colons import ColonKey, parse_colon_listing
from signoff.attest.key_packets import packet_bounds
from signoff.attest.limits import LIMITS


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
        tag, body_start, body_end = packet_bounds(data, pos)
        if body_end > len(data):
            raise ValueError(f"packet at byte {pos} runs past the end of the data")
        found.append(Packet(tag, data[pos:body_end], pos, body_start - pos))
        pos = body_end
    return found


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


