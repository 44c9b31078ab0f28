"""Rollback protection: the client's own record of the last head it verified, per registry.

The record lives outside the repository, in `$XDG_STATE_HOME/signoff/` (by default
`~/.local/state/signoff/`), because whoever can rewrite a registry's history can also rewrite
anything kept inside it. A head that does not descend from (or equal) the recorded one means the
history the client trusted before was dropped: a rollback to older, perhaps withdrawn, state or a
rewrite. It is refused unless the caller accepts it explicitly.

Descent here is plain git ancestry, not first-parent: merging the old head as a second parent
keeps every old commit, which is all rollback protection asks. (Ages use the first-parent main
line; see registry.history.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.attest.errors import RegistryError, RollbackError
from signoff.attest.files import write_atomic, xdg_dir

STATE_SCHEMA = "head-record/v1"


@dataclass(frozen=True)
class HeadCheck:
    """The outcome of checking a head against the recorded one."""

    key: str
    """Which registry (and which of its branches) the record is for."""
    previous: str | None
    """The head recorded before, or None on first use."""
    head: str
    """The head checked."""
    rewrite_accepted: bool
    """True when the head does not descend from `previous` and that was accepted."""


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/signoff`, or `~/.local/state/signoff`."""
    return xdg_dir("XDG_STATE_HOME", ".local/state")


def registry_key(repo: pygit2.Repository, channel: str = "HEAD") -> str:
    """A stable name for one registry's line of history: its git directory and a channel.

    The channel tells apart the histories one repository follows: the ref a check reads (so
    switching a checkout's branches is never taken for a rollback), or an upstream branch that
    sync fetches.
    """
    return f"{Path(repo.path).resolve()}#{channel}"


def record_file(state_dir: Path, key: str) -> Path:
    """Where the record for `key` is kept."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return state_dir / "heads" / f"{digest}.json"


def recorded_head(state_dir: Path, key: str) -> str | None:
    """The last head recorded for `key`, or None; RegistryError if the record is unreadable."""
    path = record_file(state_dir, key)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise RegistryError(f"cannot read the rollback record: {e}", file=path,
                            hint="rerun with --accept-rewrite to start a new record") from e
    head = data.get("head") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("schema") != STATE_SCHEMA
            or data.get("key") != key or not isinstance(head, str)):
        raise RegistryError("the rollback record is malformed", file=path,
                            hint="rerun with --accept-rewrite to start a new record")
    return head


def descends(repo: pygit2.Repository, head: str, ancestor: str) -> bool:
    """True when `head` equals `ancestor` or has it in its history; False if it is unknown."""
    if head == ancestor:
        return True
    try:
        return bool(repo.descendant_of(pygit2.Oid(hex=head), pygit2.Oid(hex=ancestor)))
    except (KeyError, ValueError, pygit2.GitError):
        return False  # a recorded commit the repository no longer has was dropped


def check_head(repo: pygit2.Repository, head: pygit2.Oid | str, state_dir: Path | None = None,
               accept_rewrite: bool = False, key: str | None = None,
               label: str | None = None) -> HeadCheck:
    """Refuse `head` unless it descends from the recorded head (or `accept_rewrite`)."""
    state = state_dir or default_state_dir()
    key = key or registry_key(repo)
    new = str(head)
    previous = None if accept_rewrite and _unreadable(state, key) else recorded_head(state, key)
    if previous is None or descends(repo, new, previous):
        return HeadCheck(key, previous, new, False)
    if not accept_rewrite:
        raise RollbackError(label or key, previous, new, record_file(state, key))
    return HeadCheck(key, previous, new, True)


def record_head(repo: pygit2.Repository, checked: HeadCheck, state_dir: Path | None = None
                ) -> None:
    """Record `checked.head` as verified, atomically.

    If another run has meanwhile recorded a head that descends from this one, that newer record
    is kept, so concurrent runs never move the record backwards.
    """
    state = state_dir or default_state_dir()
    if not checked.rewrite_accepted:
        with contextlib.suppress(RegistryError):
            current = recorded_head(state, checked.key)
            if (current is not None and current != checked.head
                    and descends(repo, current, checked.head)):
                return
    path = record_file(state, checked.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"schema": STATE_SCHEMA, "key": checked.key, "head": checked.head,
                       "previous": checked.previous, "rewrite_accepted": checked.rewrite_accepted,
                       "recorded_at": int(time.time())}, indent=2).encode() + b"\n"
    write_atomic(path, body)


def check_and_record(repo: pygit2.Repository, head: pygit2.Oid | str,
                     state_dir: Path | None = None, accept_rewrite: bool = False,
                     key: str | None = None, label: str | None = None) -> HeadCheck:
    """`check_head`, then `record_head`: what `check` does for each registry it reads."""
    checked = check_head(repo, head, state_dir, accept_rewrite, key, label)
    record_head(repo, checked, state_dir)
    return checked


def _unreadable(state_dir: Path, key: str) -> bool:
    try:
        recorded_head(state_dir, key)
    except RegistryError:
        return True
    return False


def forget_registry(repo: pygit2.Repository, state_dir: Path | None = None) -> None:
    """Drop the record of a registry that is being deleted on purpose (the demo rebuilds its
    own), so that a new registry at the same path is not taken for a rewrite of the old one."""
    for channel in ("HEAD", *repo.references):
        record_file(state_dir or default_state_dir(), registry_key(repo, channel)).unlink(
            missing_ok=True)
