"""The maintainers rule: every main-line commit after `since` is signed by a maintainer key.

A registry hosted on a forge can be pushed to by anyone who gets the forge's credentials, and
the forge itself can rewrite it. When a policy names `maintainers: [FPR]` and `since: COMMIT`
for a registry, each first-parent commit of its main line after `since` (merges included; the
side branches a signed merge brings in are vouched for by that merge) must carry a good GnuPG
signature by one of those keys. Anything else fails closed, naming the commit.

The keys come from the registry's `keys/` at the head being checked; only the maintainers'
key files are imported, and a signature counts only when gpg reports its primary-key
fingerprint as one of the listed maintainers, so a key file swapped for another key cannot
pass. A signature by a revoked maintainer key does not count: move `since` past a key rotation.
Verdicts are cached per commit and maintainer set in `<git_dir>/signoff/maintainers.sqlite`,
since a commit's signature over its fixed bytes never changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.attest.errors import MaintainerRuleError, SignoffError
from signoff.attest.gpg import SignatureCheck, temporary_keyring
from signoff.registry.commit_signing import commit_signature
from signoff.registry.layout import key_path

Verify = Callable[[bytes, bytes], SignatureCheck]
"""Checks a detached signature (second argument) over data (first argument)."""


@dataclass(frozen=True)
class MaintainersReport:
    """The main-line commits the rule covered, all signed by maintainers."""

    head: str
    """The head checked."""
    since: str
    """The commit the rule starts after."""
    commits: int
    """First-parent commits after `since` up to and including the head."""
    signers: Mapping[str, str]
    """Commit id -> maintainer fingerprint that signed it."""


def main_line_since(repo: pygit2.Repository, head: pygit2.Commit, since: str, where: str
                    ) -> list[pygit2.Commit]:
    """First-parent commits after `since` up to `head`, newest first; `since` must be on it."""
    try:
        stop = repo.revparse_single(since).peel(pygit2.Commit).id
    except (KeyError, ValueError, pygit2.GitError) as e:
        raise MaintainerRuleError(f"the maintainers rule's since commit {since} is not in the "
                                  "registry", where, since) from e
    chain: list[pygit2.Commit] = []
    commit: pygit2.Commit | None = head
    while commit is not None:
        if commit.id == stop:
            return chain
        chain.append(commit)
        commit = commit.parents[0] if commit.parent_ids else None
    raise MaintainerRuleError(
        f"the maintainers rule's since commit {stop} is not on the main line of {head.id}; "
        "the history was rewritten, or since names a side branch", where, str(stop),
        hint="check the registry's history; fix `since` in the policy only if it is wrong")


def check_commits(repo: pygit2.Repository, head: pygit2.Oid | str, since: str,
                  maintainers: Sequence[str], verify: Verify, where: str,
                  cache_dir: Path | None = None, cache_tag: bytes = b"") -> MaintainersReport:
    """Apply the rule with a given signature checker (for callers that hold a keyring).

    Cached verdicts are reused only for the same maintainers and the same `cache_tag`: pass the
    maintainers' key bytes, so that a key that gains a revocation is judged again.
    """
    if not maintainers:
        raise MaintainerRuleError("the maintainers rule needs at least one maintainer", where)
    allowed = frozenset(maintainers)
    head_commit = repo[head].peel(pygit2.Commit)
    chain = main_line_since(repo, head_commit, since, where)
    cache = _VerdictCache.open(cache_dir, allowed, cache_tag)
    signers: dict[str, str] = {}
    try:
        for commit in reversed(chain):
            cid = str(commit.id)
            signer = cache.get(cid)
            if signer is None:
                signer = _signer_of(commit, allowed, verify, where)
                cache.put(cid, signer)
            signers[cid] = signer
    finally:
        cache.close()
    return MaintainersReport(str(head_commit.id), since, len(chain), signers)


def check_maintainers(repo: pygit2.Repository, keys: Mapping[str, bytes],
                      head: pygit2.Oid | str, since: str, maintainers: Sequence[str],
                      where: str, cache_dir: Path | None = None) -> MaintainersReport:
    """Apply the rule, verifying with the maintainers' keys from `keys` (keys/ at the head)."""
    present = {key_path(fpr): keys[fpr] for fpr in maintainers if fpr in keys}
    if not present:
        raise MaintainerRuleError(
            "none of the maintainer keys is in the registry's keys/: "
            + ", ".join(maintainers), where,
            hint="a maintainer publishes their key with `signoff registry add-key FPR`")
    try:
        with temporary_keyring(present) as ring:
            return check_commits(repo, head, since, maintainers, ring.verify_detached, where,
                                 cache_dir, b"".join(present[p] for p in sorted(present)))
    except MaintainerRuleError:
        raise
    except SignoffError as e:
        raise MaintainerRuleError(f"cannot check the maintainers rule: {e.message}", where
                                  ) from e


def _signer_of(commit: pygit2.Commit, allowed: frozenset[str], verify: Verify,
               where: str) -> str:
    cid = str(commit.id)
    signature, signed = commit_signature(commit)
    if signature is None or signed is None:
        raise MaintainerRuleError(
            f"commit {cid} on the main line is not signed; the maintainers rule needs every "
            "commit after since signed by a maintainer", where, cid,
            hint="someone may have pushed straight to the registry; do not use it until its "
                 "maintainers explain this commit")
    check = verify(signed, signature)
    if not check.good:
        raise MaintainerRuleError(f"commit {cid} on the main line is not signed by a "
                                  f"maintainer: {check.problem}", where, cid)
    if check.primary_fpr not in allowed:
        raise MaintainerRuleError(f"commit {cid} is signed by {check.primary_fpr}, which is not "
                                  "a maintainer of this registry", where, cid)
    if check.key_status == "revoked":
        raise MaintainerRuleError(f"commit {cid} is signed by maintainer key "
                                  f"{check.primary_fpr}, which is revoked", where, cid,
                                  hint="after a key rotation, move the policy's since past it")
    return check.primary_fpr


class _VerdictCache:
    """Commit -> maintainer that signed it, for one maintainer set; in memory without a dir."""

    def __init__(self, db: sqlite3.Connection | None, group: str) -> None:
        self.db = db
        self.group = group

    @classmethod
    def open(cls, cache_dir: Path | None, allowed: frozenset[str], tag: bytes) -> _VerdictCache:
        group = hashlib.sha256(",".join(sorted(allowed)).encode() + b"\0" + tag).hexdigest()
        if cache_dir is None:
            return cls(None, group)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(cache_dir / "maintainers.sqlite"), timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS signed (grp TEXT, commit_id TEXT, "
                       "signer TEXT, PRIMARY KEY (grp, commit_id)) WITHOUT ROWID")
        except (OSError, sqlite3.Error):
            return cls(None, group)  # an unwritable cache only costs time
        return cls(db, group)

    def get(self, commit: str) -> str | None:
        if self.db is None:
            return None
        row = self.db.execute("SELECT signer FROM signed WHERE grp = ? AND commit_id = ?",
                              (self.group, commit)).fetchone()
        return str(row[0]) if row else None

    def put(self, commit: str, signer: str) -> None:
        if self.db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("INSERT OR REPLACE INTO signed VALUES (?, ?, ?)",
                            (self.group, commit, signer))

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.commit()
            self.db.close()
