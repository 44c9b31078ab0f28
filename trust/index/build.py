"""`signoff index build`: the vetted simple repository as static files.

For every project some registry attests, the upstream's project page is read and judged exactly
as `signoff serve` judges it; the files that pass are written as PEP 503 HTML
(`<project>/index.html`, which static hosts serve for `<project>/`) and PEP 691 JSON
(`<project>/index.json`), linking to the upstream's file URLs with their `#sha256=`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.listing import VettedPage, attested_projects, vet_page
from signoff.trust.report.static_tree import StaticTree
from signoff.trust.serve.upstream import Upstream
from signoff.trust.simple.model import ProjectPage
from signoff.trust.simple.negotiate import PageFormat
from signoff.trust.simple.render import render_project, render_root

MAX_PARALLEL_FETCHES = 8


@dataclass(frozen=True)
class IndexBuild:
    """What a build wrote."""

    tree: StaticTree
    """Files written, unchanged and removed."""
    pages: tuple[VettedPage, ...]
    """Every project judged."""


def fetch_pages(upstream_url: str, names: Sequence[str], timeout: float = 30.0
                ) -> dict[str, ProjectPage | None]:
    """Every project's upstream page, fetched a few at a time."""
    async def run() -> dict[str, ProjectPage | None]:
        gate = asyncio.Semaphore(MAX_PARALLEL_FETCHES)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:
            upstream = Upstream(upstream_url, client)

            async def one(name: str) -> tuple[str, ProjectPage | None]:
                async with gate:
                    return name, await upstream.project(name)
            return dict(await asyncio.gather(*(one(n) for n in names)))
    return asyncio.run(run())


def build_index(session: CheckSession, out: Path,
                fetch: Callable[[Sequence[str]], dict[str, ProjectPage | None]]) -> IndexBuild:
    """Write the vetted index of every attested project into `out`."""
    names = attested_projects(session)
    upstream = fetch(names)
    tree = StaticTree(out)
    pages = []
    for name in names:
        vetted = vet_page(session, upstream.get(name) or ProjectPage(name, ()))
        pages.append(vetted)
        page = vetted.page()
        tree.write(f"{name}/index.html", render_project(page, PageFormat.HTML))
        tree.write(f"{name}/index.json", render_project(page, PageFormat.JSON))
    tree.write("index.html", render_root(names, PageFormat.HTML))
    tree.write("index.json", render_root(names, PageFormat.JSON))
    tree.finish()
    return IndexBuild(tree, tuple(pages))
