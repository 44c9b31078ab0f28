"""Reading a keyring with GnuPG: import armored keys into a throwaway home, list certifications.

Never the user's keyring: every call runs in a fresh GNUPGHOME under /tmp (short path, for the
agent socket limit) that is deleted afterwards. gpg checks each certification itself
(`--check-sigs`), and its machine-readable `--with-colons --fixed-list-mode` listing is parsed
here (`attest.gpg_colons`) into light records; `trust/keys.py` turns them into value types.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from signoff.attest.errors import GpgError
from signoff.attest.gpg import gpg_binary, kill_agent, new_home
from signoff.attest.gpg_colons import ColonKey, parse_colon_listing
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
