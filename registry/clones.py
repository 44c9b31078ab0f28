"""signoff's own clones of registries that a policy names by URL, fetched when they grow old.

Each URL gets one bare clone under the user's cache directory (`$XDG_CACHE_HOME/signoff/
registries/`, by default `~/.cache/signoff/registries/`), named by a digest of the URL. A clone
is fetched with pygit2 when its last successful fetch is older than the entry's `refresh:`, or
always (`--fetch`), or never (`--offline`). The time of the last successful fetch is kept in
the clone (`signoff/fetch.json`): it is what `max-staleness:` judges, since a registry that
cannot be fetched is one whose rejections can be withheld (TUF's freeze attack).

A fetch is forced (`+ref:ref`), so that a rewritten upstream is seen as it is; the rollback
record (registry.rollback) then refuses it unless accepted. Only the one ref is fetched.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pygit2

from signoff.attest.errors import RegistryError, TransportError
from signoff.attest.files import write_atomic, xdg_dir

DEFAULT_REF = "main"
FETCH_SCHEMA = "fetch-record/v1"


class FetchMode(StrEnum):
    """When a cloned registry is fetched."""

    AUTO = "auto"
    """When the last successful fetch is older than the entry's `refresh:`."""
    ALWAYS = "always"
    """On every run (`--fetch`)."""
    NEVER = "never"
    """Never (`--offline`): read the clone as it is."""


@dataclass(frozen=True)
class CloneState:
    """A clone after the opener decided whether to fetch it."""

    path: Path
    """The bare clone."""
    fetched_at: int | None
    """When it was last fetched successfully (seconds since the epoch), or None if never."""
    fetched_now: bool
    """True when this run fetched it."""
    error: str | None
    """Why this run's fetch failed, or None."""


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/signoff`, or `~/.cache/signoff`."""
    return xdg_dir("XDG_CACHE_HOME", ".cache")


def full_ref(ref: str) -> str:
    """A branch name as `refs/heads/<name>`; a full ref (`refs/...`) as it is."""
    return ref if ref.startswith("refs/") else f"refs/heads/{ref}"


def clone_path(url: str, cache_dir: Path | None = None) -> Path:
    """Where the clone of `url` lives."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:24]
    return (cache_dir or default_cache_dir()) / "registries" / digest


def _fetch_record(path: Path) -> Path:
    return path / "signoff" / "fetch.json"


def last_fetch(path: Path, url: str) -> int | None:
    """When `path` last fetched `url` successfully; None if never or if the record is bad."""
    try:
        data = json.loads(_fetch_record(path).read_bytes())
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("schema") != FETCH_SCHEMA
            or data.get("url") != url or not isinstance(data.get("fetched_at"), int)):
        return None
    return int(data["fetched_at"])


def _open_clone(path: Path, url: str) -> pygit2.Repository:
    """The bare clone at `path`, created (with its `origin` remote) when missing."""
    if (path / "HEAD").exists():
        try:
            repo = pygit2.Repository(str(path))
        except pygit2.GitError as e:
            raise RegistryError(f"the cached clone of {url} is not a git repository: {e}",
                                file=path, hint="delete the folder; it is cloned again") from e
        if repo.remotes["origin"].url != url:
            repo.remotes.set_url("origin", url)
        return repo
    path.parent.mkdir(parents=True, exist_ok=True)
    repo = pygit2.init_repository(str(path), bare=True)
    repo.remotes.create("origin", url, fetch="+refs/heads/*:refs/heads/*")
    return repo


def fetch_clone(url: str, ref: str, mode: FetchMode, refresh: int, cache_dir: Path | None = None,
                now: int | None = None) -> CloneState:
    """Bring the clone of `url` up to date with `ref` when `mode` and `refresh` say so.

    A failed fetch is no error here: the caller decides, from `fetched_at` and the entry's
    `max-staleness`, whether the copy is still fresh enough to read.
    """
    path = clone_path(url, cache_dir)
    now = int(time.time()) if now is None else now
    repo = _open_clone(path, url)
    fetched_at = last_fetch(path, url)
    due = (mode is FetchMode.ALWAYS or fetched_at is None
           or (mode is FetchMode.AUTO and now - fetched_at >= refresh))
    if mode is FetchMode.NEVER or not due:
        return CloneState(path, fetched_at, False, None)
    name = full_ref(ref)
    try:
        # Forced, so that a rewrite is seen as it is and judged by the rollback record.
        repo.remotes["origin"].fetch([f"+{name}:{name}"])
    except pygit2.GitError as e:
        return CloneState(path, fetched_at, False, f"cannot fetch {name} from {url}: {e}")
    if name not in repo.references:
        return CloneState(path, fetched_at, False, f"{url} has no {name}")
    record = _fetch_record(path)
    record.parent.mkdir(exist_ok=True)
    write_atomic(record, json.dumps({"schema": FETCH_SCHEMA, "url": url, "ref": name,
                                     "fetched_at": now}).encode() + b"\n")
    return CloneState(path, now, True, None)


def require_fresh(state: CloneState, url: str, max_staleness: int | None, now: int) -> None:
    """TransportError when the clone has never been fetched, or is older than allowed."""
    if state.fetched_at is None:
        raise TransportError(f"registry {url} has never been fetched"
                             + (f": {state.error}" if state.error else " (offline)"),
                             file=state.path, hint="run once without --offline, with the "
                             "registry reachable")
    if max_staleness is not None and now - state.fetched_at > max_staleness:
        raise TransportError(
            f"registry {url} was last fetched {now - state.fetched_at} s ago, more than its "
            f"max-staleness of {max_staleness} s"
            + (f"; {state.error}" if state.error else " (offline)")
            + ": its rejections may be withheld, so nothing it says is trusted",
            file=state.path, hint="make the registry reachable and run with --fetch")
