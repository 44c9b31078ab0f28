"""Crashes and concurrency: `signoff attest`, `registry add-key` and `registry sync` killed with
SIGKILL at random moments, and two `attest` commands at once on one registry.

After a kill the registry holds the old state or the new one: the branch points at the old
commit or at one new commit on top of it, `git fsck` is clean, and every file in the work tree
is whole (the old version or the new one). The next command then works, and leaves no lock
file, no journal and a clean work tree. Runs per command: 3 in `make test`, 15 under
SIGNOFF_LONG=1 (SIGNOFF_CRASH_RUNS=N sets it). Delays are random within the command's own
measured duration, from a seed printed on failure (SIGNOFF_CRASH_SEED reproduces a run).
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pygit2
import pytest

from signoff.attest.errors import RegistryError
from signoff.attest.limits import LIMITS
from signoff.registry import write_guard
from signoff.registry.layout import key_path
from signoff.registry.repo import Registry
from signoff.registry.write_guard import JOURNAL_NAME, LOCK_NAME
from tests.builder import RegistryBuilder
from tests.harness.git import git
from tests.harness.gnupg import remove_home

RUNS = int(os.environ.get("SIGNOFF_CRASH_RUNS")
           or (15 if os.environ.get("SIGNOFF_LONG") == "1" else 3))
SEED = int(os.environ.get("SIGNOFF_CRASH_SEED") or time.time())
TIMEOUT = 120


def _signoff() -> str:
    return str(Path(sys.executable).parent / "signoff")


def _start(args: Sequence[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The installed command in its own process group (so gpg children die with it)."""
    return subprocess.Popen([_signoff(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            env={**os.environ, **(env or {})})


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out + err


def _run(args: Sequence[str]) -> tuple[int, str, float]:
    """Run to the end; exit code, output and seconds taken."""
    started = time.monotonic()
    code, output = _finish(_start(args))
    return code, output, time.monotonic() - started


def _kill_after(args: Sequence[str], delay: float) -> None:
    """Start the command and SIGKILL its process group after `delay` seconds. A killed signoff
    cannot remove its temporary keyring (gpg's agent runs in a session of its own): this test
    removes what the kill left, as an operator's tmp cleaner would."""
    # Keyrings go to TMPDIR (the run's own folder under pytest); a shared /tmp is left alone,
    # since other runs' keyrings may be there.
    base = os.environ.get("TMPDIR", "/tmp")
    folder = Path(base) if base != "/tmp" and len(base) < 40 else None

    def keyrings() -> set[Path]:
        return set(folder.glob("so-kr-*")) if folder is not None else set()

    before = keyrings()
    process = _start(args)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=TIMEOUT)
    for home in keyrings() - before:
        remove_home(home)


def _head(path: Path) -> pygit2.Oid:
    return pygit2.Repository(str(path)).head.peel(pygit2.Commit).id


def _whole_files(path: Path, old: pygit2.Oid) -> None:
    """Right after a kill: the branch is old or one commit on it; objects are sound; every
    tracked path in the work tree holds a version some commit has (never half a file)."""
    repo = pygit2.Repository(str(path))
    head = repo.head.peel(pygit2.Commit)
    assert head.id == old or old in head.parent_ids or repo.descendant_of(head.id, old), \
        f"the branch moved somewhere unexpected: {old} -> {head.id}"
    fsck = subprocess.run(["git", "-C", str(path), "fsck", "--no-dangling", "--no-progress"],
                          capture_output=True, text=True, check=False)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    known = {obj.id for c in repo.walk(head.id) for obj in _blobs(c.tree)}
    for folder in ("attestations", "keys"):
        for file in (path / folder).rglob("*") if (path / folder).exists() else ():
            if file.is_file() and not file.name.startswith("."):
                blob_id = pygit2.hash(file.read_bytes())
                assert blob_id in known or _is_new_whole(file), f"partial file {file}"


def _is_new_whole(file: Path) -> bool:
    # Written for the commit that was cut short: a whole statement, signature or key.
    data = file.read_bytes()
    return (data.startswith(b"signoff: attestation/v1") and data.endswith(b"\n")) or (
        data.startswith(b"-----BEGIN PGP") and data.rstrip().endswith(b"-----"))


def _blobs(tree: pygit2.Tree) -> list[pygit2.Object]:
    found: list[pygit2.Object] = []
    for entry in tree:
        if isinstance(entry, pygit2.Tree):
            found += _blobs(entry)
        else:
            found.append(entry)
    return found


def _settled(path: Path) -> None:
    """After the next command: no lock file, no journal, a clean work tree, sound objects."""
    git_dir = path / ".git"
    locks = [p for p in git_dir.rglob("*.lock")]
    assert not locks, locks
    assert not (git_dir / JOURNAL_NAME).exists()
    status = git(path, "status", "--porcelain", "--untracked-files=all")
    assert status.strip() == "", status
    fsck = subprocess.run(["git", "-C", str(path), "fsck", "--no-dangling", "--no-progress"],
                          capture_output=True, text=True, check=False)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def _attest(builder: RegistryBuilder, file: Path) -> list[str]:
    return ["attest", str(file), "--criteria", "safe-to-deploy", "--registry",
            str(builder.registry.path), "--gnupghome", str(builder.home),
            "--key", builder.key("alice")]


def test_killed_attest_leaves_old_or_new_state(builder: RegistryBuilder) -> None:
    """SIGKILL `signoff attest` at random moments: the registry is whole, the next attest
    works, and every attestation that was reported committed is still there."""
    rng = random.Random(SEED)
    builder.key("alice")
    code, output, took = _run(_attest(builder, builder.wheel("calibrate", "1.0")))
    assert code == 0, output
    path = builder.registry.path
    for run in range(RUNS):
        old = _head(path)
        delay = rng.uniform(0.3, 1.0) * took
        _kill_after(_attest(builder, builder.wheel(f"killed{run}", "1.0")), delay)
        _whole_files(path, old)
        code, output, _ = _run(_attest(builder, builder.wheel(f"after{run}", "1.0")))
        assert code == 0, f"seed {SEED}, run {run}, delay {delay:.2f}: {output}"
        _settled(path)
        assert old in {c.id for c in pygit2.Repository(str(path)).walk(_head(path))}


def test_killed_add_key_leaves_old_or_new_state(builder: RegistryBuilder) -> None:
    """SIGKILL `signoff registry add-key` at random moments: as for attest."""
    rng = random.Random(SEED + 1)
    path = builder.registry.path
    names = [f"k{run}" for run in range(RUNS + 1)]
    fprs = [builder.key(name, publish=False) for name in names]

    def add(fpr: str) -> list[str]:
        return ["registry", "add-key", fpr, "--registry", str(path), "--gnupghome",
                str(builder.home)]

    code, output, took = _run(add(fprs[0]))
    assert code == 0, output
    for run, fpr in enumerate(fprs[1:]):
        old = _head(path)
        delay = rng.uniform(0.3, 1.0) * took
        _kill_after(add(fpr), delay)
        _whole_files(path, old)
        code, output, _ = _run(add(fpr))  # the same key again: added now, or already there
        assert code == 0, f"seed {SEED}, run {run}, delay {delay:.2f}: {output}"
        _settled(path)
        registry = Registry.open(path)
        assert registry.read_file(key_path(fpr)) is not None


def test_killed_sync_leaves_old_or_new_state(builder: RegistryBuilder) -> None:
    """SIGKILL `signoff registry sync` at random moments (mid-fetch, mid-checkout, mid-move):
    the fork is whole, and the next sync brings it to upstream's head."""
    rng = random.Random(SEED + 2)
    builder.key("alice")
    fork = builder.tmp / "fork"
    pygit2.clone_repository(str(builder.registry.path), str(fork))
    state = builder.tmp / "sync-state"

    def sync() -> list[str]:
        return ["registry", "sync", "--registry", str(fork), "--upstream",
                str(builder.registry.path), "--state-dir", str(state)]

    builder.approve("alice", builder.wheel("first", "1.0"))
    code, output, took = _run(sync())
    assert code == 0, output
    for run in range(RUNS):
        for n in range(3):  # several files per sync: a longer checkout to land in
            builder.approve("alice", builder.wheel(f"up{run}x{n}", "1.0"))
        old = _head(fork)
        delay = rng.uniform(0.3, 1.0) * took
        _kill_after(sync(), delay)
        _whole_files(fork, old)
        code, output, _ = _run(sync())
        assert code == 0, f"seed {SEED}, run {run}, delay {delay:.2f}: {output}"
        _settled(fork)
        assert _head(fork) == builder.registry.head_commit().id


def test_two_attests_at_once_both_land(builder: RegistryBuilder) -> None:
    """Two `signoff attest` commands on one registry at the same moment: one waits for the
    other and builds on its commit; nothing is lost and the history stays linear."""
    builder.key("alice")
    path = builder.registry.path
    for run in range(RUNS):
        old = _head(path)
        first = _start(_attest(builder, builder.wheel(f"one{run}", "1.0")))
        second = _start(_attest(builder, builder.wheel(f"two{run}", "1.0")))
        results = [_finish(first), _finish(second)]
        assert [code for code, _ in results] == [0, 0], results
        repo = pygit2.Repository(str(path))
        head = repo.head.peel(pygit2.Commit)
        parent = repo[head.parent_ids[0]].peel(pygit2.Commit)
        assert parent.parent_ids == [old], "the two commits are not one on the other"
        for project in (f"one{run}", f"two{run}"):
            assert Registry.open(path).versions_of(project) == ["1"], project
        _settled(path)


def test_a_writer_that_waits_too_long_fails_clearly(builder: RegistryBuilder,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that cannot get the registry (another writer holds it past the wait) fails
    with a clear RegistryError and writes nothing."""
    monkeypatch.setattr(write_guard, "LIMITS", dataclasses.replace(LIMITS, write_lock_wait=1))
    builder.key("alice")
    old = builder.registry.head_commit().id
    with open(builder.registry.git_dir / LOCK_NAME, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(RegistryError, match="another signoff command"):
            builder.approve("alice", builder.wheel("waited", "1.0"))
    assert builder.registry.head_commit().id == old
    builder.approve("alice", builder.wheel("waited", "1.0"))  # and works once it is free
    assert builder.registry.head_commit().id != old


def test_next_write_clears_what_a_killed_writer_left(builder: RegistryBuilder) -> None:
    """The state a writer killed between its work-tree write and its branch move leaves, made
    by hand (a random kill lands there rarely): its journal, git's index.lock and branch lock,
    a temporary file and a statement that was never committed. The next attest clears them
    and commits; the uncommitted statement is gone (the branch never held it)."""
    builder.key("alice")
    path = builder.registry.path
    git_dir = builder.registry.git_dir
    stray = path / "attestations" / "st" / "ra" / "stray" / "1.0" / ("c" * 64) / "X.yaml"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"signoff: attestation/v1\n")
    (stray.parent / ".X.yaml.tmp123").write_bytes(b"signoff: attes")
    relative = stray.relative_to(path).as_posix()
    (git_dir / JOURNAL_NAME).write_text(f'{{"paths": ["{relative}"]}}')
    (git_dir / "index.lock").write_bytes(b"")
    (git_dir / "refs" / "heads" / "main.lock").write_bytes(b"")
    code, output, _ = _run(_attest(builder, builder.wheel("next", "1.0")))
    assert code == 0, output
    _settled(path)
    assert not stray.exists()
    assert Registry.open(path).versions_of("next") == ["1"]
