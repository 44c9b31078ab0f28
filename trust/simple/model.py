"""What one project page of a simple repository lists, as values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexFile:
    """One file a project page links to."""

    filename: str
    """The file's name, as the link text (HTML) or `filename` (JSON) gives it."""
    url: str
    """Absolute URL of the file, without a fragment."""
    sha256: str | None
    """Lower-case hex digest from `hashes` or the `#sha256=` fragment, when given."""
    size: int | None = None
    """Size in bytes (PEP 700), when given."""
    requires_python: str | None = None
    """The `requires-python` specifier, when given."""
    yanked: bool | str = False
    """False, True, or the reason it was yanked (PEP 592)."""
    metadata_sha256: str | None = None
    """sha256 of the core metadata file (PEP 658/714), when the index serves one with a hash."""
    has_metadata: bool = False
    """The index serves core metadata at `url + '.metadata'` (PEP 658/714)."""
    upload_time: str | None = None
    """ISO 8601 upload time (PEP 700), when given."""


@dataclass(frozen=True)
class ProjectPage:
    """A project page: its normalised name and the files it lists."""

    name: str
    """PEP 503 normalised project name."""
    files: tuple[IndexFile, ...]
    """Every file listed, in the page's order."""
