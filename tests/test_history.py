"""Main-line ages of the paths asked about, over real git histories with chosen times."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signoff.registry.gittree import tree_with
from signoff.registry.history import AnomalyKind, PathHistory
from tests.harness.git import git

A1 = "attestations/re/qu/requests/2.31.0/" + "a" * 64 + "/" + "A" * 40 + ".yaml"
A1_SIG = A1 + ".asc"
A2 = "attestations/3/a/abc/1.0/" + "b" * 64 + "/" + "B" * 40 + ".yaml"
K1 = "keys/" + "A" * 40 + ".asc"
T0 = 1_700_000_000
DAY = 86_400


def _sig(time: int) -> pygit2.Signature:
    return pygit2.Signature("test", "test@example.org", time, 0)


def when(history: PathHistory, path: str) -> tuple[str, int] | None:
    """(commit, time) of the start of a path's current presence, or None."""
    seen = history.first_seen(path)
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

    def history(self, head: pygit2.Oid) -> PathHistory:
        return PathHistory.open(self.repo, self.repo.path).at(head)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "r.git")


def test_first_appearance_is_the_adding_commit(repo: Repo) -> None:
    c1 = repo.commit({"registry.yaml": b"x", K1: b"key"}, T0)
    c2 = repo.commit({A1: b"one", A1_SIG: b"sig"}, T0 + DAY)
    c3 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    with repo.history(c3) as history:
        assert when(history, K1) == (str(c1), T0)
        seen = history.first_seen(A1)
        assert seen is not None and (seen.commit, seen.time) == (str(c2), T0 + DAY)
        assert when(history, A2) == (str(c3), T0 + 2 * DAY)
        assert history.first_seen("attestations/nothing") is None
        many = history.first_seen_many([A1, A2, "nope", A1])
        assert set(many) == {A1, A2} and many[A1].time == T0 + DAY


def test_changed_content_keeps_the_presence_and_records_the_change(repo: Repo) -> None:
    c1 = repo.commit({A1: b"rejected"}, T0)
    c2 = repo.commit({A1: b"approved"}, T0 + 5 * DAY)
    with repo.history(c2) as history:
        seen = history.first_seen(A1)
        assert seen is not None
        assert (seen.commit, seen.time) == (str(c1), T0)
        assert (seen.changed_commit, seen.changed_time) == (str(c2), T0 + 5 * DAY)


def test_removed_and_readded_counts_from_the_readdition(repo: Repo) -> None:
    """A statement that maintainers withdrew and that came back does not inherit its old age."""
    repo.commit({A1: b"one", A2: b"two"}, T0)
    repo.commit({A1: None}, T0 + DAY)
    c3 = repo.commit({A1: b"one"}, T0 + 20 * DAY)
    with repo.history(c3) as history:
        seen = history.first_seen(A1)
        assert seen is not None and (seen.commit, seen.time) == (str(c3), T0 + 20 * DAY)
        assert seen.changed_commit == str(c3)
    c4 = repo.commit({A1: None}, T0 + 21 * DAY)
    with repo.history(c4) as history:
        assert history.first_seen(A1) is None


def test_backdated_commit_is_clamped_to_its_parent(repo: Repo) -> None:
    repo.commit({K1: b"key"}, T0 + 10 * DAY)
    back = repo.commit({A1: b"one"}, T0)  # claims to be ten days older than its parent
    later = repo.commit({A2: b"two"}, T0 + 5 * DAY)  # still before the first commit
    with repo.history(later) as history:
        assert when(history, A1) == (str(back), T0 + 10 * DAY)
        assert when(history, A2) == (str(later), T0 + 10 * DAY)
        found = history.anomalies(now=T0 + 11 * DAY)
        assert [(a.kind, a.commit, a.count) for a in found] == [
            (AnomalyKind.BEFORE_PARENT, str(later), 2)]
        assert "clamped" in found[0].describe()


def test_answers_are_cached_by_head_and_path(repo: Repo) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    c2 = repo.commit({K1: b"key"}, T0 + DAY)
    with repo.history(c2) as history:
        assert when(history, A1) == (str(c1), T0)
    with repo.history(c2) as history:  # reopened from disk: answered by the cache
        rows = history.db.execute("SELECT head, path FROM ages").fetchall()
        assert rows == [(str(c2), A1)]
        assert when(history, A1) == (str(c1), T0)
    c3 = repo.commit({A1: b"changed"}, T0 + 3 * DAY)
    with repo.history(c3) as history:
        seen = history.first_seen(A1)
        assert seen is not None and seen.changed_commit == str(c3) and seen.commit == str(c1)


def test_rewrite_forgets_dropped_commits(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    repo.commit({A1: b"one"}, T0 + DAY)
    c3 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    with repo.history(c3) as history:
        assert when(history, A2) == (str(c3), T0 + 2 * DAY)
        # Force-push: main now drops the commit that added A1 and adds A2 later.
        d2 = repo.commit({A2: b"two"}, T0 + 10 * DAY, parents=[c1])
        history.at(d2)
        assert history.first_seen(A1) is None
        assert when(history, A2) == (str(d2), T0 + 10 * DAY)
        history.at(c1)  # rolled back to an ancestor: nothing after it may be known
        assert history.first_seen(A2) is None


def test_side_branch_counts_from_the_merge(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    side = repo.commit({A1: b"one"}, T0 + DAY, parents=[c1], ref="refs/heads/side")
    c2 = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    merged_tree = tree_with(repo.repo, repo.repo[c2].peel(pygit2.Commit).tree,
                            {A1: repo.repo.create_blob(b"one")})
    merge = repo.repo.create_commit("refs/heads/main", _sig(T0 + 30 * DAY),
                                    _sig(T0 + 30 * DAY), "merge", merged_tree, [c2, side])
    with repo.history(merge) as history:
        seen = history.first_seen(A1)
        assert seen is not None and (seen.commit, seen.time) == (str(merge), T0 + 30 * DAY)


def test_old_head_only_as_second_parent_counts_from_the_merge(repo: Repo) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    old = repo.commit({A1: b"one"}, T0 + DAY)
    with repo.history(old) as history:
        assert when(history, A1) == (str(old), T0 + DAY)
        other = repo.commit({A2: b"two"}, T0 + 2 * DAY, parents=[c1], ref=None)
        tree = repo.repo[old].peel(pygit2.Commit).tree
        tree_id = tree_with(repo.repo, tree, {A2: repo.repo.create_blob(b"two")})
        merge = repo.repo.create_commit(None, _sig(T0 + 3 * DAY), _sig(T0 + 3 * DAY), "m",
                                        tree_id, [other, old])
        history.at(merge)
        seen = history.first_seen(A1)
        assert seen is not None and seen.commit == str(merge)


def test_future_commit_delays_later_ones_and_is_an_anomaly(repo: Repo) -> None:
    repo.commit({K1: b"key"}, T0)
    ahead = repo.commit({A1: b"one"}, T0 + 400 * DAY)
    after = repo.commit({A2: b"two"}, T0 + DAY)
    with repo.history(after) as history:
        assert when(history, A2) == (str(after), T0 + 400 * DAY)  # only ever later, never older
        kinds = [(a.kind, a.commit) for a in history.anomalies(now=T0 + 2 * DAY)]
        assert kinds == [(AnomalyKind.BEFORE_PARENT, str(after)), (AnomalyKind.FUTURE, str(after))]
        assert [a.kind for a in history.anomalies(now=T0 + 500 * DAY)] == [
            AnomalyKind.BEFORE_PARENT]
    assert ahead


def test_unwritable_git_dir_falls_back_to_memory(repo: Repo, tmp_path: Path) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with PathHistory.open(repo.repo, blocker) as history:
        assert history.location == ":memory:"
        history.at(c1)
        assert history.first_seen(A1) is not None


def _entries(tree: pygit2.Tree | None, prefix: str = "") -> dict[str, tuple[pygit2.Oid, int]]:
    """Every non-tree path of a tree with its id and mode, listed in full."""
    found: dict[str, tuple[pygit2.Oid, int]] = {}
    for e in tree if tree is not None else ():
        if isinstance(e, pygit2.Tree):
            found.update(_entries(e, f"{prefix}{e.name}/"))
        else:
            found[f"{prefix}{e.name}"] = (e.id, e.filemode)
    return found


def full_walk(repo: pygit2.Repository, head: pygit2.Oid
              ) -> dict[str, tuple[str, int, str, int]]:
    """Reference answer from listing every tree of the main line in full: for each path at the
    head, the oldest commit of its unbroken presence up to the head, the newest commit that
    changed it, each with the latest committer time up to it."""
    chain = []
    commit: pygit2.Commit | None = repo[head].peel(pygit2.Commit)
    while commit is not None:
        chain.append(commit)
        commit = commit.parents[0] if commit.parent_ids else None
    chain.reverse()
    clamped, latest = [], 0
    for c in chain:
        latest = max(latest, c.commit_time)
        clamped.append(latest)
    listings = [_entries(c.tree) for c in chain]
    answer = {}
    for path in listings[-1]:
        start = len(chain) - 1
        while start > 0 and path in listings[start - 1]:
            start -= 1
        changed = len(chain) - 1
        while changed > 0 and listings[changed - 1].get(path) == listings[changed][path]:
            changed -= 1
        answer[path] = (str(chain[start].id), clamped[start], str(chain[changed].id),
                        clamped[changed])
    return answer


NAMES = ([f"attestations/{a}/{b}/p{c}.yaml" for a in "xy" for b in "uv" for c in range(3)]
         + [f"keys/K{i}.asc" for i in range(3)]
         + ["attestations/x/u", "attestations/y"])  # a file where a directory was, and back

_step = st.tuples(
    st.integers(-3, 5),                                              # days forward (or back)
    st.sampled_from(["commit", "commit", "commit", "rewrite", "merge"]),
    st.dictionaries(st.sampled_from(NAMES), st.one_of(st.none(), st.sampled_from([b"a", b"b"])),
                    min_size=1, max_size=4).filter(  # a path and its parent at once: tree_with
        lambda d: not any(b.startswith(a + "/") for a in d for b in d)),  # cannot write that
    st.integers(0, 1000))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_step, min_size=1, max_size=14))
def test_random_histories_match_a_full_walk(tmp_path_factory: pytest.TempPathFactory,
                                            steps: list[tuple[int, str, dict[str, bytes | None],
                                                              int]]) -> None:
    """Removals, re-additions, rewrites, merges from side branches and backdated commits: the
    answers for the paths asked about equal a walk of every tree on the main line."""
    repo = Repo(tmp_path_factory.mktemp("hist") / "r.git")
    heads: list[pygit2.Oid] = []
    time = T0
    history = PathHistory.open(repo.repo, repo.repo.path)
    try:
        for days, kind, files, pick in steps:
            time += days * DAY
            if kind == "rewrite" and heads:
                head = repo.commit(files, time, parents=[heads[pick % len(heads)]])
            elif kind == "merge" and heads:
                base = heads[-1]
                side = repo.commit(files, time - DAY, parents=[heads[pick % len(heads)]],
                                   ref=None)
                tree = tree_with(repo.repo, repo.repo[base].peel(pygit2.Commit).tree,
                                 {p: (repo.repo.create_blob(d) if d is not None else None)
                                  for p, d in files.items()})
                head = repo.repo.create_commit("refs/heads/main", _sig(time), _sig(time), "m",
                                               tree, [base, side])
            else:
                head = repo.commit(files, time)
            heads.append(head)
            history.at(head)
            expected = full_walk(repo.repo, head)
            got = history.first_seen_many(NAMES)
            assert {p: (f.commit, f.time, f.changed_commit, f.changed_time)
                    for p, f in got.items()} == {p: v for p, v in expected.items() if p in NAMES}
    finally:
        history.close()


def test_shallow_clone_is_flagged_and_dropped_once_deepened(repo: Repo, tmp_path: Path) -> None:
    c1 = repo.commit({K1: b"key"}, T0)
    repo.commit({A1: b"one"}, T0 + DAY)
    head = repo.commit({A2: b"two"}, T0 + 2 * DAY)
    clone = tmp_path / "shallow"
    url = Path(repo.repo.path).resolve().as_uri()
    git(clone.parent, "clone", "-q", "--depth", "1", url, str(clone))
    shallow = pygit2.Repository(str(clone))
    with PathHistory.open(shallow).at(head) as history:
        assert when(history, A1) == (str(head), T0 + 2 * DAY)  # understated: the safe direction
        assert [a.kind for a in history.anomalies(now=T0 + 3 * DAY)] == [AnomalyKind.SHALLOW]
    git(clone, "fetch", "-q", "--unshallow")
    shallow = pygit2.Repository(str(clone))
    with PathHistory.open(shallow).at(head) as history:
        assert when(history, K1) == (str(c1), T0)
        assert history.anomalies(now=T0 + 3 * DAY) == []


def test_a_cache_of_another_schema_is_dropped(repo: Repo) -> None:
    c1 = repo.commit({A1: b"one"}, T0)
    with repo.history(c1) as history:
        assert when(history, A1) == (str(c1), T0)
        history.db.executescript("UPDATE ages SET added_time = 1;"
                                 "UPDATE meta SET value = 'history/v0' WHERE key = 'schema';")
    with repo.history(c1) as history:
        assert when(history, A1) == (str(c1), T0)
