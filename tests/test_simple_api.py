"""The simple API's pieces on their own: negotiation, and rendering that parses back exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from signoff.trust.simple.model import IndexFile, ProjectPage
from signoff.trust.simple.negotiate import PageFormat, choose_format
from signoff.trust.simple.parse import parse_html_page, parse_json_page
from signoff.trust.simple.render import project_html, project_json

JSON = PageFormat.JSON
HTML = PageFormat.HTML
LEGACY = PageFormat.LEGACY_HTML


def test_negotiation_follows_q_values_as_pypi_does() -> None:
    assert choose_format(None) is LEGACY
    assert choose_format("*/*") is LEGACY
    assert choose_format("text/html") is LEGACY
    assert choose_format("application/vnd.pypi.simple.v1+json") is JSON
    assert choose_format("application/vnd.pypi.simple.latest+json") is JSON
    assert choose_format("application/vnd.pypi.simple.latest+html") is HTML
    # pip's header: JSON first, HTML as fallbacks with lower q
    assert choose_format("application/vnd.pypi.simple.v1+json, "
                         "application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01") is JSON
    assert choose_format("application/vnd.pypi.simple.v1+json;q=0.2, text/html") is LEGACY
    assert choose_format("application/vnd.pypi.simple.v1+json;q=0") is None
    assert choose_format("image/png") is None
    assert choose_format("application/vnd.pypi.simple.v2+json") is None


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@given(requires_python=_TEXT, yanked=st.one_of(st.booleans(), _TEXT.filter(bool)))
def test_rendered_pages_parse_back_exactly(requires_python: str, yanked: bool | str) -> None:
    f = IndexFile("foo-1.0-py3-none-any.whl", "https://files.example/foo-1.0-py3-none-any.whl",
                  "ab" * 32, size=10, requires_python=requires_python, yanked=yanked,
                  metadata_sha256="cd" * 32, has_metadata=True)
    page = ProjectPage("foo", (f,))
    from_json = parse_json_page("foo", project_json(page), "https://index.example/simple/foo/")
    assert from_json == page
    from_html = parse_html_page("foo", project_html(page), "https://index.example/simple/foo/")
    # HTML has no size; everything else comes back as written, markup included
    assert from_html.files[0] == IndexFile(
        f.filename, f.url, f.sha256, None, requires_python, yanked, f.metadata_sha256, True)


def test_relative_links_resolve_against_the_page() -> None:
    body = (b'<a href="../../files/foo-1.0.tar.gz#sha256=' + b"ef" * 32 +
            b'" data-yanked="">foo-1.0.tar.gz</a>')
    page = parse_html_page("Foo", body, "http://up.example/simple/foo/")
    assert page.name == "foo"
    assert page.files[0].url == "http://up.example/files/foo-1.0.tar.gz"
    assert page.files[0].sha256 == "ef" * 32 and page.files[0].yanked is True
