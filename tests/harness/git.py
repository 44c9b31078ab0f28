"""The real git command line, with a fixed identity, for scenarios that pygit2 does not cover."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "gpg.program=gpg")


def git(cwd: Path, *args: str, gnupghome: Path | None = None) -> str:
    """Run git in `cwd` (signing, when asked to, with the keys of `gnupghome`); its stdout.

    A failure fails the test with git's own words."""
    env = {**os.environ, "GNUPGHOME": str(gnupghome)} if gnupghome is not None else None
    proc = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr.strip()}"
    return proc.stdout
