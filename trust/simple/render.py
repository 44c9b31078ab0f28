"""Writing simple repository pages: PEP 691 JSON (API version 1.1, PEP 700) and PEP 503 HTML.

Every string comes from a registry or an upstream and is escaped: a project name or a
requires-python with markup in it must come out as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from packaging.version import InvalidVersion, Version

from signoff.attest.model import release_name_and_version
from signoff.trust.simple.model import IndexFile, ProjectPage
from signoff.trust.simple.negotiate import PageFormat

API_VERSION = "1.1"


def render_project(page: ProjectPage, fmt: PageFormat) -> bytes:
    """A project page in the chosen format."""
    return project_json(page) if fmt is PageFormat.JSON else project_html(page)


def render_root(names: Sequence[str], fmt: PageFormat) -> bytes:
    """The root page listing projects, in the chosen format."""
    return root_json(names) if fmt is PageFormat.JSON else root_html(names)


def project_json(page: ProjectPage) -> bytes:
    """PEP 691 JSON; `versions` and `size` per PEP 700."""
    files = []
    for f in page.files:
        entry: dict[str, Any] = {"filename": f.filename, "url": f.url,
                                 "hashes": {"sha256": f.sha256} if f.sha256 else {}}
        if f.requires_python is not None:
            entry["requires-python"] = f.requires_python
        if f.yanked:
            entry["yanked"] = f.yanked
        if f.has_metadata:
            meta: dict[str, str] | bool = (
                {"sha256": f.metadata_sha256} if f.metadata_sha256 else True)
            entry["core-metadata"] = meta
            entry["dist-info-metadata"] = meta
        if f.size is not None:
            entry["size"] = f.size
        if f.upload_time is not None:
            entry["upload-time"] = f.upload_time
        files.append(entry)
    doc = {"meta": {"api-version": API_VERSION}, "name": page.name,
           "versions": versions_of(page.files), "files": files}
    return (json.dumps(doc, indent=1, sort_keys=False) + "\n").encode()


def project_html(page: ProjectPage) -> bytes:
    """PEP 503 HTML with the PEP 592, 658 and 714 attributes."""
    lines = ['<!DOCTYPE html>', '<html>', '<head>',
             f'<meta name="pypi:repository-version" content="{API_VERSION}">',
             f'<title>Links for {escape(page.name)}</title>', '</head>', '<body>',
             f'<h1>Links for {escape(page.name)}</h1>']
    for f in page.files:
        href = f"{f.url}#sha256={f.sha256}" if f.sha256 else f.url
        attrs = [f'href="{escape(href)}"']
        if f.requires_python is not None:
            attrs.append(f'data-requires-python="{escape(f.requires_python)}"')
        if f.yanked:
            reason = f.yanked if isinstance(f.yanked, str) else ""
            attrs.append(f'data-yanked="{escape(reason)}"')
        if f.has_metadata:
            value = f"sha256={f.metadata_sha256}" if f.metadata_sha256 else "true"
            attrs.append(f'data-core-metadata="{value}" data-dist-info-metadata="{value}"')
        lines.append(f'<a {" ".join(attrs)}>{escape(f.filename)}</a><br>')
    lines += ['</body>', '</html>', '']
    return "\n".join(lines).encode()


def root_json(names: Sequence[str]) -> bytes:
    """PEP 691 JSON root: every project name."""
    doc = {"meta": {"api-version": API_VERSION},
           "projects": [{"name": name} for name in names]}
    return (json.dumps(doc, indent=1) + "\n").encode()


def root_html(names: Sequence[str]) -> bytes:
    """PEP 503 HTML root: one link per project."""
    lines = ['<!DOCTYPE html>', '<html>', '<head>',
             f'<meta name="pypi:repository-version" content="{API_VERSION}">',
             '<title>Simple index</title>', '</head>', '<body>']
    lines += [f'<a href="{escape(name)}/">{escape(name)}</a><br>' for name in names]
    lines += ['</body>', '</html>', '']
    return "\n".join(lines).encode()


def versions_of(files: Sequence[IndexFile]) -> list[str]:
    """The versions the files belong to, oldest first (PEP 700 `versions`)."""
    found: dict[str, Version | None] = {}
    for f in files:
        try:
            _, version = release_name_and_version(f.filename)
        except ValueError:
            continue
        try:
            found[version] = Version(version)
        except InvalidVersion:
            found[version] = None
    return sorted(found, key=lambda v: (found[v] is None, found[v] or Version("0"), v))
