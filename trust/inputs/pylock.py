"""PEP 751 lock files: `pylock.toml` and `pylock.NAME.toml`, as `pip lock` writes them.

Every `[[packages]]` entry names its files in `sdist`, `wheels` or `archive`, each with `hashes`
(a table of algorithm to hex digest), an optional `size`, and a `name` or a `url`/`path` from which
the file name is taken. A file without a sha256 is a problem (attestations name files by sha256).
A package's `version` is optional in PEP 751; when it is missing the version is read from the file
name. `vcs` and `directory` packages are source trees, not release files: they are problems,
except a package whose only source is a `directory` at `.`, which is the project the lock was made
for (the user's own code). PEP 751 makes `vcs`, `directory`, `archive` and the index files
(`sdist`, `wheels`) exclusive: a package that mixes them is refused as malformed, since an
installer may take whichever it prefers, and only some of them can be vetted.
TOML gives no line numbers once parsed, so sources read `pylock.toml: packages[2].wheels[0]`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from signoff.attest.names import normalize_sha256
from signoff.trust.inputs.files import filename_from_location, version_of
from signoff.trust.inputs.interface import (
    DeploymentInput,
    Fields,
    InputContents,
    read_toml,
)
from signoff.trust.release import InputProblem, ReleaseFile

# PEP 751's mutually exclusive source kinds, and the keys that make each.
_SOURCE_KINDS = {"vcs": ("vcs",), "directory": ("directory",), "archive": ("archive",),
                 "index files": ("sdist", "wheels")}


@dataclass(frozen=True)
class LocatedEntry:
    """A release file, or a problem, with where it sits in the lock (for `signoff lock`)."""

    package: int
    """Index in `packages`."""
    part: str
    """`sdist`, `wheels`, `archive`, or `package` for a problem about the package itself."""
    index: int | None
    """Index in `wheels`, for wheels."""
    found: ReleaseFile | InputProblem
    """What the entry names."""


class PylockInput(DeploymentInput):
    """A PEP 751 `pylock.toml`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> InputContents:
        """One release file per sdist, wheel or archive; problems for what cannot be checked."""
        located = self.read_located()
        return InputContents(
            tuple(e.found for e in located if isinstance(e.found, ReleaseFile)),
            tuple(e.found for e in located if isinstance(e.found, InputProblem)))

    def read_located(self) -> list[LocatedEntry]:
        """Every release file and problem, each with its place in the lock, in order."""
        document = read_toml(self.path, "pylock file")
        fields = Fields(self.path)
        lock_version = fields.string(document.get("lock-version"), "lock-version")
        # PEP 751: a tool MUST refuse a major version it does not know.
        if lock_version.split(".")[0] != "1":
            raise fields.fail("lock-version", f"{lock_version!r} is not supported (1.x is)")
        located: list[LocatedEntry] = []
        for index, raw in enumerate(fields.array(document.get("packages", []), "packages")):
            where = f"packages[{index}]"
            located += self._package(fields, fields.table(raw, where), index, where)
        return located

    def _package(self, fields: Fields, package: dict[str, Any], number: int, where: str
                 ) -> list[LocatedEntry]:
        name, project, raw_version, version = fields.name_and_version(package, where)
        requirement = name if raw_version is None else f"{name}=={raw_version}"
        source = f"{self.path}: {where} ({requirement})"
        # (part, index in wheels, where, table)
        artifacts: list[tuple[str, int | None, str, dict[str, Any]]] = []
        if "sdist" in package:
            artifacts.append(("sdist", None, f"{where}.sdist",
                              fields.table(package["sdist"], f"{where}.sdist")))
        for i, wheel in enumerate(fields.array(package.get("wheels", []), f"{where}.wheels")):
            artifacts.append(("wheels", i, f"{where}.wheels[{i}]",
                              fields.table(wheel, f"{where}.wheels[{i}]")))
        if "archive" in package:
            artifacts.append(("archive", None, f"{where}.archive",
                              fields.table(package["archive"], f"{where}.archive")))

        def problem(reason: str) -> LocatedEntry:
            return LocatedEntry(number, "package", None, InputProblem(
                source, requirement, reason, project, version,
                fields.optional_string(package, "marker", where)))

        kinds = [kind for kind, keys in _SOURCE_KINDS.items() if any(k in package for k in keys)]
        if len(kinds) > 1:
            raise fields.fail(where, f"mixes {' and '.join(kinds)} sources, which PEP 751 makes "
                              "exclusive: an installer may pick any of them")
        if "directory" in package:
            directory = fields.table(package["directory"], f"{where}.directory")
            path = fields.optional_string(directory, "path", f"{where}.directory")
            if path in (".", "./"):
                return []
            return [problem("is a local directory (a source tree), not a release file")]
        if "vcs" in package:
            fields.table(package["vcs"], f"{where}.vcs")
            return [problem("is a VCS checkout, not a release file")]
        located = [] if artifacts else [problem("names no file to install")]
        marker = fields.optional_string(package, "marker", where)
        for part, index, artifact_where, artifact in artifacts:
            found = self._artifact(fields, artifact, artifact_where, project, version)
            found = (replace(found, requirement=source, marker=marker)
                     if isinstance(found, ReleaseFile) else replace(found, marker=marker))
            located.append(LocatedEntry(number, part, index, found))
        return located

    def _artifact(self, fields: Fields, artifact: dict[str, Any], where: str, project: str,
                  version: str | None) -> ReleaseFile | InputProblem:
        filename = fields.optional_string(artifact, "name", where)
        if filename is None:
            location = (fields.optional_string(artifact, "url", where)
                        or fields.optional_string(artifact, "path", where))
            if location is None:
                raise fields.fail(where, "has neither `name`, `url` nor `path`")
            filename = filename_from_location(location)
        source = f"{self.path}: {where} ({filename})"
        found = version_of(filename, version, source, project)
        if isinstance(found, InputProblem):
            return found
        version = found
        size = fields.optional_size(artifact, "size", where)
        hashes = fields.table(artifact.get("hashes"), f"{where}.hashes")
        digest = fields.optional_string(hashes, "sha256", f"{where}.hashes")
        if digest is None:
            return InputProblem(source, filename, "has no sha256 hash (attestations name files "
                                "by sha256)", project, version)
        try:
            sha256 = normalize_sha256(digest)
        except ValueError as e:
            raise fields.fail(f"{where}.hashes.sha256", str(e)) from e
        others = sorted(set(hashes) - {"sha256"})
        if others:
            # An installer may verify any one of these; only the sha256 is vouched for.
            return InputProblem(source, filename, f"also lists {', '.join(others)} hashes, "
                                "which an installer may check instead of the vetted sha256",
                                project, version)
        return ReleaseFile(project, version, sha256, filename=filename, size=size, source=source)
