"""A release file named by a deployment input: what must be checked, and where it was named."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReleaseFile:
    """One release file (sdist or wheel) that a deployment would install."""

    project: str
    """PEP 503 normalised project name."""
    version: str
    """PEP 440 normalised version."""
    sha256: str
    """Lower-case hex digest the input names (or that hashing a local file produced)."""
    filename: str | None = None
    """The file's name, when the input knows it."""
    size: int | None = None
    """Size in bytes, when the input gives it."""
    source: str = ""
    """Where it was named, for humans: `requirements.txt:12`, `dist/foo-1.0.tar.gz`."""
    local_path: Path | None = None
    """A local copy to hash lazily, bounded by the attested size (folder inputs)."""
    requirement: str = ""
    """The requirement (or lock package) it belongs to, as the input names it: files sharing it
    make one row of the report. Empty when the input gives none (one row per project version)."""
    marker: str | None = None
    """The requirement's environment marker, when the input gives one."""


@dataclass(frozen=True)
class InputProblem:
    """A requirement that cannot be checked at all: unpinned, no hash, unparsable name."""

    source: str
    """Where it was named, `requirements.txt:7`."""
    requirement: str
    """The requirement as written, or the file name."""
    reason: str
    """Why it fails, in the words pip's hash-checking mode would use."""
    project: str | None = None
    """Normalised project, when known."""
    version: str | None = None
    """Normalised version, when pinned."""
    marker: str | None = None
    """The requirement's environment marker, when the input gives one."""
