"""The upstream index, read over HTTP with its own caching rules (ETag, Cache-Control).

Errors are split by who is at fault, as python-tuf does: UpstreamUnreachable is transport (the
server answers 502), UpstreamBadPage is a page we cannot read (also 502, with the reason).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

import httpx

from signoff.trust.simple.model import ProjectPage
from signoff.trust.simple.parse import MAX_PAGE_BYTES, PageFormatError, parse_project_page

_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
           "text/html;q=0.01")
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*(\d+)", re.IGNORECASE)


class UpstreamError(Exception):
    """The upstream could not give a usable answer."""


class UpstreamUnreachable(UpstreamError):
    """Transport failed: refused, timed out, or a server error."""


class UpstreamBadPage(UpstreamError):
    """The upstream answered with something that is not a project page."""


@dataclass
class _Cached:
    page: ProjectPage | None
    etag: str | None
    last_modified: str | None
    fresh_until: float


class Upstream:
    """A PEP 691 or PEP 503 index, with an HTTP cache of its project pages."""

    def __init__(self, base_url: str, client: httpx.AsyncClient, max_pages: int = 10_000
                 ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.client = client
        self.max_pages = max_pages
        self._pages: OrderedDict[str, _Cached] = OrderedDict()
        self.requests = 0
        self.revalidated = 0

    def project_url(self, name: str) -> str:
        """Where the upstream lists a normalised project."""
        return f"{self.base_url}{name}/"

    async def project(self, name: str) -> ProjectPage | None:
        """The project page, or None when the upstream does not know the project."""
        cached = self._pages.get(name)
        now = time.monotonic()
        if cached is not None and cached.fresh_until > now:
            self._pages.move_to_end(name)
            return cached.page
        headers = {"Accept": _ACCEPT}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        url = self.project_url(name)
        try:
            self.requests += 1
            async with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and cached is not None:
                    self.revalidated += 1
                    self._remember(name, cached.page, response, now, cached)
                    return cached.page
                if response.status_code == 404:
                    self._remember(name, None, response, now)
                    return None
                if response.status_code != 200:
                    raise UpstreamUnreachable(f"{url} answered HTTP {response.status_code}")
                body = await _read_bounded(response, MAX_PAGE_BYTES)
        except httpx.HTTPError as e:
            raise UpstreamUnreachable(f"{url}: {type(e).__name__}: {e}") from e
        try:
            page = parse_project_page(name, body, response.headers.get("content-type", ""),
                                      str(response.url))
        except PageFormatError as e:
            raise UpstreamBadPage(f"{url}: {e}") from e
        self._remember(name, page, response, now)
        return page

    def _remember(self, name: str, page: ProjectPage | None, response: httpx.Response,
                  now: float, previous: _Cached | None = None) -> None:
        control = response.headers.get("cache-control", "")
        if "no-store" in control.lower():
            self._pages.pop(name, None)
            return
        match = _MAX_AGE.search(control)
        max_age = 0 if match is None or "no-cache" in control.lower() else int(match.group(1))
        etag = response.headers.get("etag") or (previous.etag if previous else None)
        modified = response.headers.get("last-modified") or (
            previous.last_modified if previous else None)
        self._pages[name] = _Cached(page, etag, modified, now + max_age)
        self._pages.move_to_end(name)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)


async def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    chunks = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise UpstreamBadPage(f"{response.url}: page is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
