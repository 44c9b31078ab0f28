"""The ASGI application: simple API pages, a human page per project, and verified downloads.

The app holds no state but caches (upstream pages, verdicts), so any number of replicas can run
behind a load balancer, each reading its own copy of the registries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from signoff.attest.names import normalize_project
from signoff.registry.clones import FetchMode
from signoff.trust.decide.listing import VettedPage
from signoff.trust.report.words import describe
from signoff.trust.serve.registries import RegistriesUnavailable, RegistryView
from signoff.trust.serve.stream import verified_stream
from signoff.trust.serve.upstream import Upstream, UpstreamError
from signoff.trust.simple.model import IndexFile, ProjectPage
from signoff.trust.simple.negotiate import choose_format
from signoff.trust.simple.render import render_project, render_root
from signoff.trust.site.pages import render_vetted_project

log = logging.getLogger("signoff.serve")
MAX_METADATA_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ServeConfig:
    """What `signoff serve` was asked to do."""

    policy: Path
    """The policy file; re-read at every refresh."""
    upstream: str
    """Base URL of the upstream simple index."""
    refresh_seconds: int = 300
    """How often the policy and registries are re-read."""
    state_dir: Path | None = None
    """Where rollback records are kept (default: the user's state directory)."""
    fetch: FetchMode = FetchMode.AUTO
    """When registries named by `url:` are fetched (at each refresh)."""
    page_max_age: int = 60
    """Cache-Control max-age of the pages this server sends."""
    timeout_seconds: float = 30.0
    """Upstream connect and read timeout."""


class _State:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.view = RegistryView(config.policy, config.refresh_seconds, config.state_dir,
                                 fetch=config.fetch)
        self.client = httpx.AsyncClient(timeout=config.timeout_seconds, follow_redirects=True,
                                        limits=httpx.Limits(max_connections=100))
        self.upstream = Upstream(config.upstream, self.client)


def create_app(config: ServeConfig) -> Starlette:
    """The vetted index as an ASGI app."""
    state = _State(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.view.refresh()
        task = asyncio.create_task(state.view.run_refresh_loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await state.client.aclose()
            state.view.close()

    def page_headers(body: bytes, fmt: str) -> dict[str, str]:
        return {"Cache-Control": f"public, max-age={config.page_max_age}", "Vary": "Accept",
                "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"', "Content-Type": fmt}

    def send_page(request: Request, body: bytes, fmt: str) -> Response:
        headers = page_headers(body, fmt)
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return Response(body, headers=headers)

    async def root(request: Request) -> Response:
        return RedirectResponse("/simple/", status_code=301)

    async def simple_root(request: Request) -> Response:
        fmt = choose_format(request.headers.get("accept"))
        if fmt is None:
            return _not_acceptable()
        try:
            names = await state.view.projects()
        except RegistriesUnavailable as e:
            return _unavailable(e)
        return send_page(request, render_root(names, fmt), fmt.value)

    async def vetted(name: str) -> tuple[VettedPage | None, Response | None]:
        try:
            page = await state.upstream.project(name)
        except UpstreamError as e:
            log.warning("upstream failed for %s: %s", name, e)
            return None, _error(502, f"the upstream index failed: {e}\n")
        if page is None:
            page = ProjectPage(name, ())
        try:
            return await state.view.vet(page), None
        except RegistriesUnavailable as e:
            return None, _unavailable(e)

    async def simple_project(request: Request) -> Response:
        raw = request.path_params["project"]
        name = _normalised(raw)
        if name is None:
            return _error(404, f"not a project name: {raw!r}\n")
        if raw != name or not request.url.path.endswith("/"):
            return RedirectResponse(f"/simple/{name}/", status_code=301)
        fmt = choose_format(request.headers.get("accept"))
        if fmt is None:
            return _not_acceptable()
        result, problem = await vetted(name)
        if result is None:
            assert problem is not None
            return problem
        linked = ProjectPage(name, tuple(_local_link(name, f) for f in result.shown))
        return send_page(request, render_project(linked, fmt), fmt.value)

    async def human_project(request: Request) -> Response:
        raw = request.path_params["project"]
        name = _normalised(raw)
        if name is None:
            return _error(404, f"not a project name: {raw!r}\n")
        if raw != name or not request.url.path.endswith("/"):
            return RedirectResponse(f"/project/{name}/", status_code=301)
        result, problem = await vetted(name)
        if result is None:
            assert problem is not None
            return problem
        heads = await state.view.heads()
        body = render_vetted_project(result, config.upstream, heads).encode()
        return send_page(request, body, "text/html; charset=utf-8")

    async def download(request: Request) -> Response:
        project = request.path_params["project"]
        sha256 = request.path_params["sha256"].lower()
        filename = request.path_params["filename"]
        metadata = filename.endswith(".metadata")
        wanted = filename.removesuffix(".metadata")
        result, problem = await vetted(project) if _normalised(project) == project else (
            None, _error(404, f"not a normalised project name: {project!r}\n"))
        if result is None:
            assert problem is not None
            return problem
        shown = next((f for f in result.shown if f.filename == wanted and f.sha256 == sha256),
                     None)
        if shown is None:
            return _refused(result, wanted, sha256)
        if metadata:
            return await _metadata(state.client, shown)
        assert shown.sha256 is not None and shown.size is not None
        return await _stream_file(state.client, shown, shown.sha256, shown.size)

    async def health(request: Request) -> Response:
        if state.view.error is not None:
            return _error(503, f"registries unavailable: {state.view.error}\n")
        return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})

    routes = [
        Route("/", root),
        Route("/simple/", simple_root),
        Route("/simple", root),
        Route("/simple/{project}/", simple_project),
        Route("/simple/{project}", simple_project),
        Route("/project/{project}/", human_project),
        Route("/project/{project}", human_project),
        Route("/files/{project}/{sha256}/{filename}", download),
        Route("/healthz", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def _normalised(raw: str) -> str | None:
    try:
        return normalize_project(raw)
    except ValueError:
        return None


def _local_link(project: str, f: IndexFile) -> IndexFile:
    """The file as this server lists it: fetched through /files/, relative to the page."""
    url = f"../../files/{project}/{f.sha256}/{quote(f.filename)}"
    return replace(f, url=url)


def _error(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers={"Cache-Control": "no-store"})


def _not_acceptable() -> Response:
    return _error(406, "acceptable formats: application/vnd.pypi.simple.v1+json, "
                  "application/vnd.pypi.simple.v1+html, text/html\n")


def _unavailable(e: RegistriesUnavailable) -> Response:
    return _error(503, "the vetting registries cannot be read, so nothing is served "
                  f"(fail closed):\n{e}\n")


def _refused(result: VettedPage, filename: str, sha256: str) -> Response:
    hidden = [h for h in result.hidden if h.file.filename == filename]
    if not hidden:
        return _error(404, f"{filename} (sha256 {sha256}) is not a file the upstream lists "
                      f"for {result.name}\n")
    lines = [f"{filename} is not vetted under this server's policy; refused:"]
    for h in hidden:
        lines += [f"  [{r.code.value}] {describe(r)}" for r in h.reasons]
    return _error(403, "\n".join(lines) + "\n")


async def _stream_file(client: httpx.AsyncClient, f: IndexFile, sha256: str, size: int
                       ) -> Response:
    request = client.build_request("GET", f.url)
    try:
        upstream = await client.send(request, stream=True)
    except httpx.HTTPError as e:
        return _error(502, f"the upstream index failed: {f.url}: {type(e).__name__}: {e}\n")
    if upstream.status_code != 200:
        await upstream.aclose()
        return _error(502, f"the upstream index answered HTTP {upstream.status_code} for "
                      f"{f.url}\n")

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in verified_stream(upstream.aiter_bytes(), sha256, size, f.filename):
                yield chunk
        finally:
            await upstream.aclose()

    return StreamingResponse(body(), media_type="application/octet-stream", headers={
        "Content-Length": str(size), "Cache-Control": "public, max-age=300",
        "X-Content-SHA256": sha256})


async def _metadata(client: httpx.AsyncClient, f: IndexFile) -> Response:
    url = f.url + ".metadata"
    try:
        response = await client.get(url)
    except httpx.HTTPError as e:
        return _error(502, f"the upstream index failed: {url}: {type(e).__name__}: {e}\n")
    if response.status_code != 200 or len(response.content) > MAX_METADATA_BYTES:
        return _error(502, f"the upstream index answered HTTP {response.status_code} for {url}\n")
    if f.metadata_sha256 and hashlib.sha256(response.content).hexdigest() != f.metadata_sha256:
        return _error(502, f"the upstream's metadata for {f.filename} does not match the sha256 "
                      "its page gives\n")
    return Response(response.content, media_type="text/plain",
                    headers={"Cache-Control": "public, max-age=300"})
