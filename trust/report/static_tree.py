"""A folder of generated static files (the vetted index, the site) that is rewritten only
where its content changed, so that a static host or a git-based publisher sees small diffs.

A manifest lists every file the generator wrote; files it no longer writes are removed, and
nothing it did not write is ever touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from signoff.attest.errors import InputError
from signoff.attest.files import write_atomic

MANIFEST = ".signoff-manifest.json"


@dataclass
class StaticTree:
    """Writes files under `root`, counting what changed."""

    root: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def write(self, relative: str, data: bytes) -> None:
        """Write one file unless it already holds exactly `data`."""
        parts = PurePosixPath(relative).parts
        if not parts or any(p in ("", ".", "..") or "\\" in p for p in parts) or \
                PurePosixPath(relative).is_absolute():
            raise InputError(f"refusing to write outside the output folder: {relative!r}")
        target = self.root.joinpath(*parts)
        self._seen.add(relative)
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            self.unchanged.append(relative)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise InputError(f"{target} exists and is not a regular file; not replaced")
        write_atomic(target, data)
        self.written.append(relative)

    def finish(self) -> None:
        """Remove files written last time and not this time; record this time's files."""
        manifest = self.root / MANIFEST
        before: list[str] = []
        if manifest.is_file():
            try:
                loaded = json.loads(manifest.read_text())
                before = [p for p in loaded.get("files", []) if isinstance(p, str)]
            except (ValueError, AttributeError):
                before = []
        for relative in sorted(set(before) - self._seen):
            parts = PurePosixPath(relative).parts
            if not parts or ".." in parts or PurePosixPath(relative).is_absolute():
                continue
            target = self.root.joinpath(*parts)
            if target.is_file() and not target.is_symlink():
                target.unlink()
                self.removed.append(relative)
                _remove_empty_parents(target.parent, self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(manifest, (json.dumps({"files": sorted(self._seen)}, indent=0) + "\n"
                                ).encode())

    def summary(self) -> str:
        """`3 written, 40 unchanged, 1 removed`."""
        return (f"{len(self.written)} written, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed")


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents and folder.is_dir() and \
            not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
