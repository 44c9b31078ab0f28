"""GnuPG homes for tests: every one is stopped (`gpgconf --kill all`) and removed when done.

The session also runs inside one private temporary folder (`start_run_folder`): TMPDIR points
there, so every home, keyring and pytest folder of the run lands in it, and `sweep_run_folder`
stops any agent still running in it and removes it whole at the end. After a run, /tmp holds
nothing of it, not even the secret keys of a test that crashed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from signoff.attest.gpg import kill_agent, new_home


def remove_home(home: Path) -> None:
    """Stop the home's agent and delete the home with its secret keys."""
    kill_agent(home)
    shutil.rmtree(home, ignore_errors=True)


@contextmanager
def gnupg_home() -> Iterator[Path]:
    """A fresh GnuPG home, removed (agent first) however the block ends."""
    home = new_home()
    try:
        yield home
    finally:
        remove_home(home)


def start_run_folder() -> Path:
    """One short-named private folder for everything a test run writes; TMPDIR points to it."""
    run = Path(tempfile.mkdtemp(prefix="so-run-", dir="/tmp"))
    os.environ["TMPDIR"] = str(run)
    tempfile.tempdir = None  # let tempfile read TMPDIR again
    return run


def sweep_run_folder(run: Path) -> list[Path]:
    """Stop every agent left under `run`, delete `run`; the homes that still had an agent."""
    gpgconf = shutil.which("gpgconf")
    left: list[Path] = []
    for socket in run.rglob("S.gpg-agent"):
        left.append(socket.parent)
        if gpgconf:
            subprocess.run([gpgconf, "--homedir", str(socket.parent), "--kill", "all"],
                           capture_output=True, check=False)
    shutil.rmtree(run, ignore_errors=True)
    return left
