"""Environment faults, through the installed command: no gpg on PATH, an unusable GnuPG home or
temporary folder, a full disk under the caches, and corrupt cache files.

Each gives a clear error (exit 2, no traceback) or a rebuild with the right verdict: never a
wrong verdict. The scenario: alice (the root) approves `good` and rejects `bad`; a check of
`good` exits 0 and a check of `bad` exits 1 when nothing is wrong.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli

TIMEOUT = 120


class Scene:
    """The registry, the policy, and one approved and one rejected wheel."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.builder = builder
        self.good = builder.wheel("good", "1.0")
        self.bad = builder.wheel("bad", "1.0")
        builder.approve("alice", self.good)
        builder.reject("alice", self.bad)
        self.policy = builder.policy(roots=["alice"], signers=1)
        self.caches = builder.registry.git_dir / "signoff"

    def check(self, file: Path, env: dict[str, str] | None = None,
              limit_file_size: int | None = None, in_process: bool = False
              ) -> subprocess.CompletedProcess[str]:
        """`signoff check FILE` in a subprocess, optionally with RLIMIT_FSIZE (a full disk);
        or through `main(argv)` in this process, which is quicker."""
        if in_process:
            out = run_cli("check", str(file), "--policy", str(self.policy), env=env)
            assert "Traceback" not in out.stdout + out.stderr, out.stderr
            return out
        preexec: Callable[[], None] | None = None
        if limit_file_size is not None:
            size = limit_file_size

            def preexec() -> None:
                # Ignored SIGXFSZ: a write past the limit fails with EFBIG, as on a full disk.
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        command = str(Path(sys.executable).parent / "signoff")
        out = subprocess.run([command, "check", str(file), "--policy", str(self.policy)],
                             capture_output=True, text=True, check=False, timeout=TIMEOUT,
                             env={**os.environ, **(env or {})}, preexec_fn=preexec)
        assert "Traceback" not in out.stdout + out.stderr, out.stderr
        return out

    def right_or_refused(self, **kwargs: object) -> None:
        """The good file passes and the bad one fails, or both stop with a clear error."""
        for file, right in ((self.good, 0), (self.bad, 1)):
            out = self.check(file, **kwargs)  # type: ignore[arg-type]
            assert out.returncode in (right, 2), (file.name, out.stdout, out.stderr)
            if out.returncode == 2:
                assert "error: " in out.stderr and len(out.stderr) > 10, out.stderr


@pytest.fixture
def scene(builder: RegistryBuilder) -> Scene:
    return Scene(builder)


def _without(program: str, tmp: Path) -> str:
    """A PATH like this one, with `program` hidden (a folder of links to everything else)."""
    folder = tmp / f"path-without-{program}"
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            link = folder / name
            if name.startswith(program) or link.exists() or link.is_symlink():
                continue
            link.symlink_to(Path(directory) / name)
    return str(folder)


def test_missing_gpg(scene: Scene) -> None:
    """No gpg on PATH: check and attest say so (exit 2); nothing passes unverified."""
    path = _without("gpg", scene.builder.tmp)
    for file in (scene.good, scene.bad):
        out = scene.check(file, env={"PATH": path})
        assert out.returncode == 2 and "gpg" in out.stderr, out.stderr
    command = str(Path(sys.executable).parent / "signoff")
    out = subprocess.run([command, "attest", str(scene.good), "--criteria", "safe-to-run",
                          "--registry", str(scene.builder.registry.path), "--gnupghome",
                          str(scene.builder.home)], capture_output=True, text=True,
                         check=False, timeout=TIMEOUT, env={**os.environ, "PATH": path})
    assert out.returncode == 2 and "gpg" in out.stderr and "Traceback" not in out.stderr, \
        out.stderr


@pytest.mark.parametrize("home", ["not-a-folder/gnupg", "missing/deeper/gnupg"])
def test_unusable_gnupg_home(scene: Scene, home: str) -> None:
    """attest with a GnuPG home that cannot be used (under a file, or missing): a clear error
    naming it, and the registry unchanged."""
    (scene.builder.tmp / "not-a-folder").write_text("a file")
    before = scene.builder.registry.head_commit().id
    command = str(Path(sys.executable).parent / "signoff")
    out = subprocess.run([command, "attest", str(scene.good), "--criteria", "safe-to-run",
                          "--registry", str(scene.builder.registry.path), "--gnupghome",
                          str(scene.builder.tmp / home)], capture_output=True, text=True,
                         check=False, timeout=TIMEOUT)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert scene.builder.registry.head_commit().id == before


def test_unusable_temporary_folder(scene: Scene) -> None:
    """check builds a throwaway keyring in the temporary folder; when that cannot be written
    the check stops with a clear error instead of judging without keys."""
    (scene.builder.tmp / "tmpfile").write_text("a file")
    scene.right_or_refused(env={"TMPDIR": str(scene.builder.tmp / "tmpfile" / "x")})


@pytest.mark.parametrize("limit", [0, 16 * 1024])
def test_full_disk_under_the_caches(scene: Scene, limit: int) -> None:
    """Every write past `limit` bytes fails (RLIMIT_FSIZE, as a full disk would), with the
    caches empty so they must be written: the verdicts stay right, or the check stops."""
    shutil.rmtree(scene.caches, ignore_errors=True)
    scene.right_or_refused(limit_file_size=limit)
    # The caches folder replaced by a file: nothing can be cached at all.
    shutil.rmtree(scene.caches, ignore_errors=True)
    scene.caches.write_text("not a folder")
    scene.right_or_refused()
    scene.caches.unlink()


LONG = os.environ.get("SIGNOFF_LONG") == "1"


def _corruptions(data: bytes, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    flipped = bytearray(data)
    for _ in range(8):
        if flipped:
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    tail = bytearray(data)
    start = len(tail) // 2
    tail[start:] = bytes(rng.randrange(256) for _ in range(len(tail) - start))
    found = [("garbage", bytes(rng.randrange(256) for _ in range(max(len(data), 512)))),
             ("truncated", data[: len(data) // 2]), ("random second half", bytes(tail))]
    return [*found, ("empty", b""), ("flipped bits", bytes(flipped))] if LONG else found


def test_corrupt_cache_files(scene: Scene) -> None:
    """Every cache file (signature results, key caches, history index) corrupted in several
    ways after a first check: the next check rebuilds or stops; its verdict is never wrong."""
    scene.right_or_refused(in_process=True)
    files = sorted(p for p in scene.caches.rglob("*") if p.is_file())
    assert files, "the first check wrote no cache"
    for seed, file in enumerate(files):
        original = file.read_bytes()
        for how, data in _corruptions(original, seed):
            for side in scene.caches.glob(file.name + "-*"):  # sqlite's -wal and -shm
                side.unlink()
            file.write_bytes(data)
            try:
                scene.right_or_refused(in_process=True)
            except AssertionError as e:
                raise AssertionError(f"{file.name} {how}: {e}") from e
        file.write_bytes(original)
