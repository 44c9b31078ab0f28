"""Rollback protection over real repositories: a force-push that drops a commit is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pygit2
import pytest

from signoff.attest.errors import RegistryError, RollbackError
from signoff.registry.gittree import tree_with
from signoff.registry.rollback import (
    check_and_record,
    check_head,
    default_state_dir,
    record_file,
    record_head,
    recorded_head,
    registry_key,
)

WHO = pygit2.Signature("test", "test@example.org", 1_700_000_000, 0)


def commit(repo: pygit2.Repository, path: str, data: bytes, parents: list[pygit2.Oid],
           ref: str | None = "refs/heads/main") -> pygit2.Oid:
    base = repo[parents[0]].peel(pygit2.Commit).tree if parents else None
    tree = tree_with(repo, base, {path: repo.create_blob(data)})
    oid = repo.create_commit(None, WHO, WHO, f"add {path}", tree, parents)
    if ref:
        repo.references.create(ref, oid, force=True)
    return oid


@pytest.fixture
def repo(tmp_path: Path) -> pygit2.Repository:
    return pygit2.init_repository(str(tmp_path / "r.git"), bare=True, initial_head="main")


def test_descendants_pass_and_move_the_record(repo: pygit2.Repository, tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    first = check_and_record(repo, c1, state)
    assert first.previous is None and first.head == str(c1)
    c2 = commit(repo, "b", b"2", [c1])
    second = check_and_record(repo, c2, state)
    assert (second.previous, second.head, second.rewrite_accepted) == (str(c1), str(c2), False)
    assert recorded_head(state, registry_key(repo)) == str(c2)
    assert check_and_record(repo, c2, state).previous == str(c2)  # same head again


def test_force_push_dropping_a_commit_is_refused(repo: pygit2.Repository,
                                                 tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    c2 = commit(repo, "withdrawal", b"2", [c1])
    check_and_record(repo, c2, state)
    forced = commit(repo, "other", b"3", [c1])
    with pytest.raises(RollbackError) as caught:
        check_and_record(repo, forced, state, label="the registry")
    message = caught.value.diagnostics()
    assert str(c2) in message and str(forced) in message and "the registry" in message
    assert "--accept-rewrite" in message
    assert recorded_head(state, registry_key(repo)) == str(c2)  # refusal records nothing
    # Plain rollback to the ancestor is refused too.
    with pytest.raises(RollbackError):
        check_and_record(repo, c1, state)
    accepted = check_and_record(repo, forced, state, accept_rewrite=True)
    assert accepted.rewrite_accepted and accepted.previous == str(c2)
    assert recorded_head(state, registry_key(repo)) == str(forced)
    record = json.loads(record_file(state, registry_key(repo)).read_text())
    assert record["rewrite_accepted"] is True


def test_unknown_recorded_commit_counts_as_rewrite(repo: pygit2.Repository,
                                                   tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    key = registry_key(repo)
    check_and_record(repo, c1, state)
    path = record_file(state, key)
    data = json.loads(path.read_text())
    data["head"] = "1" * 40
    path.write_text(json.dumps(data))
    with pytest.raises(RollbackError):
        check_and_record(repo, c1, state)


def test_corrupt_record_fails_closed_unless_accepted(repo: pygit2.Repository,
                                                     tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    check_and_record(repo, c1, state)
    path = record_file(state, registry_key(repo))
    path.write_text("{not json")
    with pytest.raises(RegistryError) as caught:
        check_and_record(repo, c1, state)
    assert str(path) in caught.value.diagnostics()
    assert check_and_record(repo, c1, state, accept_rewrite=True).head == str(c1)
    assert recorded_head(state, registry_key(repo)) == str(c1)


def test_channels_are_recorded_apart(repo: pygit2.Repository, tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    other = commit(repo, "b", b"2", [], ref=None)
    check_and_record(repo, c1, state, key=registry_key(repo, "HEAD"))
    check_and_record(repo, other, state, key=registry_key(repo, "upstream/main"))
    with pytest.raises(RollbackError):
        check_and_record(repo, other, state, key=registry_key(repo, "HEAD"))


def test_an_older_concurrent_record_never_moves_it_back(repo: pygit2.Repository,
                                                        tmp_path: Path) -> None:
    state = tmp_path / "state"
    c1 = commit(repo, "a", b"1", [])
    c2 = commit(repo, "b", b"2", [c1])
    slow = check_head(repo, c1, state)  # a run that verified c1 ...
    check_and_record(repo, c2, state)  # ... while another verified c2 and recorded first
    record_head(repo, slow, state)
    assert recorded_head(state, registry_key(repo)) == str(c2)


def test_default_state_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_state_dir() == tmp_path / "signoff"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_state_dir() == tmp_path / "home" / ".local" / "state" / "signoff"
