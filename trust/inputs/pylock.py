"""PEP 751 lock files: `pylock.toml` and `pylock.NAME.toml`, as `pip lock` writes them.

Every `[[packages]]` entry names its files in `sdist`, `wheels` or `archive`, each with `hashes`
(a table of algorithm to hex digest), an optional `size`, and a `name` or a `url`/`path` from which
the file name is taken. A file without a sha256 is a problem (attestations name files by sha256).
A package's `version` is optional in PEP 751; when it is missing the version is read from the file
name. `vcs` and `directory` packages are source trees, not release files: they are problems,
except a `directory` at `.`, which is the project the lock was made for (the user's own code).
TOML gives no line numbers once parsed, so sources read `pylock.toml: packages[2].wheels[0]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attest.names import normalize_project, normalize_sha256, normalize_version
from trust.inputs.files import filename_from_location, parse_release_filename
from trust.inputs.interface import (
    DeploymentInput,
    Fields,
    InputContents,
    read_toml,
)
from trust.release import InputProblem, ReleaseFile


class PylockInput(DeploymentInput):
    """A PEP 751 `pylock.toml`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> InputContents:
        """One release file per sdist, wheel or archive; problems for what cannot be checked."""
        document = read_toml(self.path, "pylock file")
        fields = Fields(self.path)
        lock_version = fields.string(document.get("lock-version"), "lock-version")
        # PEP 751: a tool MUST refuse a major version it does not know.
        if lock_version.split(".")[0] != "1":
            raise fields.fail("lock-version", f"{lock_version!r} is not supported (1.x is)")
        files: list[ReleaseFile] = []
        problems: list[InputProblem] = []
        for index, raw in enumerate(fields.array(document.get("packages", []), "packages")):
            where = f"packages[{index}]"
            self._package(fields, fields.table(raw, where), where, files, problems)
        return InputContents(tuple(files), tuple(problems))

    def _package(self, fields: Fields, package: dict[str, Any], where: str,
                 files: list[ReleaseFile], problems: list[InputProblem]) -> None:
        name = fields.string(package.get("name"), f"{where}.name")
        raw_version = fields.optional_string(package, "version", where)
        try:
            project = normalize_project(name)
            version = None if raw_version is None else normalize_version(raw_version)
        except ValueError as e:
            raise fields.fail(where, str(e)) from e
        requirement = name if raw_version is None else f"{name}=={raw_version}"
        source = f"{self.path}: {where} ({requirement})"
        artifacts: list[tuple[str, dict[str, Any]]] = []
        if "sdist" in package:
            artifacts.append((f"{where}.sdist", fields.table(package["sdist"], f"{where}.sdist")))
        for i, wheel in enumerate(fields.array(package.get("wheels", []), f"{where}.wheels")):
            artifacts.append((f"{where}.wheels[{i}]", fields.table(wheel, f"{where}.wheels[{i}]")))
        if "archive" in package:
            artifacts.append((f"{where}.archive",
                              fields.table(package["archive"], f"{where}.archive")))
        if "vcs" in package:
            problems.append(InputProblem(source, requirement,
                                         "is a VCS checkout, not a release file", project, version))
        if "directory" in package:
            directory = fields.table(package["directory"], f"{where}.directory")
            path = fields.optional_string(directory, "path", f"{where}.directory")
            if path not in (".", "./"):
                problems.append(InputProblem(source, requirement,
                                             "is a local directory (a source tree), not a release "
                                             "file", project, version))
            return
        if not artifacts and "vcs" not in package:
            problems.append(InputProblem(source, requirement, "names no file to install",
                                         project, version))
        for artifact_where, artifact in artifacts:
            found = self._artifact(fields, artifact, artifact_where, project, version)
            if isinstance(found, ReleaseFile):
                files.append(found)
            else:
                problems.append(found)

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
        if version is None:
            try:
                _, version = parse_release_filename(filename)
            except ValueError:
                return InputProblem(source, filename, "has no version, and its file name gives "
                                    "none", project)
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
        return ReleaseFile(project, version, sha256, filename=filename, size=size, source=source)
