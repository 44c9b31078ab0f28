"""The registries behind a long-running server: opened on one worker thread, re-opened on the
refresh interval, and closed (serving nothing) when they cannot be read.

The interval is the server's `--refresh`, or the shortest `refresh:` of the policy's `url:`
registries if that is shorter: each re-open goes through `CheckSession.open`, which fetches the
registries that are due. A registry that could not be fetched within its `max-staleness` fails
the re-open, and the server serves nothing; between re-opens, a session is dropped as soon as
the freshest fetch it read grows older than `max-staleness`, so stale trust is never served.

A CheckSession holds pygit2 objects, sqlite connections and a gpg home, none of which may be
shared between threads, so every use of it runs on the one thread that opened it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from signoff.attest.errors import SignoffError
from signoff.registry.clones import FetchMode
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.listing import (
    VerdictCache,
    VettedPage,
    attested_projects,
    vet_page,
)
from signoff.trust.policy.policy import Policy, load_policy
from signoff.trust.simple.model import ProjectPage

log = logging.getLogger("signoff.serve")
T = TypeVar("T")


class RegistriesUnavailable(Exception):
    """The registries could not be read at the last refresh: serve nothing."""


def open_session(policy: Policy, state_dir: Path | None,
                 fetch: FetchMode = FetchMode.AUTO) -> CheckSession:
    """Open the policy's registries for a server, through the one opener every command uses."""
    return CheckSession.open(policy, state_dir=state_dir, fetch=fetch)


def refresh_interval(policy: Policy, requested: int) -> int:
    """The server's interval, shortened to the quickest `refresh:` of a `url:` registry."""
    return max(1, min([requested] + [s.refresh for s in policy.registries if s.url is not None]))


class RegistryView:
    """The policy's registries as the server sees them now."""

    def __init__(self, policy_path: Path, refresh_seconds: int, state_dir: Path | None = None,
                 opener: Callable[[Policy, Path | None, FetchMode], CheckSession] = open_session,
                 fetch: FetchMode = FetchMode.AUTO) -> None:
        self.policy_path = policy_path
        self.refresh_seconds = max(1, refresh_seconds)
        self.state_dir = state_dir
        self.opener = opener
        self.fetch = fetch
        self.interval = self.refresh_seconds
        self.cache = VerdictCache()
        self.error: str | None = "registries not opened yet"
        self.opened_at: float | None = None
        self.generation = 0
        self._session: CheckSession | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="signoff-registries")

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def refresh(self) -> None:
        """Re-read the policy and re-open every registry; on failure, serve nothing."""
        await self._run(self._refresh)

    def _refresh(self) -> None:
        old, self._session = self._session, None
        if old is not None:
            old.close()
        try:
            policy = load_policy(self.policy_path)
            self.interval = refresh_interval(policy, self.refresh_seconds)
            session = self.opener(policy, self.state_dir, self.fetch)
        except (SignoffError, OSError) as e:
            message = e.diagnostics() if isinstance(e, SignoffError) else str(e)
            if self.error != message:
                log.error("registries cannot be read; serving nothing until they can: %s",
                          message)
            self.error = message
            return
        self._session = session
        self.error = None
        self.opened_at = time.time()
        self.generation += 1
        log.info("registries opened at %s", ", ".join(
            f"{o.label}@{str(o.head.id)[:12]}" for o in session.registries))

    async def vet(self, page: ProjectPage) -> VettedPage:
        """Judge an upstream page under the current registries."""
        return await self._run(lambda: self._vet(page))

    def _vet(self, page: ProjectPage) -> VettedPage:
        session = self._require()
        return vet_page(session, page, self.cache, self.generation)

    async def projects(self) -> list[str]:
        """Every project that some registry attests."""
        return await self._run(self._projects)

    def _projects(self) -> list[str]:
        return attested_projects(self._require())

    async def heads(self) -> list[tuple[str, str]]:
        """(label, head) of every registry read."""
        return await self._run(lambda: [(o.label, str(o.head.id))
                                        for o in self._require().registries])

    def _require(self) -> CheckSession:
        session = self._session
        if session is None:
            raise RegistriesUnavailable(self.error or "registries not opened")
        if session.fresh_until is not None and time.time() > session.fresh_until:
            self._session = None
            session.close()
            self.error = ("a registry could not be fetched within its max-staleness; serving "
                          "nothing until it can")
            log.error("registries too stale: %s", self.error)
            raise RegistriesUnavailable(self.error)
        return session

    async def run_refresh_loop(self) -> None:
        """Refresh forever on the interval (cancelled at shutdown)."""
        while True:
            await asyncio.sleep(self.interval)
            await self.refresh()

    def close(self) -> None:
        """Close the session and stop the worker thread."""
        def shut() -> None:
            if self._session is not None:
                self._session.close()
                self._session = None
        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)
