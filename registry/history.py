"""How long each path at hand has stood on a registry's main line, answered per path on demand.

The main line is the first-parent chain from the head read. Two rules make an age safe to use
for a quarantine (`min-age`, `min-key-age`): it is never overstated.

- **Time never runs backwards.** A commit's committer date is the committer's to choose. A
  commit's *effective* time is the latest committer time of it and every commit before it on
  the main line (clamped). A backdated commit therefore counts from its parent's time, not from
  the date it claims. A commit dated in the future drags the effective time of later commits
  forward too, which only delays a quarantine's end (and is reported as an anomaly).
- **Presence counts from its current start.** A path's age counts from the start of its
  current unbroken presence on the main line: the newest main-line commit that added it (its
  first parent did not have it). A path removed and added back counts from the re-addition, so
  an approval that maintainers once withdrew does not inherit its old age. The content's age
  (`changed_time`) counts from the newest main-line commit that added or changed it. A path
  merged from a side branch counts from the merge commit, which is when readers could see it.

How: `git log --first-parent --diff-merges=first-parent --name-status -- <paths>` lists, for
just the paths asked about, every main-line commit that added, changed or removed one (git's
pathspec-limited walk descends only into the subtrees on those paths; with a commit-graph and
its changed-path Bloom filters it skips most commits without opening a tree). Because the log
lists *every* change of the path on the main line, the newest addition it reports is exactly
the start of the current presence: no bisection, which could land on an older presence across a
gap. The effective times of the main line's commits are kept by commit id in sqlite (a commit's
ancestry never changes, so neither does its effective time); answers are kept by head and path.
Nothing walks the whole tree or indexes every path: the cost grows with the paths asked about
and the number of main-line commits, never with how many files the registry holds.

A shallow clone's oldest commit looks like a root, so ages there are understated (the safe
direction); it is reported as an anomaly, and the cache is dropped once the clone is deepened,
since the effective times of its commits may then grow.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import pygit2

from signoff.attest.errors import RegistryError
from signoff.registry.layout import ATTESTATIONS_DIR, KEYS_DIR
from signoff.registry.objects import corrupt

CACHE_SCHEMA = "history/v2"
INDEXED_DIRS = (ATTESTATIONS_DIR, KEYS_DIR)
"""Top-level directories whose paths have ages (and that sync treats as signed content)."""
FUTURE_TOLERANCE = 300
"""Seconds a commit may be ahead of `now` before it is called an anomaly (clock skew)."""
PATHS_PER_LOG = 2000
"""Paths per `git log` call: one call answers them all, under the command line's limits."""
HEADS_KEPT = 4
"""Heads whose answers stay cached (a server, or a user switching refs, moves among a few)."""
_LOOKUP_CHUNK = 500
"""Paths per `IN (...)` query, under sqlite's variable limit."""


@dataclass(frozen=True)
class FirstSeen:
    """Since when a path has stood on the main line, and since when its content has."""

    commit: str
    """The main-line commit that started the path's current presence (added it)."""
    time: int
    """That commit's effective (clamped) time, seconds since the epoch."""
    changed_commit: str
    """The main-line commit that last added or changed the path's content."""
    changed_time: int
    """That commit's effective (clamped) time."""


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
    """The commit (for before-parent: the newest such commit on the main line)."""
    time: int
    """Its committer time."""
    reference: int
    """The effective time it was clamped to (before-parent), `now` (future), or 0 (shallow)."""
    count: int = 1
    """How many main-line commits have this anomaly."""

    def describe(self) -> str:
        """One line for a person."""
        if self.kind is AnomalyKind.SHALLOW:
            return (f"the repository is a shallow clone: history before {self.commit[:12]} is "
                    "missing, so ages count from that commit at most")
        if self.kind is AnomalyKind.BEFORE_PARENT:
            more = f" (and {self.count - 1} earlier such commits)" if self.count > 1 else ""
            return (f"commit {self.commit[:12]} is dated {self.reference - self.time} s before "
                    f"an earlier main-line commit{more}; its time is clamped forward, so ages "
                    "through it are never overstated")
        return (f"commit {self.commit[:12]} is dated {self.time - self.reference} s in the "
                "future; ages through it are understated until then")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chain (
    commit_id TEXT PRIMARY KEY,
    time INTEGER NOT NULL,
    clamped INTEGER NOT NULL,
    root INTEGER NOT NULL,
    backdated INTEGER NOT NULL,
    last_backdated TEXT,
    last_backdated_time INTEGER,
    last_backdated_clamp INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ages (
    head TEXT NOT NULL,
    path TEXT NOT NULL,
    added TEXT,
    added_time INTEGER,
    changed TEXT,
    changed_time INTEGER,
    PRIMARY KEY (head, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS heads (head TEXT PRIMARY KEY, used INTEGER NOT NULL) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class _Link:
    """One main-line commit's effective time and the backdating below it."""

    clamped: int
    backdated: int
    last_backdated: str | None
    last_backdated_time: int | None
    last_backdated_clamp: int | None


class PathHistory:
    """Ages of the paths asked about, on one repository's main line from one head."""

    def __init__(self, repo: pygit2.Repository, db: sqlite3.Connection, location: str,
                 label: str | Path) -> None:
        self.repo = repo
        self.db = db
        self.location = location
        self.label = label
        self.head: str | None = None
        self._answers: dict[str, FirstSeen | None] = {}

    @classmethod
    def open(cls, repo: pygit2.Repository, git_dir: Path | str | None = None,
             label: str | Path | None = None) -> PathHistory:
        """Open (or create) the cache in `<git_dir>/signoff/`; in memory if that is not writable.

        A registry the user cannot write to (a shared, read-only checkout) still gets correct
        ages; it just asks git again on every run.
        """
        directory = Path(git_dir if git_dir is not None else repo.path) / "signoff"
        location = str(directory / "history.sqlite")
        try:
            directory.mkdir(exist_ok=True)
            db = sqlite3.connect(location, isolation_level=None, timeout=30)
            # WAL with NORMAL sync cannot corrupt the cache; a crash may only lose the last
            # write, which the next run redoes.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            _ensure_schema(db)
        except (OSError, sqlite3.Error):
            location = ":memory:"
            db = sqlite3.connect(location, isolation_level=None)
            _ensure_schema(db)
        history = cls(repo, db, location, label if label is not None else repo.path)
        history._drop_if_deepened()
        return history

    @classmethod
    def rebuild(cls, repo: pygit2.Repository, git_dir: Path | str | None = None,
                label: str | Path | None = None) -> PathHistory:
        """Delete a damaged cache (sqlite found it malformed) and open an empty one to refill;
        it only caches what git history says."""
        location = Path(git_dir if git_dir is not None else repo.path) / "signoff" / \
            "history.sqlite"
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                Path(str(location) + suffix).unlink()
        return cls.open(repo, git_dir, label)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> PathHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the main line -------------------------------------------------------------------------

    def _drop_if_deepened(self) -> None:
        """A clone that became more (or less) shallow has other ancestries: start afresh."""
        shallow = _shallow_state(self.repo)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'shallow'").fetchone()
        if row is not None and row[0] == shallow:
            return
        with self._transaction():
            self.db.execute("DELETE FROM chain")
            self.db.execute("DELETE FROM ages")
            self.db.execute("DELETE FROM heads")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('shallow', ?)", (shallow,))

    def at(self, head: pygit2.Oid | str) -> PathHistory:
        """Answer for the main line from `head`: effective times of its new commits are added."""
        head_commit = self.repo[head].peel(pygit2.Commit)
        self.head = str(head_commit.id)
        self._answers.clear()
        pending: list[tuple[str, int, bool]] = []
        commit: pygit2.Commit | None = head_commit
        below: _Link | None = None
        while commit is not None:
            below = self._link(str(commit.id))
            if below is not None:
                break
            pending.append((str(commit.id), commit.commit_time, not commit.parent_ids))
            commit = commit.parents[0] if commit.parent_ids else None
        rows = []
        for cid, time, root in reversed(pending):
            if below is None or time >= below.clamped:
                link = _Link(time, below.backdated if below else 0,
                             below.last_backdated if below else None,
                             below.last_backdated_time if below else None,
                             below.last_backdated_clamp if below else None)
            else:
                link = _Link(below.clamped, below.backdated + 1, cid, time, below.clamped)
            rows.append((cid, time, link.clamped, int(root), link.backdated, link.last_backdated,
                         link.last_backdated_time, link.last_backdated_clamp))
            below = link
        with self._transaction():
            self.db.executemany("INSERT OR REPLACE INTO chain VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                rows)
            self.db.execute("INSERT OR REPLACE INTO heads VALUES (?, ?)",
                            (self.head, self._stamp()))
            self.db.execute(f"DELETE FROM heads WHERE head NOT IN (SELECT head FROM heads "
                            f"ORDER BY used DESC LIMIT {HEADS_KEPT})")
            self.db.execute("DELETE FROM ages WHERE head NOT IN (SELECT head FROM heads)")
        return self

    def _stamp(self) -> int:
        row = self.db.execute("SELECT coalesce(max(used), 0) + 1 FROM heads").fetchone()
        return int(row[0])

    def _link(self, commit_id: str) -> _Link | None:
        row = self.db.execute("SELECT clamped, backdated, last_backdated, last_backdated_time, "
                              "last_backdated_clamp FROM chain WHERE commit_id = ?",
                              (commit_id,)).fetchone()
        return _Link(*row) if row else None

    def effective_time(self, commit_id: str) -> int:
        """A main-line commit's clamped time: the latest committer time up to and including it."""
        link = self._link(commit_id)
        if link is None:
            raise RegistryError(f"commit {commit_id} is not on the main line read",
                                file=self.label)
        return link.clamped

    def _require_head(self) -> str:
        if self.head is None:
            raise RegistryError("history asked before a head was chosen", file=self.label)
        return self.head

    # -- answers -------------------------------------------------------------------------------

    def first_seen(self, path: str) -> FirstSeen | None:
        """Since when `path` has stood on the main line, or None when the head lacks it."""
        if path not in self._answers:
            self.prefetch([path])
        return self._answers[path]

    def first_seen_many(self, paths: Iterable[str]) -> dict[str, FirstSeen]:
        """`first_seen` for many paths in one git call; paths absent at the head are left out."""
        wanted = list(dict.fromkeys(paths))
        self.prefetch(wanted)
        return {p: seen for p in wanted if (seen := self._answers[p]) is not None}

    def prefetch(self, paths: Iterable[str]) -> None:
        """Answer every path not yet known: from the cache, else one git log for all of them,
        written back in one transaction."""
        head = self._require_head()
        missing = [p for p in dict.fromkeys(paths) if p not in self._answers]
        if not missing:
            return
        self._answers.update(self._cached(head, missing))
        missing = [p for p in missing if p not in self._answers]
        if not missing:
            return
        found = self._walk(head, missing)
        with self._transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO ages VALUES (?, ?, ?, ?, ?, ?)",
                [(head, path, *(_row(seen))) for path, seen in found.items()])
        self._answers.update(found)

    def _walk(self, head: str, paths: list[str]) -> dict[str, FirstSeen | None]:
        """Walk the main line from `head`, comparing only the entries on `paths` with each
        commit's first parent, until each path's current presence has begun (or a cached head
        whose answer still holds is reached)."""
        trie = _Trie.of(paths)
        commit: pygit2.Commit | None = self.repo[head].peel(pygit2.Commit)
        assert commit is not None
        read = _Entries(self.repo, self.label)
        present = trie.entries(read, commit.tree)
        for path in paths:
            if path not in present:
                trie.resolve(path)
        pending = {p for p in paths if p in present}
        started: dict[str, str] = {}
        changed: dict[str, str] = {}
        cached_heads = self._cached_heads() - {head}

        def done(path: str, start: str) -> None:
            started[path] = start
            pending.discard(path)
            trie.resolve(path)

        while commit is not None and pending:
            cid = str(commit.id)
            if cid in cached_heads:
                # An earlier answer at this head continues unbroken up to the head asked about.
                for path, seen in self._cached(cid, sorted(pending)).items():
                    if seen is not None:
                        changed.setdefault(path, seen.changed_commit)
                        done(path, seen.commit)
                if not pending:
                    break
            parent = commit.parents[0] if commit.parent_ids else None
            for path, absent_before in list(trie.differences(
                    read, commit.tree, parent.tree if parent else None)):
                changed.setdefault(path, cid)
                if absent_before:
                    done(path, cid)
            read.step()
            commit = parent
        answers: dict[str, FirstSeen | None] = {}
        for path in paths:
            if path in started:
                start, last = started[path], changed[path]
                answers[path] = FirstSeen(start, self.effective_time(start), last,
                                          self.effective_time(last))
            else:
                answers[path] = None
        return answers

    def _cached_heads(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT head FROM heads")}

    def _cached(self, head: str, paths: list[str]) -> dict[str, FirstSeen | None]:
        """Answers cached at `head` for those of `paths` it has."""
        found: dict[str, FirstSeen | None] = {}
        for chunk in _chunks(paths, _LOOKUP_CHUNK):
            marks = ",".join("?" * len(chunk))
            for path, *rest in self.db.execute(
                    "SELECT path, added, added_time, changed, changed_time FROM ages "
                    f"WHERE head = ? AND path IN ({marks})", (head, *chunk)):
                found[path] = _answer(*rest)
        return found

    # -- anomalies -----------------------------------------------------------------------------

    def anomalies(self, now: int, tolerance: int = FUTURE_TOLERANCE) -> list[HistoryAnomaly]:
        """Backdated main-line commits (the newest and how many), a head whose effective time is
        more than `tolerance` after now, and the cut-off commit of a shallow clone."""
        head = self._require_head()
        link = self._link(head)
        found: list[HistoryAnomaly] = []
        if link is None:
            return found
        if link.backdated and link.last_backdated is not None:
            found.append(HistoryAnomaly(AnomalyKind.BEFORE_PARENT, link.last_backdated,
                                        link.last_backdated_time or 0,
                                        link.last_backdated_clamp or 0, link.backdated))
        if self.repo.is_shallow:
            row = self.db.execute("SELECT commit_id, time FROM chain WHERE root = 1").fetchall()
            on_line = [r for r in row if self._on_line(r[0])]
            for cid, time in on_line[:1]:
                found.append(HistoryAnomaly(AnomalyKind.SHALLOW, cid, time, 0))
        if link.clamped > now + tolerance:
            found.append(HistoryAnomaly(AnomalyKind.FUTURE, head, link.clamped, now))
        return found

    def _on_line(self, commit_id: str) -> bool:
        try:
            return commit_id == self.head or bool(self.repo.descendant_of(
                pygit2.Oid(hex=self._require_head()), pygit2.Oid(hex=commit_id)))
        except (KeyError, ValueError, pygit2.GitError):
            return False

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise


def _answer(added: str | None, added_time: int | None, changed: str | None,
            changed_time: int | None) -> FirstSeen | None:
    if added is None or added_time is None or changed is None or changed_time is None:
        return None
    return FirstSeen(added, added_time, changed, changed_time)


def _row(seen: FirstSeen | None) -> tuple[str | None, int | None, str | None, int | None]:
    if seen is None:
        return None, None, None, None
    return seen.commit, seen.time, seen.changed_commit, seen.changed_time


class _Trie:
    """The paths asked about, as nested names, so that each commit is compared with its
    parent only along the paths still pending, and never below a subtree whose id did not
    change (nor is such a subtree even loaded)."""

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.path: str | None = None
        self.live = 0
        """Paths below (or at) this node still pending."""

    @classmethod
    def of(cls, paths: Iterable[str]) -> _Trie:
        root = cls()
        for path in paths:
            node = root
            node.live += 1
            for name in path.split("/"):
                # One str object per name, reused for every lookup: pygit2 1.21 keeps about 51
                # bytes for each lookup by a fresh string.
                node = node.children.setdefault(sys.intern(name), cls())
                node.live += 1
            node.path = path
        return root

    def resolve(self, path: str) -> None:
        """`path` is answered: stop comparing along it."""
        node = self
        node.live -= 1
        for name in path.split("/"):
            node = node.children[name]
            node.live -= 1

    def entries(self, read: _Entries, tree: pygit2.Tree) -> dict[str, tuple[pygit2.Oid, int]]:
        """(id, mode) of each path that is a file (not a tree) in `tree`."""
        found: dict[str, tuple[pygit2.Oid, int]] = {}
        for name, child in self.children.items():
            entry = read.raw(tree, name)
            if entry is None:
                continue
            if isinstance(entry, pygit2.Tree):
                if child.children:
                    found.update(child.entries(read, read.load(entry)))
            elif child.path is not None:
                found[child.path] = (entry.id, entry.filemode)
        return found

    def differences(self, read: _Entries, tree: pygit2.Tree, parent: pygit2.Tree | None
                    ) -> Iterator[tuple[str, bool]]:
        """(path, absent from parent) for each pending path whose file entry differs between
        `tree` and `parent`."""
        # The parent's entries are the next step's newer side: remember them for one step.
        seen = read.previous.get(tree.id, {})
        remember = read.current.setdefault(parent.id, {}) if parent is not None else {}
        for name, child in self.children.items():
            if child.live == 0:
                continue
            new = seen[name] if name in seen else read.raw(tree, name)
            if new is None:
                continue  # pending paths are all present at the newer commit of the walk
            old = read.raw(parent, name) if parent is not None else None
            remember[name] = old
            if old is not None and old.id == new.id and old.filemode == new.filemode:
                continue  # the same subtree or file: nothing below it changed
            new_is_tree = isinstance(new, pygit2.Tree)
            old_is_tree = isinstance(old, pygit2.Tree)
            if child.path is not None and not new_is_tree:
                yield child.path, old is None or old_is_tree
            if child.children and new_is_tree:
                yield from child.differences(read, read.load(new),
                                             read.load(old) if old_is_tree and old else None)


@dataclass
class _Entries:
    """Reads tree entries of one repository, failing closed on a missing subtree. A walk
    compares each commit with its parent, and the parent is the next step's newer side, so
    the entries read on the older side are kept for one step (bounded by one step's reads)."""

    repo: pygit2.Repository
    label: str | Path
    previous: dict[pygit2.Oid, dict[str, pygit2.Object | None]] = field(default_factory=dict)
    """Entries read from the older side at the last step, by tree id and name."""
    current: dict[pygit2.Oid, dict[str, pygit2.Object | None]] = field(default_factory=dict)
    """Entries read from the older side at this step."""

    def step(self) -> None:
        """One commit further back."""
        self.previous, self.current = self.current, {}

    @staticmethod
    def raw(tree: pygit2.Tree, name: str) -> pygit2.Object | None:
        """The entry `name` of `tree` (its id, type and mode; nothing loaded), or None."""
        try:
            return tree[name]
        except KeyError:
            return None

    def load(self, entry: pygit2.Object) -> pygit2.Tree:
        """The subtree an entry names; CorruptObject when the repository lacks it."""
        found = self.repo.get(entry.id)
        if not isinstance(found, pygit2.Tree):
            raise corrupt(self.label, str(entry.id), "missing, though a tree names it")
        return found


def _ensure_schema(db: sqlite3.Connection) -> None:
    """Create the tables; drop a cache written by another schema version first."""
    db.executescript(_SCHEMA)
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None or row[0] != CACHE_SCHEMA:
        db.executescript("DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS chain; "
                         "DROP TABLE IF EXISTS ages; DROP TABLE IF EXISTS heads; "
                         "DROP TABLE IF EXISTS paths; DROP TABLE IF EXISTS commits;")
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (CACHE_SCHEMA,))


def _shallow_state(repo: pygit2.Repository) -> str:
    """Empty for a full clone; for a shallow one, a digest of its cut-off commits."""
    if not repo.is_shallow:
        return ""
    try:
        grafts = (Path(repo.path) / "shallow").read_bytes()
    except OSError:
        grafts = b"unknown"
    return hashlib.sha256(grafts).hexdigest()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
