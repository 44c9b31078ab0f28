"""The first-appearance index over real git histories built with chosen committer times."""

from __future__ import annotations

import random
from pathlib import Path

import pygit2
import pytest

from signoff.registry.gittree import tree_changes, tree_with
from signoff.registry.history import AnomalyKind, HistoryIndex
from tests.harness.git import git

A1 = "attestations/re/qu/requests/2.31.0/" + "a" * 64 + "/" + "A" * 40 + ".yaml"
A1_SIG = A1 + ".asc"
A2 = "attestations/3/a/abc/1.0/" + "b" * 64 + "/" + "B" * 40 + ".yaml"
K1 = "keys/" + "A" * 40 + ".asc"
T0 = 1_700_000_000
DAY = 86_400


def _sig(time: int) -> pygit2.Signature:
    return pygit2.Signature("test", "test@example.org", time, 0)


def when(index: HistoryIndex, path: str) -> tuple[str, int] | None:
    """(commit, time) of a path's first appearance, or None."""
    seen = index.first_seen(path)
    return (seen.commit, seen.time) if seen is not None else None


class Repo:
    """A bare repository where each commit has a chosen committer time."""

    def __init__(self, path: Path) -> None:
        self.repo = pygit2.init_repository(str(path), bare=True, initial_head="main")

    def commit(self, files: dict[str, bytes | None], time: int,
               parents: list[pygit2.Oid] | None = None, ref: str | None = "refs/heads/main"
               ) -> pygit2.Oid:
        """Commit `files` (None deletes) on top of the first parent (the branch tip by default)."""
        if parents is None:
            parents = [] if self.repo.head_is_unborn else [self.repo.head.peel(pygit2.Commit).id]
        base = self.repo[parents[0]].peel(pygit2.Commit).tree if parents else None
        changes = {p: (self.repo.create_blob(d) if d is not None else None)
                   for p, d in files.items()}
        tree = tree_with(self.repo, base, changes)
        oid = self.repo.create_commit(None, _sig(time), _sig(time), "c", tree, parents)
        if ref is not None:
            self.repo.references.create(ref, oid, force=True)
        return oid

    def index(self) -> HistoryIndex:
        return HistoryIndex.open(self.repo, self.repo.path)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "r.git")


def test_first_appearance_is_the_adding_commit(repo: Repo) -> None:
    c1 = repo.commit({"registry.yaml": b"x", K1: b"key"}, T0)
    c2 = repo.commit({A1: b"one", A1_SIG: b"sig"}, T0 + DAY)
    c3 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    with repo.index() as index:
        stats = index.update(c3)
        assert stats.rebuilt and stats.commits == 3 and stats.new_paths == 4
        assert when(index, K1) == (str(c1), T0)
        seen = index.first_seen(A1)
        assert seen is not None and (seen.commit, seen.time) == (str(c2), T0 + DAY)
        assert when(index, A2) == (str(c3), T0 + 2 * DAY)
        assert index.first_seen("registry.yaml") is None
        assert index.first_seen("attestations/nothing") is None
        many = index.first_seen_many([A1, A2, "nope", A1])
        assert set(many) == {A1, A2} and many[A1].time == T0 + DAY


def test_changed_content_keeps_first_time_and_records_the_change(repo: Repo) -> None:
    c1 = repo.commit({A1: b"rejected"}, T0)
    c2 = repo.commit({A1: b"approved"}, T0 + 5 * DAY)
    with repo.index() as index:
        index.update(c2)
        seen = index.first_seen(A1)
        assert seen is not None
        assert (seen.commit, seen.time) == (str(c1), T0)
        assert (seen.changed_commit, seen.changed_time) == (str(c2), T0 + 5 * DAY)


def test_deleted_and_readded_keeps_first_appearance(repo: Repo) -> None:
    c1 = repo.commit({A1: b"one", A2: b"two"}, T0)
    repo.commit({A1: None}, T0 + DAY)
    c3 = repo.commit({A1: b"one"}, T0 + 2 * DAY)
    with repo.index() as index:
        index.update(c3)
        seen = index.first_seen(A1)
        assert seen is not None and seen.commit == str(c1)
        assert seen.changed_commit == str(c3)


def test_incremental_update_processes_only_new_commits(repo: Repo) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    c2 = repo.commit({K1: b"key"}, T0 + DAY)
    with repo.index() as index:
        assert index.update(c2).commits == 2
    c3 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    c4 = repo.commit({A1: b"changed"}, T0 + 3 * DAY)
    with repo.index() as index:  # reopened from disk: the recorded head survives
        assert index.head == str(c2)
        stats = index.update(c4)
        assert (stats.rebuilt, stats.commits, stats.new_paths) == (False, 2, 1)
        assert when(index, A2) == (str(c3), T0 + 2 * DAY)
        assert when(index, A1) == (str(c1), T0)
        again = index.update(c4)
        assert (again.commits, again.rebuilt) == (0, False)


def test_rewrite_rebuilds_and_forgets_dropped_commits(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    repo.commit({A1: b"one"}, T0 + DAY)
    c3 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    with repo.index() as index:
        index.update(c3)
        # Force-push: main now drops the commit that added A1 and adds A2 later.
        d2 = repo.commit({A2: b"two"}, T0 + 10 * DAY, parents=[c1])
        stats = index.update(d2)
        assert stats.rebuilt and stats.commits == 2
        assert index.first_seen(A1) is None
        assert when(index, A2) == (str(d2), T0 + 10 * DAY)
        # Rolled back to an ancestor: nothing after it may be known.
        assert index.update(c1).rebuilt
        assert index.first_seen(A2) is None and index.path_count() == 1


def test_side_branch_counts_from_the_merge(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    side = repo.commit({A1: b"one"}, T0 + DAY, parents=[c1], ref="refs/heads/side")
    c2 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    merged_tree = tree_with(repo.repo, repo.repo[c2].peel(pygit2.Commit).tree,
                            {A1: repo.repo.create_blob(b"one")})
    merge = repo.repo.create_commit("refs/heads/main", _sig(T0 + 30 * DAY),
                                    _sig(T0 + 30 * DAY), "merge", merged_tree, [c2, side])
    with repo.index() as index:
        index.update(merge)
        seen = index.first_seen(A1)
        assert seen is not None and (seen.commit, seen.time) == (str(merge), T0 + 30 * DAY)


def test_head_containing_old_head_only_as_second_parent_rebuilds(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    old = repo.commit({A1: b"one"}, T0 + DAY)
    with repo.index() as index:
        index.update(old)
        other = repo.commit({A2: b"two"}, T0 + 2 * DAY, parents=[c1], ref=None)
        tree = repo.repo[old].peel(pygit2.Commit).tree
        tree_id = tree_with(repo.repo, tree, {A2: repo.repo.create_blob(b"two")})
        merge = repo.repo.create_commit(None, _sig(T0 + 3 * DAY), _sig(T0 + 3 * DAY), "m",
                                        tree_id, [other, old])
        stats = index.update(merge)
        assert stats.rebuilt
        seen = index.first_seen(A1)
        assert seen is not None and seen.commit == str(merge)


def test_anomalies_before_parent_and_future(repo: Repo) -> None:
    repo.commit({K1: b"key"}, T0)
    back = repo.commit({A1: b"one"}, T0 - DAY)
    ahead = repo.commit({A2: b"two"}, T0 + 400 * DAY)
    with repo.index() as index:
        index.update(ahead)
        found = index.anomalies(now=T0 + DAY)
        assert [(a.kind, a.commit) for a in found] == [
            (AnomalyKind.BEFORE_PARENT, str(back)), (AnomalyKind.FUTURE, str(ahead))]
        assert "before its first parent" in found[0].describe()
        assert index.anomalies(now=T0 + 500 * DAY) == found[:1]


def test_unwritable_git_dir_falls_back_to_memory(repo: Repo, tmp_path: Path) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with HistoryIndex.open(repo.repo, blocker) as index:
        assert index.location == ":memory:"
        index.update(c1)
        assert index.first_seen(A1) is not None


def _brute_force(repo: pygit2.Repository, head: pygit2.Oid) -> dict[str, tuple[str, int]]:
    """Reference answer: list every tree in full along the main line, oldest first."""
    chain = []
    commit: pygit2.Commit | None = repo[head].peel(pygit2.Commit)
    while commit is not None:
        chain.append(commit)
        commit = commit.parents[0] if commit.parent_ids else None
    seen: dict[str, tuple[str, int]] = {}

    def walk(tree: pygit2.Tree, prefix: str) -> list[str]:
        out = []
        for e in tree:
            path = f"{prefix}{e.name}"
            if isinstance(e, pygit2.Tree):
                out += walk(e, path + "/")
            else:
                out.append(path)
        return out

    for c in reversed(chain):
        for path in walk(c.tree, ""):
            if path.split("/")[0] in ("attestations", "keys"):
                seen.setdefault(path, (str(c.id), c.commit_time))
    return seen


def _listing(tree: pygit2.Tree | None, prefix: str = "") -> dict[str, pygit2.Oid]:
    """Every blob path of a tree with its id, listed in full."""
    found: dict[str, pygit2.Oid] = {}
    for e in tree if tree is not None else ():
        if isinstance(e, pygit2.Tree):
            found.update(_listing(e, f"{prefix}{e.name}/"))
        else:
            found[f"{prefix}{e.name}"] = e.id
    return found


@pytest.mark.parametrize("seed", range(6))
def test_random_histories_match_a_full_listing(repo: Repo, seed: int) -> None:
    rng = random.Random(seed)
    names = [f"attestations/{a}/{b}/p{c}.yaml" for a in "xy" for b in "uv" for c in range(3)]
    names += [f"keys/K{i}.asc" for i in range(3)]
    names += ["attestations/x/u", "attestations/y"]  # a file where a directory was, and back
    heads: list[pygit2.Oid] = []
    time = T0
    index = repo.index()
    try:
        for _step in range(40):
            time += rng.randint(-DAY, 3 * DAY)
            parents = None
            if heads and rng.random() < 0.15:
                parents = [rng.choice(heads)]  # a rewrite: continue from an older commit
            files: dict[str, bytes | None] = {
                rng.choice(names): (None if rng.random() < 0.3 else str(rng.random()).encode())
                for _ in range(rng.randint(1, 4))}
            head = repo.commit(files, time, parents=parents)
            heads.append(head)
            index.update(head)
            expected = _brute_force(repo.repo, head)
            got = index.first_seen_many(names)
            assert {p: (f.commit, f.time) for p, f in got.items()} == expected
            commit = repo.repo[head].peel(pygit2.Commit)
            parent = commit.parents[0].tree if commit.parent_ids else None
            changes = {c.path: (c.old.id if c.old else None, c.new.id if c.new else None)
                       for c in tree_changes(parent, commit.tree)}
            before, after = _listing(parent), _listing(commit.tree)
            assert changes == {p: (before.get(p), after.get(p))
                               for p in before.keys() | after.keys()
                               if before.get(p) != after.get(p)}
    finally:
        index.close()


def test_shallow_clone_is_flagged_and_rebuilt_once_deepened(repo: Repo, tmp_path: Path) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    repo.commit({A1: b"one"}, T0 + DAY)
    head = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    clone = tmp_path / "shallow"
    url = Path(repo.repo.path).resolve().as_uri()
    git(clone.parent, "clone", "-q", "--depth", "1", url, str(clone))
    shallow = pygit2.Repository(str(clone))
    with HistoryIndex.open(shallow) as index:
        index.update(head)
        assert when(index, A1) == (str(head), T0 + 2 * DAY)  # understated: the safe direction
        assert [a.kind for a in index.anomalies(now=T0 + 3 * DAY)] == [AnomalyKind.SHALLOW]
    git(clone, "fetch", "-q", "--unshallow")
    shallow = pygit2.Repository(str(clone))
    with HistoryIndex.open(shallow) as index:
        assert index.update(head).rebuilt
        assert when(index, K1) == (str(c1), T0)
        assert index.anomalies(now=T0 + 3 * DAY) == []


def test_an_index_of_another_schema_is_rebuilt(repo: Repo) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    with repo.index() as index:
        index.update(c1)
        index.db.executescript("DROP TABLE paths; CREATE TABLE paths (path TEXT, other TEXT);"
                               "UPDATE meta SET value = 'history/v0' WHERE key = 'schema';")
    with repo.index() as index:
        assert index.head is None
        assert index.update(c1).rebuilt
        assert when(index, A1) == (str(c1), T0)
