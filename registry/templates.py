"""The files `signoff registry init` writes besides registry.yaml: CI workflow, README, guide.

They live as plain files in `registry/templates/` (package data) so that they can be read, linted
and diffed as what they are; this module loads them and fills in how the workflows install
signoff (`signoff.registry.signoff_source`: pinned by sha256 or by git commit).
"""

from __future__ import annotations

from importlib import resources

from signoff.registry.signoff_source import SignoffSource

TEMPLATE_PATHS = (".github/workflows/validate.yml", "CONTRIBUTING.md", "README.md")
"""Registry paths of the templates, which are also their paths under `registry/templates/`."""
PAGES_TEMPLATE_PATHS = (".github/workflows/pages.yml", "pages-policy.yaml")
"""The optional GitHub Pages publisher (`registry init --pages-root FPR`) and its policy."""
INSTALL_MARK = b"@SIGNOFF_INSTALL@"
"""A line of a workflow that becomes the pinned install commands (at its indentation)."""
PIP_MARK = b"@SIGNOFF_PIP@"
"""Where a guide shows the `pip install` line for the same signoff."""
ROOTS_MARK = b"@PAGES_ROOTS@"


def template_files(source: SignoffSource) -> dict[str, bytes]:
    """Registry path -> bytes of every template, installing signoff from `source`."""
    return _load(TEMPLATE_PATHS, source, "")


def pages_template_files(roots: list[str], source: SignoffSource) -> dict[str, bytes]:
    """The Pages workflow and its policy, trusting `roots` (normalised fingerprints)."""
    files = _load(PAGES_TEMPLATE_PATHS, source, "[serve]")
    files["pages-policy.yaml"] = files["pages-policy.yaml"].replace(
        ROOTS_MARK, ", ".join(roots).encode())
    return files


def fill_install(text: bytes, source: SignoffSource, extras: str) -> bytes:
    """`text` with each INSTALL_MARK line replaced by the install commands, indented alike,
    and each PIP_MARK by the `pip install` line a person would type."""
    lines = []
    for line in text.split(b"\n"):
        indent, mark, _ = line.partition(INSTALL_MARK)
        if mark:
            lines += [indent + command.encode() for command in source.install_commands(extras)]
        else:
            lines.append(line)
    pip = f'pip install "{source.requirement(extras)}"'.encode()
    return b"\n".join(lines).replace(PIP_MARK, pip)


def _load(paths: tuple[str, ...], source: SignoffSource, extras: str) -> dict[str, bytes]:
    root = resources.files("signoff.registry").joinpath("templates")
    files = {}
    for path in paths:
        node = root
        for part in path.split("/"):
            node = node.joinpath(part)
        files[path] = fill_install(node.read_bytes(), source, extras)
    return files
