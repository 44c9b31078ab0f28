"""One writer at a time per registry, and recovery after a writer that was killed mid-way.

A write (a commit from `attest` or `registry add-key`, a `registry sync`) moves three things that
git cannot move together: the branch, the index and the work tree. Objects are written first
and are harmless; the branch moves in one rename. The rest is guarded here:

- **The lock.** `flock` on `.git/signoff-write.flock`, held for the whole write. The kernel drops
  it when the process dies, however it dies, so it never goes stale. A second writer waits for
  it (up to `LIMITS.write_lock_wait` seconds), then builds on whatever the first one committed;
  when the wait runs out it fails with a clear error and writes nothing.
- **The journal.** Before touching the index, the work tree or a ref, the writer records the
  paths it will touch in `.git/signoff-journal.json`, and removes the journal when done. A
  journal found by the next writer (which holds the lock, so its author is dead) means a write
  was cut short: the next writer first removes the lock files git left (`index.lock`, `*.lock`
  under `refs/`), the temporary files of `write_atomic`, and puts those paths of the index and
  the work tree back to what the branch holds, old commit or new. The branch is never guessed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pygit2

from signoff.attest.errors import RegistryError
from signoff.attest.files import write_atomic
from signoff.attest.limits import LIMITS

LOCK_NAME = "signoff-write.flock"  # not *.lock: recovery removes git's stale *.lock files
# git's lock files at the top of the git folder (refs/ is searched whole).
_GIT_LOCKS = ("index.lock", "HEAD.lock", "FETCH_HEAD.lock", "ORIG_HEAD.lock", "packed-refs.lock",
              "config.lock")
JOURNAL_NAME = "signoff-journal.json"


class Journal:
    """The paths a write is about to touch, kept on disk until the write is complete."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self.path = Path(repo.path) / JOURNAL_NAME

    def begin(self, paths: Iterable[str]) -> None:
        """Record `paths` before the index, the work tree or a ref changes."""
        write_atomic(self.path, json.dumps({"paths": sorted(set(paths))}).encode())

    def finish(self) -> None:
        """The write is complete (or was undone in full): nothing to recover."""
        self.path.unlink(missing_ok=True)

    def recover(self) -> None:
        """Undo what a killed writer left half done; nothing when there is no journal."""
        if not self.path.exists():
            return
        try:
            paths = [str(p) for p in json.loads(self.path.read_bytes())["paths"]]
        except (OSError, ValueError, KeyError, TypeError):
            paths = []  # cut short while writing the journal itself: nothing was touched yet
        git_dir = Path(self.repo.path)
        for stale in [*(git_dir / name for name in _GIT_LOCKS),
                      *(git_dir / "refs").rglob("*.lock")]:
            stale.unlink(missing_ok=True)
        if self.repo.workdir is not None and paths:
            self._restore(Path(self.repo.workdir), paths)
        self.finish()

    def _restore(self, workdir: Path, paths: list[str]) -> None:
        """Make the index and the work tree hold the branch's version of each path."""
        tree = None if self.repo.head_is_unborn else self.repo.head.peel(pygit2.Commit).tree
        index = self.repo.index
        index.read(True)
        for path in paths:
            target = workdir / path
            if target.parent.is_dir():
                for leftover in target.parent.glob(f".{target.name}.*"):
                    leftover.unlink(missing_ok=True)  # write_atomic's temporary file
            blob = _blob_at(tree, path)
            if blob is None:
                target.unlink(missing_ok=True)
                if path in index:
                    index.remove(path)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.is_file() or target.is_symlink() or target.read_bytes() != blob.data:
                write_atomic(target, blob.data)
            index.add(path)
        index.write()


def _blob_at(tree: pygit2.Tree | None, path: str) -> pygit2.Blob | None:
    if tree is None:
        return None
    try:
        found = tree[path]
    except KeyError:
        return None
    return found if isinstance(found, pygit2.Blob) else None


@contextlib.contextmanager
def exclusive_write(repo: pygit2.Repository, where: str | Path) -> Iterator[Journal]:
    """Hold the registry's write lock, after recovering from a killed writer; see the module."""
    lock_path = Path(repo.path) / LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise RegistryError(f"cannot open the write lock {lock_path}: {e.strerror}",
                            file=where) from e
    try:
        deadline = time.monotonic() + LIMITS.write_lock_wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RegistryError(
                        f"another signoff command has been writing to this registry for "
                        f"{LIMITS.write_lock_wait} s; nothing was written", file=where,
                        hint="try again when it has finished") from None
                time.sleep(0.05)
        journal = Journal(repo)
        journal.recover()
        yield journal
        journal.finish()
    finally:
        os.close(fd)  # drops the flock
