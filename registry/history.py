"""When each attestation and key path first appeared on a registry's main line.

The main line is the first-parent history from a head. A path's age counts from the committer
time of the first main-line commit whose tree holds it. Paths reached only through a merged side
branch count from the merge commit that brought them onto the main line, which is when the
registry's readers could first see them.

A path that was deleted and later added again keeps the time it *first* appeared: the index
answers "how long has this path been known on the main line", and deletion is a maintainer's
act (validate refuses it without `--allow-removals`), not a signer's. Each record also keeps
the last main-line commit that changed the path's blob (or re-added it), so a caller that wants
the age of the current content can have it (`FirstSeen.changed_time`).

Cost: each commit is compared with its first parent by walking both trees together and
descending only into subtrees whose ids differ, under `attestations/` and `keys/` only. libgit2's
tree diff opens every subtree, changed or not, and is far too slow to walk history with.

The index lives in `<git_dir>/signoff/history.sqlite` and records the head it was built at. A
later head whose first-parent chain reaches that head costs only the new commits. Any other head
(a rewrite, a rollback, another branch) rebuilds the index from scratch, so ages are never
taken from a history that is no longer the main line. A shallow clone's oldest commit looks
like a root, so ages there are understated (the safe direction for a quarantine); the index
notes the shallow state, reports it as an anomaly, and rebuilds once the clone is deepened.
Every update is one sqlite transaction: an interrupted update leaves the previous, consistent
index.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pygit2

from signoff.registry.gittree import subtree, tree_changes
from signoff.registry.layout import ATTESTATIONS_DIR, KEYS_DIR

INDEX_SCHEMA = "history/v1"
INDEXED_DIRS = (ATTESTATIONS_DIR, KEYS_DIR)
"""Top-level directories whose paths are indexed."""
FUTURE_TOLERANCE = 300
"""Seconds a commit may be ahead of `now` before it is called an anomaly (clock skew)."""
_LOOKUP_CHUNK = 500
"""Paths per `IN (...)` query in bulk lookups, under sqlite's variable limit."""


@dataclass(frozen=True)
class FirstSeen:
    """When a path first appeared on the main line, and when its content last changed there."""

    commit: str
    """The main-line commit that first held the path."""
    time: int
    """That commit's committer time, seconds since the epoch."""
    changed_commit: str
    """The main-line commit that last added or changed the path's blob."""
    changed_time: int
    """That commit's committer time."""


class AnomalyKind(StrEnum):
    """What is odd about a main-line commit's time."""

    BEFORE_PARENT = "before-parent"
    FUTURE = "future"
    SHALLOW = "shallow"


@dataclass(frozen=True)
class HistoryAnomaly:
    """A main-line commit whose committer time cannot be right."""

    kind: AnomalyKind
    """Dated before its first parent, in the future, or the oldest commit of a shallow clone."""
    commit: str
    """The commit."""
    time: int
    """Its committer time."""
    reference: int
    """The first parent's committer time (before-parent), `now` (future), or 0 (shallow)."""

    def describe(self) -> str:
        """One line for a person."""
        if self.kind is AnomalyKind.SHALLOW:
            return (f"the repository is a shallow clone: history before {self.commit[:12]} is "
                    "missing, so ages count from that commit at most")
        if self.kind is AnomalyKind.BEFORE_PARENT:
            return (f"commit {self.commit[:12]} is dated {self.reference - self.time} s before "
                    "its first parent; ages through it may be understated")
        return (f"commit {self.commit[:12]} is dated {self.time - self.reference} s in the "
                "future; ages through it may be understated")


@dataclass(frozen=True)
class UpdateStats:
    """What one `HistoryIndex.update` did."""

    head: str
    """The head the index is now built at."""
    commits: int
    """Main-line commits processed."""
    new_paths: int
    """Paths seen for the first time."""
    rebuilt: bool
    """True when the previous index was dropped (first build, rewrite, schema change)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paths (
    path TEXT PRIMARY KEY,
    commit_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    changed_commit TEXT NOT NULL,
    changed_time INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (
    seq INTEGER PRIMARY KEY,
    commit_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    parent_time INTEGER
);
CREATE INDEX IF NOT EXISTS commits_time ON commits (time);
"""


class HistoryIndex:
    """The first-appearance index of one repository's main line, kept in sqlite."""

    def __init__(self, repo: pygit2.Repository, db: sqlite3.Connection, location: str) -> None:
        self.repo = repo
        self.db = db
        self.location = location

    @classmethod
    def open(cls, repo: pygit2.Repository, git_dir: Path | str | None = None) -> HistoryIndex:
        """Open (or create) the index in `<git_dir>/signoff/`; in memory if that is not writable.

        A registry the user cannot write to (a shared, read-only checkout) still gets correct
        ages; it just rebuilds them on every run.
        """
        directory = Path(git_dir if git_dir is not None else repo.path) / "signoff"
        location = str(directory / "history.sqlite")
        try:
            directory.mkdir(exist_ok=True)
            db = sqlite3.connect(location, isolation_level=None, timeout=30)
            # WAL with NORMAL sync cannot corrupt the index; a crash may only lose the last
            # update, leaving the index at an older head, which the next update extends.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _ensure_schema(db)
        except (OSError, sqlite3.Error):
            location = ":memory:"
            db = sqlite3.connect(location, isolation_level=None)
            _ensure_schema(db)
        return cls(repo, db, location)

    @classmethod
    def rebuild(cls, repo: pygit2.Repository, git_dir: Path | str | None = None
                ) -> HistoryIndex:
        """Delete a damaged index (sqlite found it malformed) and open an empty one to refill;
        the index is only a cache of what git history says."""
        location = Path(git_dir if git_dir is not None else repo.path) / "signoff" / \
            "history.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                Path(str(location) + suffix).unlink()
        return cls.open(repo, git_dir)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> HistoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state ---------------------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    @property
    def head(self) -> str | None:
        """The head the index was last built at, or None when it is empty."""
        if self._meta("schema") != INDEX_SCHEMA:
            return None
        return self._meta("head")

    # -- building ------------------------------------------------------------------------------

    def update(self, head: pygit2.Oid | str) -> UpdateStats:
        """Bring the index to `head`: only new commits when it extends the indexed main line."""
        head_commit = self.repo[head].peel(pygit2.Commit)
        head_id = str(head_commit.id)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            # Read the recorded head inside the write lock: another process may have moved it.
            old = self.head
            shallow = _shallow_state(self.repo)
            if (self._meta("shallow") or "") != shallow:
                # Deepening a shallow clone reveals older commits: every age may grow.
                old = None
            if old == head_id:
                self.db.execute("COMMIT")
                return UpdateStats(head_id, 0, 0, False)
            chain, reached = _first_parent_chain(head_commit, old)
            rebuilt = not reached
            if rebuilt:
                self.db.execute("DELETE FROM paths")
                self.db.execute("DELETE FROM commits")
                self.db.execute("DELETE FROM meta")
            new_paths = self._process(reversed(chain))
            self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [("schema", INDEX_SCHEMA), ("head", head_id),
                                 ("shallow", shallow)])
            self.db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        return UpdateStats(head_id, len(chain), new_paths, rebuilt)

    def _process(self, commits: Iterable[pygit2.Commit]) -> int:
        """Index `commits`, oldest first; the number of paths seen for the first time."""
        new_paths = 0
        for commit in commits:
            parent = commit.parents[0] if commit.parent_ids else None
            cid, time = str(commit.id), commit.commit_time
            self.db.execute("INSERT INTO commits (commit_id, time, parent_time) VALUES (?, ?, ?)",
                            (cid, time, parent.commit_time if parent else None))
            rows = [(path, cid, time, cid, time)
                    for path in _changed_blobs(commit.tree, parent.tree if parent else None)]
            if not rows:
                continue
            before = self.db.total_changes
            self.db.executemany("INSERT OR IGNORE INTO paths VALUES (?, ?, ?, ?, ?)", rows)
            inserted = self.db.total_changes - before
            if inserted < len(rows):
                # A path seen before keeps its first appearance; only its last change moves.
                self.db.executemany(
                    "UPDATE paths SET changed_commit = ?, changed_time = ? "
                    "WHERE path = ? AND commit_id != ?",
                    [(cid, time, row[0], cid) for row in rows])
            new_paths += inserted
        return new_paths

    # -- reading -------------------------------------------------------------------------------

    def first_seen(self, path: str) -> FirstSeen | None:
        """When `path` first appeared on the indexed main line, or None if it never did."""
        row = self.db.execute("SELECT commit_id, time, changed_commit, changed_time FROM paths "
                              "WHERE path = ?", (path,)).fetchone()
        return FirstSeen(*row) if row else None

    def first_seen_many(self, paths: Iterable[str]) -> dict[str, FirstSeen]:
        """`first_seen` for many paths in a few queries; paths never seen are left out."""
        found: dict[str, FirstSeen] = {}
        for chunk in _chunks(list(dict.fromkeys(paths))):
            marks = ",".join("?" * len(chunk))
            for path, *rest in self.db.execute(
                    "SELECT path, commit_id, time, changed_commit, changed_time FROM paths "
                    f"WHERE path IN ({marks})", chunk):
                found[path] = FirstSeen(*rest)
        return found

    def path_count(self) -> int:
        """Number of indexed paths."""
        return int(self.db.execute("SELECT count(*) FROM paths").fetchone()[0])

    def anomalies(self, now: int, tolerance: int = FUTURE_TOLERANCE) -> list[HistoryAnomaly]:
        """Main-line commits dated before their first parent or more than `tolerance` after
        now, and the cut-off commit of a shallow clone."""
        found = [HistoryAnomaly(AnomalyKind.BEFORE_PARENT, cid, time, parent_time)
                 for cid, time, parent_time in self.db.execute(
                     "SELECT commit_id, time, parent_time FROM commits "
                     "WHERE parent_time IS NOT NULL AND time < parent_time ORDER BY seq")]
        if self._meta("shallow"):
            oldest = self.db.execute("SELECT commit_id, time FROM commits ORDER BY seq LIMIT 1"
                                     ).fetchone()
            if oldest is not None:
                found.append(HistoryAnomaly(AnomalyKind.SHALLOW, oldest[0], oldest[1], 0))
        found += [HistoryAnomaly(AnomalyKind.FUTURE, cid, time, now)
                  for cid, time in self.db.execute(
                      "SELECT commit_id, time FROM commits WHERE time > ? ORDER BY seq",
                      (now + tolerance,))]
        return found


def _ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables; drop an index written by another schema version first."""
    db.executescript(_SCHEMA)
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is not None and row[0] != INDEX_SCHEMA:
        db.executescript("DROP TABLE meta; DROP TABLE paths; DROP TABLE commits;")
        db.executescript(_SCHEMA)


def _shallow_state(repo: pygit2.Repository) -> str:
    """Empty for a full clone; for a shallow one, a digest of its cut-off commits."""
    if not repo.is_shallow:
        return ""
    try:
        grafts = (Path(repo.path) / "shallow").read_bytes()
    except OSError:
        grafts = b"unknown"
    return hashlib.sha256(grafts).hexdigest()


def _first_parent_chain(head: pygit2.Commit, stop: str | None
                        ) -> tuple[list[pygit2.Commit], bool]:
    """Main-line commits from `head` back to (not including) `stop`, newest first.

    The bool says whether `stop` was reached; if not, the chain runs to the root commit. Only the
    first-parent chain counts: a head that merely contains `stop` through a second parent has a
    different main line, and ages computed along the old one would not be its ages.
    """
    chain: list[pygit2.Commit] = []
    commit: pygit2.Commit | None = head
    while commit is not None:
        if stop is not None and str(commit.id) == stop:
            return chain, True
        chain.append(commit)
        commit = commit.parents[0] if commit.parent_ids else None
    return chain, False


def _changed_blobs(tree: pygit2.Tree, parent: pygit2.Tree | None) -> Iterator[str]:
    """Indexed blob paths in `tree` that are absent from, or differ in, `parent`."""
    for name in INDEXED_DIRS:
        sub = subtree(tree, name)
        if sub is None:
            continue
        old = subtree(parent, name) if parent is not None else None
        if old is not None and old.id == sub.id:
            continue
        for change in tree_changes(old, sub, name + "/", removals=False):
            if isinstance(change.new, pygit2.Blob):
                yield change.path


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _LOOKUP_CHUNK):
        yield items[start:start + _LOOKUP_CHUNK]
