"""uv's lock file, `uv.lock` (lock format version 1).

Every `[[package]]` names its files in `sdist = {...}` and `wheels = [{...}, ...]`, each with a
`url`, `path` or `filename`, an optional `hash = "sha256:HEX"` and an optional `size`.

Which packages are release files:
- The project the lock was made for has `source = { editable = "." }` or `{ virtual = "." }`.
  It is the user's own code, not something downloaded, so it is skipped without a problem.
  The same holds for workspace members (`editable`/`virtual` under the lock's folder).
- A package from a registry or a URL names its files with hashes. A file without one is a
  problem, except a local one: uv records no hash for files it finds through `--find-links` on a
  local folder, only a path (relative to that folder, itself relative to the lock). Such a file
  is checked by hashing it, bounded, like a folder input.
- `git`, `directory`, `editable` and `virtual` packages (outside the lock's folder) are source
  trees: problems, even when they also list files, since uv builds them from their source. So is a
  source of a kind this reader does not know. A `path` package without files is one too.

Each package's files carry the marker under which the project reaches it (`uv_markers`), so that
a target can skip what it never installs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from signoff.attest.names import normalize_sha256
from signoff.trust.inputs.files import (
    filename_from_location,
    local_path_of,
    local_release_file,
    version_of,
)
from signoff.trust.inputs.interface import (
    DeploymentInput,
    Fields,
    InputContents,
    read_toml,
)
from signoff.trust.inputs.uv_markers import package_markers
from signoff.trust.release import InputProblem, ReleaseFile

_LOCAL_PROJECT_SOURCES = ("editable", "virtual")
# Source kinds whose files are release files; anything else is built from a source tree.
_FILE_SOURCES = ("registry", "url", "path")


class UvLockInput(DeploymentInput):
    """A `uv.lock`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> InputContents:
        """One release file per sdist and wheel; the user's own project is skipped."""
        document = read_toml(self.path, "uv lock file")
        fields = Fields(self.path)
        version = document.get("version")
        if version != 1:
            raise fields.fail("version", f"lock format {version!r} is not supported (1 is)")
        files: list[ReleaseFile] = []
        problems: list[InputProblem] = []
        tables = [fields.table(raw, f"package[{index}]") for index, raw in
                  enumerate(fields.array(document.get("package", []), "package"))]
        markers = package_markers(tables, [i for i, t in enumerate(tables)
                                           if self._is_project(fields, t, f"package[{i}]")])
        for index, table in enumerate(tables):
            self._package(fields, table, f"package[{index}]", files, problems,
                          markers.get(index))
        return InputContents(tuple(files), tuple(problems))

    def _is_project(self, fields: Fields, package: dict[str, Any], where: str) -> bool:
        """Whether a package is the user's own project (or a workspace member)."""
        source_table = fields.table(package.get("source", {}), f"{where}.source")
        kind = next(iter(source_table), None)
        return kind in _LOCAL_PROJECT_SOURCES and self._inside_lock_folder(
            fields.string(source_table[kind], f"{where}.source.{kind}"))

    def _package(self, fields: Fields, package: dict[str, Any], where: str,
                 files: list[ReleaseFile], problems: list[InputProblem],
                 marker: str | None) -> None:
        name, project, raw_version, version = fields.name_and_version(package, where)
        requirement = name if raw_version is None else f"{name}=={raw_version}"
        source_table = fields.table(package.get("source", {}), f"{where}.source")
        kind = next(iter(source_table), None)
        if self._is_project(fields, package, where):
            return
        trees = [key for key in source_table if key not in (*_FILE_SOURCES, "subdirectory")]
        if source_table and (trees or kind not in _FILE_SOURCES):
            problems.append(InputProblem(
                f"{self.path}: {where} ({requirement})", requirement,
                f"is built from a {(trees or [str(kind)])[0]} source, not a release file",
                project, version, marker))
            return
        base = self._file_base(fields, source_table, where)
        artifacts: list[tuple[str, dict[str, Any]]] = []
        if "sdist" in package:
            artifacts.append((f"{where}.sdist", fields.table(package["sdist"], f"{where}.sdist")))
        for i, wheel in enumerate(fields.array(package.get("wheels", []), f"{where}.wheels")):
            artifacts.append((f"{where}.wheels[{i}]", fields.table(wheel, f"{where}.wheels[{i}]")))
        if not artifacts:
            what = f"a {kind} source" if kind else "no source"
            problems.append(InputProblem(f"{self.path}: {where} ({requirement})", requirement,
                                         f"names no release file ({what})", project, version,
                                         marker))
            return
        for artifact_where, artifact in artifacts:
            found = self._artifact(fields, artifact, artifact_where, project, version, base)
            if isinstance(found, ReleaseFile):
                files.append(replace(found, requirement=f"{self.path}: {where} ({requirement})",
                                     marker=marker))
            else:
                problems.append(replace(found, marker=marker))

    def _inside_lock_folder(self, location: str) -> bool:
        folder = self.path.parent.resolve()
        target = (folder / location).resolve()
        return target == folder or folder in target.parents

    def _file_base(self, fields: Fields, source: dict[str, Any], where: str) -> Path:
        # Relative file paths are relative to a local registry folder, itself relative to the lock.
        registry = source.get("registry")
        folder = self.path.parent
        if isinstance(registry, str) and "://" not in registry:
            return folder / fields.string(registry, f"{where}.source.registry")
        return folder

    def _artifact(self, fields: Fields, artifact: dict[str, Any], where: str, project: str,
                  version: str | None, base: Path) -> ReleaseFile | InputProblem:
        url = fields.optional_string(artifact, "url", where)
        path = fields.optional_string(artifact, "path", where)
        filename = fields.optional_string(artifact, "filename", where)
        location = url or path or filename
        if location is None:
            raise fields.fail(where, "has neither `url`, `path` nor `filename`")
        filename = filename or filename_from_location(location)
        source = f"{self.path}: {where} ({filename})"
        found = version_of(filename, version, source, project)
        if isinstance(found, InputProblem):
            return found
        version = found
        size = fields.optional_size(artifact, "size", where)
        raw_hash = fields.optional_string(artifact, "hash", where)
        if raw_hash is not None:
            algorithm, _, digest = raw_hash.partition(":")
            if algorithm == "sha256":
                try:
                    sha256 = normalize_sha256(digest)
                except ValueError as e:
                    raise fields.fail(f"{where}.hash", str(e)) from e
                return ReleaseFile(project, version, sha256, filename=filename, size=size,
                                   source=source)
        local = (base / path) if path is not None else (local_path_of(url) if url else None)
        if local is not None:
            return local_release_file(local, source)
        return InputProblem(source, filename, "has no sha256 hash (attestations name files by "
                            "sha256)", project, version)
