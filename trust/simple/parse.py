"""Reading an upstream project page, PEP 691 JSON or PEP 503 HTML, into a ProjectPage.

The upstream is not trusted for anything but where to fetch bytes: every hash it gives is checked
against the registries, and every string it gives is escaped when written again.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

from signoff.attest.names import normalize_project
from signoff.trust.simple.model import IndexFile, ProjectPage

MAX_PAGE_BYTES = 64 * 1024 * 1024
"""Larger upstream pages are refused: PyPI's largest project pages are a few megabytes."""


class PageFormatError(ValueError):
    """The upstream page is not a PEP 691 or PEP 503 project page."""


def parse_project_page(name: str, body: bytes, content_type: str, base_url: str) -> ProjectPage:
    """A project page from its body; `base_url` resolves relative links."""
    media = content_type.split(";")[0].strip().lower()
    if media.endswith("+json") or media == "application/json":
        return parse_json_page(name, body, base_url)
    return parse_html_page(name, body, base_url)


def parse_json_page(name: str, body: bytes, base_url: str) -> ProjectPage:
    """A PEP 691 JSON project page."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PageFormatError(f"not JSON: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise PageFormatError("a PEP 691 project page needs a `files` list")
    files = []
    for entry in doc["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str) \
                or not isinstance(entry.get("url"), str):
            raise PageFormatError("every file needs a `filename` and a `url`")
        hashes = entry["hashes"] if isinstance(entry.get("hashes"), dict) else {}
        metadata = entry.get("core-metadata", entry.get("dist-info-metadata", False))
        url, fragment = urldefrag(urljoin(base_url, entry["url"]))
        files.append(IndexFile(
            filename=entry["filename"], url=url,
            sha256=_hex(hashes.get("sha256")) or _fragment_sha256(fragment),
            size=entry["size"] if isinstance(entry.get("size"), int) else None,
            requires_python=_text(entry.get("requires-python")),
            yanked=_yanked(entry.get("yanked", False)),
            metadata_sha256=_hex(metadata.get("sha256")) if isinstance(metadata, dict) else None,
            has_metadata=bool(metadata),
            upload_time=_text(entry.get("upload-time"))))
    return ProjectPage(normalize_project(name), tuple(files))


def parse_html_page(name: str, body: bytes, base_url: str) -> ProjectPage:
    """A PEP 503 HTML project page (with PEP 592, 658 and 714 attributes)."""
    reader = _AnchorReader()
    try:
        reader.feed(body.decode("utf-8"))
        reader.close()
    except UnicodeDecodeError as e:
        raise PageFormatError(f"not UTF-8: {e}") from e
    base = urljoin(base_url, reader.base) if reader.base else base_url
    files = []
    for attrs, text in reader.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urldefrag(urljoin(base, href))
        metadata = attrs.get("data-core-metadata", attrs.get("data-dist-info-metadata"))
        yanked = attrs.get("data-yanked")
        files.append(IndexFile(
            filename=text.strip() or url.rsplit("/", 1)[-1], url=url,
            sha256=_fragment_sha256(fragment),
            requires_python=attrs.get("data-requires-python"),
            yanked=False if yanked is None else (yanked or True),
            metadata_sha256=_fragment_sha256(metadata or ""),
            has_metadata=metadata is not None and metadata != "false"))
    return ProjectPage(normalize_project(name), tuple(files))


class _AnchorReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._text = dict(attrs), []
        elif tag == "base":
            self.base = dict(attrs).get("href") or self.base

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, "".join(self._text)))
            self._open = None


def _fragment_sha256(fragment: str) -> str | None:
    key, _, value = fragment.partition("=")
    return _hex(value) if key == "sha256" else None


def _hex(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 64:
        lowered = value.lower()
        if all(c in "0123456789abcdef" for c in lowered):
            return lowered
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _yanked(value: Any) -> bool | str:
    if isinstance(value, str):
        return value or True
    return bool(value)
