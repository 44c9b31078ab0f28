"""Partial clones (`git clone --filter=blob:none`): commits and trees are all there, blobs are
fetched when first read.

libgit2 cannot fetch a missing blob on demand, so before signoff reads the statements of a
release or the keys, it asks git for the blobs below that tree which the clone lacks, in one
`git fetch` of those object ids from the clone's promisor remote (what git itself does when it
lazily fetches). History needs no blobs: ages come from trees alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pygit2

from signoff.attest.errors import TransportError


def promisor_remote(repo: pygit2.Repository) -> str | None:
    """The remote a partial clone fetches missing objects from, or None for a full clone."""
    for remote in repo.remotes:
        try:
            if repo.config.get_bool(f"remote.{remote.name}.promisor"):
                return remote.name
        except (KeyError, ValueError, pygit2.GitError):
            continue
    try:
        name = repo.config["extensions.partialclone"]  # older git marks it here
    except (KeyError, ValueError):
        return None
    return str(name) if name else None


def missing_blobs(repo: pygit2.Repository, tree: pygit2.Tree, depth: int) -> list[pygit2.Oid]:
    """Ids of the blobs in `tree` (and its subtrees, `depth` levels down) the clone lacks."""
    missing: list[pygit2.Oid] = []
    pending = [(tree, depth)]
    while pending:
        current, levels = pending.pop()
        for entry in current:
            if isinstance(entry, pygit2.Tree):
                if levels > 0:
                    sub = repo.get(entry.id)
                    if isinstance(sub, pygit2.Tree):
                        pending.append((sub, levels - 1))
            elif entry.type == pygit2.enums.ObjectType.BLOB and entry.id not in repo.odb:
                missing.append(entry.id)
    return missing


def fetch_blobs(repo: pygit2.Repository, remote: str, oids: Iterable[pygit2.Oid],
                label: str | Path) -> None:
    """Fetch these objects from the promisor remote in one git call; TransportError if not."""
    wanted = "".join(f"{oid}\n" for oid in oids)
    if not wanted:
        return
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_NO_REPLACE_OBJECTS": "1"}
    command = ["git", f"--git-dir={repo.path}", "-c", "fetch.negotiationAlgorithm=noop",
               "fetch", remote, "--no-tags", "--no-write-fetch-head",
               "--recurse-submodules=no", "--filter=blob:none", "--stdin"]
    try:
        proc = subprocess.run(command, input=wanted.encode(), capture_output=True, env=env,
                              check=False)
    except OSError as e:
        raise TransportError(f"cannot run git to fetch blobs of a partial clone: {e}",
                             file=label, hint="install git") from e
    if proc.returncode != 0:
        raise TransportError("cannot fetch the blobs this check needs from the partial clone's "
                             f"remote {remote!r}: "
                             + proc.stderr.decode(errors="replace").strip()[:500], file=label,
                             hint="make the remote reachable, or clone the registry in full")
    # libgit2 looks for new packs when an object is not found, so nothing to reload here.
