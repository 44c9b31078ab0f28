"""The files `signoff registry init` writes besides registry.yaml: CI workflow, README, guide.

They live as plain files in `registry/templates/` (package data) so that they can be read, linted
and diffed as what they are; this module loads them and fills in the signoff version that the
workflow installs.
"""

from __future__ import annotations

from importlib import metadata, resources

TEMPLATE_PATHS = (".github/workflows/validate.yml", "CONTRIBUTING.md", "README.md")
"""Registry paths of the templates, which are also their paths under `registry/templates/`."""
PAGES_TEMPLATE_PATHS = (".github/workflows/pages.yml", "pages-policy.yaml")
"""The optional GitHub Pages publisher (`registry init --pages-root FPR`) and its policy."""
VERSION_MARK = b"@SIGNOFF_VERSION@"
ROOTS_MARK = b"@PAGES_ROOTS@"
_FALLBACK_VERSION = "0.1.0"


def signoff_version() -> str:
    """The installed signoff's version: the one a new registry's CI should install."""
    try:
        return metadata.version("signoff")
    except metadata.PackageNotFoundError:
        return _FALLBACK_VERSION


def template_files() -> dict[str, bytes]:
    """Registry path -> bytes of every template, with the signoff version filled in."""
    return _load(TEMPLATE_PATHS)


def pages_template_files(roots: list[str]) -> dict[str, bytes]:
    """The Pages workflow and its policy, trusting `roots` (normalised fingerprints)."""
    files = _load(PAGES_TEMPLATE_PATHS)
    files["pages-policy.yaml"] = files["pages-policy.yaml"].replace(
        ROOTS_MARK, ", ".join(roots).encode())
    return files


def _load(paths: tuple[str, ...]) -> dict[str, bytes]:
    root = resources.files("signoff.registry").joinpath("templates")
    version = signoff_version().encode()
    files = {}
    for path in paths:
        node = root
        for part in path.split("/"):
            node = node.joinpath(part)
        files[path] = node.read_bytes().replace(VERSION_MARK, version)
    return files
