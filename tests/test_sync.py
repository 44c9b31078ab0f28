"""Forks and sync with real repositories: a bare upstream, a vetter's clone, an organisation's
fork. Pushes and force-pushes use the real git command line."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from signoff.attest.errors import RegistryError, RollbackError, SyncConflict
from signoff.attest.model import Verdict
from signoff.registry.layout import statement_path
from signoff.registry.repo import Registry
from signoff.registry.sign import subject_for_file, vouch
from signoff.registry.sync import SyncOutcome, sync
from tests.builder import RegistryBuilder
from tests.harness.git import git

RAW = statement_path("zzz-private", "1.0", "c" * 64, "C" * 40)


class World:
    """An upstream bare repository, a vetter's clone of it, and an organisation's fork."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.b = builder
        tmp = builder.tmp
        for name in ("alice", "org"):
            builder.key(name)
        self.upstream = tmp / "upstream.git"
        pygit2.clone_repository(str(builder.registry.path), str(self.upstream), bare=True)
        self.vetter = Registry.open(self._clone("vetter"))
        self.fork = Registry.open(self._clone("fork"))
        self.state = tmp / "state"

    def _clone(self, name: str) -> Path:
        path = self.b.tmp / name
        pygit2.clone_repository(str(self.upstream), str(path))
        return path

    def vetter_approves(self, who: str, project: str, version: str) -> str:
        """`who` attests a new wheel in the vetter's clone and pushes it upstream."""
        done = vouch(self.vetter, self.b.user, subject_for_file(self.b.wheel(project, version)),
                     verdict=Verdict.APPROVED, criteria=("safe-to-deploy",), key=self.b.key(who))
        git(self.vetter.path, "push", "-q", "origin", "main")
        return done.path

    def org_private(self, project: str, version: str) -> str:
        """The organisation attests a file in its fork only."""
        done = vouch(self.fork, self.b.user, subject_for_file(self.b.wheel(project, version)),
                     verdict=Verdict.APPROVED, criteria=("safe-to-run",), key=self.b.key("org"))
        return done.path

    def sync(self, accept_rewrite: bool = False, upstream: str | None = None
             ) -> SyncOutcome:
        where = upstream if upstream is not None else str(self.upstream)
        return sync(self.fork.repo, where, accept_rewrite=accept_rewrite,
                    state_dir=self.state).outcome

    def fork_has(self, path: str) -> bool:
        return (self.fork.read_file(path) is not None
                and (self.fork.path / path).is_file())


@pytest.fixture
def world(builder: RegistryBuilder) -> World:
    return World(builder)


def test_fork_keeps_private_attestations_and_gains_upstreams(world: World) -> None:
    public = world.vetter_approves("alice", "tinyhttp", "1.0.0")
    private = world.org_private("internal-tool", "2.0")
    before = world.fork.head_commit().id
    assert world.sync() is SyncOutcome.MERGED
    head = world.fork.head_commit()
    assert world.fork_has(public) and world.fork_has(private)
    assert [str(p) for p in head.parent_ids] == [
        str(before), str(world.fork.repo.references["refs/remotes/upstream/main"].target)]
    assert not world.fork.is_dirty()
    assert world.sync() is SyncOutcome.UP_TO_DATE
    # Later upstream work arrives on top of the merge, private work still there.
    later = world.vetter_approves("alice", "tinyhttp", "1.0.1")
    assert world.sync() is SyncOutcome.MERGED
    assert world.fork_has(later) and world.fork_has(private)


def test_fork_without_private_work_fast_forwards_over_file_url(world: World) -> None:
    public = world.vetter_approves("alice", "tinyhttp", "1.0.0")
    assert world.sync(upstream=world.upstream.resolve().as_uri()) is SyncOutcome.FAST_FORWARD
    assert world.fork_has(public)
    upstream_head = pygit2.Repository(str(world.upstream)).head.target
    assert world.fork.head_commit().id == upstream_head
    # The remote is remembered: no --upstream needed next time.
    assert sync(world.fork.repo, state_dir=world.state).outcome is SyncOutcome.UP_TO_DATE


def test_force_pushed_upstream_is_refused_then_accepted(world: World) -> None:
    world.vetter_approves("alice", "tinyhttp", "1.0.0")
    dropped = world.vetter_approves("alice", "tinyhttp", "1.0.1")
    world.org_private("internal-tool", "2.0")
    world.sync()
    fork_head = world.fork.head_commit().id
    # Someone with push access drops the last commit upstream.
    git(world.vetter.path, "reset", "-q", "--hard", "HEAD~1")
    git(world.vetter.path, "push", "-q", "--force", "origin", "main")
    with pytest.raises(RollbackError) as caught:
        world.sync()
    assert "upstream" in caught.value.diagnostics()
    assert "--accept-rewrite" in caught.value.diagnostics()
    assert world.fork.head_commit().id == fork_head
    assert world.sync(accept_rewrite=True) in (SyncOutcome.UP_TO_DATE, SyncOutcome.MERGED)
    assert world.fork_has(dropped)  # the fork's own history still holds what it merged
    # The new upstream head is now the record: the next sync passes without the flag.
    assert world.sync() is SyncOutcome.UP_TO_DATE


def test_same_path_edited_on_both_sides_is_refused_untouched(world: World) -> None:
    # Edits far apart, which git would merge line by line without a conflict.
    world.vetter.commit_files({RAW: b"1\n2\n3\n4\n5\n6\n7\n8\n"}, "add")
    git(world.vetter.path, "push", "-q", "origin", "main")
    world.sync()
    world.vetter.commit_files({RAW: b"1\n2\n3\n4\n5\n6\n7\nupstream\n"},
                              "upstream edit")
    git(world.vetter.path, "push", "-q", "origin", "main")
    world.fork.commit_files({RAW: b"fork\n2\n3\n4\n5\n6\n7\n8\n"}, "fork edit")
    head = world.fork.head_commit().id
    index_tree = world.fork.repo.index.write_tree()
    with pytest.raises(SyncConflict) as caught:
        world.sync()
    assert caught.value.paths == [RAW]
    assert RAW in caught.value.diagnostics() and "signer" in caught.value.diagnostics()
    assert world.fork.head_commit().id == head
    assert world.fork.repo.index.write_tree() == index_tree
    assert (world.fork.path / RAW).read_bytes() == b"fork\n2\n3\n4\n5\n6\n7\n8\n"
    assert not world.fork.is_dirty()


def test_uncommitted_changes_and_missing_upstream_are_refused(world: World) -> None:
    with pytest.raises(RegistryError, match="no remote named 'upstream'"):
        sync(world.fork.repo, state_dir=world.state)
    (world.fork.path / "registry.yaml").write_text("changed\n")
    with pytest.raises(RegistryError, match="uncommitted changes"):
        world.sync()


def test_missing_branch_is_named(world: World) -> None:
    with pytest.raises(RegistryError, match="no branch 'trunk'"):
        sync(world.fork.repo, str(world.upstream), branch="trunk", state_dir=world.state)
