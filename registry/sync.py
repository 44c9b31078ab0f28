"""`signoff registry sync`: bring an organisation's fork up to date with its upstream registry.

The fork keeps its private attestations; upstream's arrive by a git merge. Three rules make the
merge safe for signed files:

- The upstream head must descend from the last upstream head this client verified (rollback
  protection, registry.rollback), unless a rewrite is accepted.
- A statement, signature or key edited on both sides is refused, never merged line by line: a
  textual merge of two signed files is a file nobody signed. Since paths are per signer, such an
  edit can only be the same signer's, on both sides; the explanation says so.
- Nothing is touched until the result is known to be good: the merge commit is built as an
  object first, the work tree is checked out safely, and the branch moves last.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pygit2

from signoff.attest.errors import RegistryError, SyncConflict, TransportError
from signoff.registry.commit_signing import CommitSigning, make_commit
from signoff.registry.gittree import subtree, tree_changes
from signoff.registry.history import INDEXED_DIRS
from signoff.registry.repo import committer
from signoff.registry.rollback import HeadCheck, check_head, record_head, registry_key
from signoff.registry.write_guard import Journal, exclusive_write

UPSTREAM_REMOTE = "upstream"
DEFAULT_BRANCH = "main"


class SyncOutcome(StrEnum):
    """What sync did to the fork's branch."""

    UP_TO_DATE = "up-to-date"
    FAST_FORWARD = "fast-forward"
    MERGED = "merged"


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync."""

    outcome: SyncOutcome
    """Up to date, fast-forwarded, or merged with a merge commit."""
    branch: str
    """The fork's branch that was updated."""
    before: str
    """The fork's head before."""
    after: str
    """The fork's head after."""
    upstream_head: str
    """The upstream commit merged."""
    upstream_check: HeadCheck
    """The rollback check of the upstream head (with `rewrite_accepted`)."""


def upstream_url(location: str) -> str:
    """A URL libgit2 can fetch: URLs as given, local paths made absolute."""
    if "://" in location or location.startswith("git@"):
        return location
    return str(Path(location).expanduser().resolve())


def ensure_upstream(repo: pygit2.Repository, location: str | None) -> pygit2.Remote:
    """The `upstream` remote, added or re-pointed when `location` is given."""
    names = {r.name for r in repo.remotes}
    if location is not None:
        url = upstream_url(location)
        check_reachable(repo, location, url)
        if UPSTREAM_REMOTE in names:
            if repo.remotes[UPSTREAM_REMOTE].url != url:
                repo.remotes.set_url(UPSTREAM_REMOTE, url)
        else:
            repo.remotes.create(UPSTREAM_REMOTE, url)
    elif UPSTREAM_REMOTE not in names:
        raise RegistryError(f"no remote named {UPSTREAM_REMOTE!r} and no --upstream given",
                            file=repo.path, hint="pass --upstream URL or PATH once; it is kept")
    return repo.remotes[UPSTREAM_REMOTE]


def check_reachable(repo: pygit2.Repository, location: str, url: str) -> None:
    """Refuse an upstream that is not a repository git can list, before it is saved."""
    local = url.startswith("/")
    if local and not Path(url).exists():
        raise RegistryError(f"no repository at {location}", file=repo.path,
                            hint="--upstream takes the path or URL of the upstream registry")
    try:
        repo.remotes.create_anonymous(url).list_heads()
    except pygit2.GitError as e:
        if local:
            raise RegistryError(f"no repository at {location}", file=repo.path,
                                hint="--upstream takes the path or URL of the upstream "
                                "registry") from e
        raise TransportError(f"cannot reach a repository at {url}: {e}", file=repo.path) from e


def fetch_upstream(repo: pygit2.Repository, remote: pygit2.Remote, branch: str) -> pygit2.Commit:
    """Fetch `branch` into refs/remotes/upstream/<branch> and return its commit."""
    local_ref = f"refs/remotes/{UPSTREAM_REMOTE}/{branch}"
    try:
        # Forced, so that a rewritten upstream is seen as it is and judged by the rollback check.
        remote.fetch([f"+refs/heads/{branch}:{local_ref}"])
    except pygit2.GitError as e:
        raise TransportError(f"cannot fetch {branch} from {remote.url}: {e}",
                             file=repo.path) from e
    try:
        return repo.references[local_ref].peel(pygit2.Commit)
    except (KeyError, pygit2.GitError) as e:
        raise RegistryError(f"upstream {remote.url} has no branch {branch!r}",
                            file=repo.path) from e


def sync(repo: pygit2.Repository, upstream: str | None = None, branch: str = DEFAULT_BRANCH,
         accept_rewrite: bool = False, state_dir: Path | None = None,
         signing: CommitSigning | None = None) -> SyncResult:
    """Fetch upstream, check it against the rollback record, merge it into the current branch.

    One writer at a time; a sync killed at any moment (even mid-fetch) leaves nothing that stops
    the next command (registry/write_guard.py). A merge commit is signed as `signing` and git's
    settings say (registry.commit_signing).
    """
    with exclusive_write(repo, repo.workdir or repo.path) as journal:
        journal.begin(())  # a fetch cut short leaves git's lock files: the next writer clears them
        return _sync(repo, upstream, branch, accept_rewrite, state_dir, journal,
                     signing or CommitSigning())


def _sync(repo: pygit2.Repository, upstream: str | None, branch: str, accept_rewrite: bool,
          state_dir: Path | None, journal: Journal, signing: CommitSigning) -> SyncResult:
    where = repo.workdir or repo.path
    if repo.head_is_unborn or repo.head_is_detached:
        raise RegistryError("the fork has no current branch to merge into", file=where,
                            hint="check out the fork's main branch first")
    _refuse_local_changes(repo, where)
    remote = ensure_upstream(repo, upstream)
    theirs = fetch_upstream(repo, remote, branch)
    checked = check_head(repo, theirs.id, state_dir, accept_rewrite,
                         key=registry_key(repo, f"{UPSTREAM_REMOTE}/{branch}"),
                         label=f"upstream {remote.url} ({branch})")
    ref_name = repo.references["HEAD"].target
    assert isinstance(ref_name, str)
    ours = repo.head.peel(pygit2.Commit)
    if ours.id == theirs.id or repo.descendant_of(ours.id, theirs.id):
        outcome, new = SyncOutcome.UP_TO_DATE, ours.id
    elif repo.descendant_of(theirs.id, ours.id):
        outcome, new = SyncOutcome.FAST_FORWARD, theirs.id
    else:
        outcome, new = SyncOutcome.MERGED, _merge_commit(repo, ours, theirs, branch, remote, where,
                                                    signing)
    if new != ours.id:
        target = repo[new].peel(pygit2.Commit)
        journal.begin(change.path for change in tree_changes(ours.tree, target.tree))
        _move_branch(repo, ref_name, ours, target, outcome)
    record_head(repo, checked, state_dir)
    return SyncResult(outcome, ref_name.removeprefix("refs/heads/"), str(ours.id), str(new),
                      str(theirs.id), checked)


def _refuse_local_changes(repo: pygit2.Repository, where: str) -> None:
    if repo.is_bare:
        return
    harmless = {pygit2.enums.FileStatus.IGNORED, pygit2.enums.FileStatus.WT_NEW}
    changed = sorted(path for path, flags in repo.status().items() if flags not in harmless)
    if changed:
        raise RegistryError(f"the fork has uncommitted changes: {', '.join(changed[:5])}"
                            + (" ..." if len(changed) > 5 else ""), file=where,
                            hint="commit or discard them, then sync again")


def both_changed(repo: pygit2.Repository, base: pygit2.Tree | None, ours: pygit2.Tree,
                 theirs: pygit2.Tree) -> list[str]:
    """Signed paths (attestations, keys) that both sides changed, to different results."""
    def changes(tree: pygit2.Tree) -> dict[str, pygit2.Oid | None]:
        found: dict[str, pygit2.Oid | None] = {}
        for top in INDEXED_DIRS:
            old = subtree(base, top)
            new = subtree(tree, top)
            for change in tree_changes(old, new, top + "/"):
                found[change.path] = change.new.id if change.new is not None else None
        return found

    mine, upstream = changes(ours), changes(theirs)
    return sorted(p for p in mine.keys() & upstream.keys() if mine[p] != upstream[p])


def _merge_commit(repo: pygit2.Repository, ours: pygit2.Commit, theirs: pygit2.Commit,
                  branch: str, remote: pygit2.Remote, where: str, signing: CommitSigning
                  ) -> pygit2.Oid:
    base_id = repo.merge_base(ours.id, theirs.id)
    base = repo[base_id].peel(pygit2.Commit).tree if base_id is not None else None
    clashing = both_changed(repo, base, ours.tree, theirs.tree)
    if clashing:
        raise SyncConflict(where, clashing)
    # No rename detection: a path is an identity (signer, file), never a guess from similarity.
    index = repo.merge_commits(ours, theirs, flags=pygit2.enums.MergeFlag(0))
    if index.conflicts is not None:
        paths = sorted({entry.path for trio in index.conflicts for entry in trio
                        if entry is not None})
        raise SyncConflict(where, paths)
    tree = index.write_tree(repo)
    who = committer(repo)
    message = (f"Merge {UPSTREAM_REMOTE}/{branch} ({str(theirs.id)[:12]}) from {remote.url}\n")
    return make_commit(repo, who, who, message, tree, [ours.id, theirs.id], signing)


def _move_branch(repo: pygit2.Repository, ref_name: str, ours: pygit2.Commit,
                 new: pygit2.Commit, outcome: SyncOutcome) -> None:
    """Check out `new` safely, then move the branch; put the work tree back if that fails."""
    if not repo.is_bare:
        try:
            repo.checkout_tree(  # type: ignore[no-untyped-call]
                new.tree, strategy=pygit2.enums.CheckoutStrategy.SAFE)
        except pygit2.GitError as e:
            raise RegistryError(f"cannot update the work tree: {e}", file=repo.workdir,
                                hint="move aside untracked files in the way, then sync again"
                                ) from e
    ref = repo.references[ref_name]
    try:
        if ref.target != ours.id:
            raise RegistryError(f"{ref_name} moved during sync; try again", file=repo.path)
        ref.set_target(new.id, f"signoff sync: {outcome.value}")
    except BaseException:
        if not repo.is_bare:
            repo.checkout_tree(  # type: ignore[no-untyped-call]
                ours.tree, strategy=pygit2.enums.CheckoutStrategy.FORCE)
        raise
