"""File names from the package index a deployment installs from (`--index-url`).

A requirements file names its files by hash only, so without help a wheel for another platform
cannot be told from one for the target. The index pip will read lists each file's name with its
hash: reading the same project pages gives every hash its name, as pip will see it. Only files
the input names without a name are looked up, one page per project, and a hash the index does
not list keeps no name (it then counts as a file an installer could take).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from signoff.attest.errors import TransportError
from signoff.trust.release import ReleaseFile
from signoff.trust.simple.parse import MAX_PAGE_BYTES, PageFormatError, parse_project_page

if TYPE_CHECKING:
    import httpx

_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
           "text/html;q=0.01")


def name_files_from_index(files: Sequence[ReleaseFile], index_url: str,
                          timeout: float = 30.0) -> list[ReleaseFile]:
    """`files`, each file without a name given the name the index lists for its hash."""
    projects = sorted({f.project for f in files if f.filename is None and f.sha256})
    if not projects:
        return list(files)
    import httpx  # only here: `check` without --index-url never loads the HTTP stack
    base = index_url if index_url.endswith("/") else index_url + "/"
    names: dict[str, str] = {}
    with httpx.Client(timeout=timeout, follow_redirects=True,
                      headers={"Accept": _ACCEPT}) as client:
        for project in projects:
            names.update(_page_names(client, f"{base}{project}/", project))
    return [replace(f, filename=names[f.sha256])
            if f.filename is None and f.sha256 in names else f for f in files]


def _page_names(client: httpx.Client, url: str, project: str) -> dict[str, str]:
    import httpx

    try:
        with client.stream("GET", url) as response:
            if response.status_code == 404:
                return {}
            if response.status_code != 200:
                raise TransportError(f"{url}: the index answered {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise TransportError(f"{url}: the page is over {MAX_PAGE_BYTES} bytes")
            page = parse_project_page(project, bytes(body),
                                      response.headers.get("content-type", ""), str(response.url))
    except httpx.HTTPError as e:
        raise TransportError(f"{url}: cannot read the index: {e}") from e
    except PageFormatError as e:
        raise TransportError(f"{url}: not a project page: {e}") from e
    return {f.sha256: f.filename for f in page.files if f.sha256}
