"""Content negotiation for the simple API, as PyPI does it: Accept with q-values (PEP 691)."""

from __future__ import annotations

from enum import StrEnum


class PageFormat(StrEnum):
    """The media types a simple repository page can be served as."""

    JSON = "application/vnd.pypi.simple.v1+json"
    HTML = "application/vnd.pypi.simple.v1+html"
    LEGACY_HTML = "text/html"


# Our preference when a client likes several equally: JSON, then the versioned HTML.
_ORDER = (PageFormat.JSON, PageFormat.HTML, PageFormat.LEGACY_HTML)
_ALIASES = {
    "application/vnd.pypi.simple.latest+json": PageFormat.JSON,
    "application/vnd.pypi.simple.latest+html": PageFormat.HTML,
}


def choose_format(accept: str | None) -> PageFormat | None:
    """The format to serve for an Accept header, or None when nothing acceptable (406).

    No header means `text/html`, as for a PEP 503 client that predates PEP 691.
    """
    if not accept or not accept.strip():
        return PageFormat.LEGACY_HTML
    best: tuple[float, int] | None = None
    chosen: PageFormat | None = None
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        for fmt in _matches(media):
            rank = (quality, -_ORDER.index(fmt))
            if best is None or rank > best:
                best, chosen = rank, fmt
    return chosen


def _matches(media: str) -> list[PageFormat]:
    if media in ("*/*", "application/*"):
        # A wildcard gets what PyPI gives: HTML for text, JSON never by surprise.
        return [PageFormat.LEGACY_HTML] if media == "*/*" else [PageFormat.JSON]
    if media == "text/*":
        return [PageFormat.LEGACY_HTML]
    if media in _ALIASES:
        return [_ALIASES[media]]
    try:
        return [PageFormat(media)]
    except ValueError:
        return []
