"""pip's installation report: the JSON of `pip install --dry-run --report FILE` (format version 1).

Each `install[]` item names one file: project and version from `metadata`, the file name from
`download_info.url`, the sha256 from `download_info.archive_info.hashes` (or the older single
`hash` field, `sha256=HEX`). pip fills these in for index and `--find-links` files alike. An item
without a sha256 whose URL is a local `file:` URL is checked by hashing that file (bounded, like a
folder input); any other item without one, a directory (`dir_info`) or a VCS checkout
(`vcs_info`) is a problem. JSON gives no line numbers, so sources read `report.json: install[3]`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from signoff.attest.errors import InputFormatError
from signoff.attest.names import normalize_project, normalize_sha256, normalize_version
from signoff.trust.inputs.files import filename_from_location, local_path_of, local_release_file
from signoff.trust.inputs.interface import (
    DeploymentInput,
    Fields,
    InputContents,
    read_text,
)
from signoff.trust.release import InputProblem, ReleaseFile


class PipReportInput(DeploymentInput):
    """The JSON report of `pip install --dry-run --report FILE`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> InputContents:
        """One release file per `install[]` item; problems for directories, VCS, hashless URLs."""
        text = read_text(self.path, "pip report")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputFormatError(f"not valid JSON: {e.msg} (column {e.colno})",
                                   file=self.path, line=e.lineno) from e
        fields = Fields(self.path)
        top = fields.table(document, "report")
        version = fields.string(top.get("version"), "version")
        if version.split(".")[0] != "1":
            raise fields.fail("version", f"report format {version!r} is not supported (1 is)")
        files: list[ReleaseFile] = []
        problems: list[InputProblem] = []
        for index, raw in enumerate(fields.array(top.get("install"), "install")):
            found = self._item(fields, fields.table(raw, f"install[{index}]"), f"install[{index}]")
            if isinstance(found, ReleaseFile):
                files.append(found)
            else:
                problems.append(found)
        return InputContents(tuple(files), tuple(problems))

    def _item(self, fields: Fields, item: dict[str, Any], where: str
              ) -> ReleaseFile | InputProblem:
        metadata = fields.table(item.get("metadata"), f"{where}.metadata")
        name = fields.string(metadata.get("name"), f"{where}.metadata.name")
        raw_version = fields.string(metadata.get("version"), f"{where}.metadata.version")
        try:
            project = normalize_project(name)
            version = normalize_version(raw_version)
        except ValueError as e:
            raise fields.fail(f"{where}.metadata", str(e)) from e
        source = f"{self.path}: {where} ({project}=={version})"
        info = fields.table(item.get("download_info"), f"{where}.download_info")
        url = fields.string(info.get("url"), f"{where}.download_info.url")
        requirement = f"{name}=={raw_version} from {url}"
        kinds = [kind for kind in ("vcs_info", "dir_info", "archive_info") if kind in info]
        if len(kinds) > 1:
            raise fields.fail(f"{where}.download_info", f"has both {kinds[0]} and {kinds[1]}: "
                              "pip writes one")
        if "vcs_info" in info:
            return InputProblem(source, requirement, "is a VCS checkout, not a release file",
                                project, version)
        if "archive_info" not in info:
            return InputProblem(source, requirement,
                                "is a local directory (a source tree), not a release file",
                                project, version)
        archive = fields.table(info["archive_info"], f"{where}.download_info.archive_info")
        digest = self._sha256(fields, archive, f"{where}.download_info.archive_info")
        filename = filename_from_location(url)
        if digest is not None:
            return ReleaseFile(project, version, digest, filename=filename, source=source,
                               requirement=source)
        local = local_path_of(url)
        if local is not None:
            return replace(local_release_file(local, source), requirement=source)
        return InputProblem(source, requirement, "has no sha256 hash in the report",
                            project, version)

    @staticmethod
    def _sha256(fields: Fields, archive: dict[str, Any], where: str) -> str | None:
        found: list[str] = []
        if "hashes" in archive:
            hashes = fields.table(archive["hashes"], f"{where}.hashes")
            value = fields.optional_string(hashes, "sha256", f"{where}.hashes")
            found += [value] if value is not None else []
        if "hash" in archive:
            name, _, digest = fields.string(archive["hash"], f"{where}.hash").partition("=")
            found += [digest] if name == "sha256" else []
        try:
            digests = {normalize_sha256(value) for value in found}
        except ValueError as e:
            raise fields.fail(where, str(e)) from e
        if len(digests) > 1:
            # Which one pip checked is not in the report; neither can be trusted alone.
            raise fields.fail(where, "`hash` and `hashes` name different sha256 digests")
        return next(iter(digests), None)
