"""One interface for every deployment input: requirements, pylock.toml, pip reports, uv.lock, files.

Each input reads the files it names into `InputContents`: the release files to check, and the
problems that make some requirement uncheckable (unpinned, no hash, a URL). Malformed input is an
`InputFormatError` whose message starts with the file name, and the line when there is one.

A release file named only by a local path (a folder of files, or a lock that points at local files
without a hash) comes out with an empty `sha256` and `local_path` set: the checker hashes it,
bounded by the sizes attested for its file name, so that an oversized file is never read whole.
"""

from __future__ import annotations

import re
import tomllib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.attest.errors import InputFormatError
from signoff.attest.files import read_bounded as read_file_bounded
from signoff.attest.limits import LIMITS
from signoff.attest.names import normalize_project, normalize_version
from signoff.trust.release import InputProblem, ReleaseFile


@dataclass(frozen=True)
class InputContents:
    """What a deployment input names."""

    files: tuple[ReleaseFile, ...]
    """Release files to check, in the input's order."""
    problems: tuple[InputProblem, ...]
    """Requirements that cannot be checked at all; each one fails the check."""


class DeploymentInput(ABC):
    """A file (or folder) that names the release files a deployment would install."""

    path: Path
    """The file or folder given by the user."""

    @abstractmethod
    def read(self) -> InputContents:
        """Parse the input; raise `InputFormatError` when it is malformed."""


def read_bounded(path: Path, what: str) -> bytes:
    """The bytes of a regular file of at most `LIMITS.input_bytes`; `InputFormatError` otherwise."""
    return read_file_bounded(path, what, LIMITS.input_bytes, InputFormatError)


def read_text(path: Path, what: str) -> str:
    """`read_bounded` decoded as UTF-8; `InputFormatError` naming the file when it is not."""
    data = read_bounded(path, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputFormatError(f"{what} is not UTF-8", file=path, line=line) from e


def detect_input(path: Path) -> DeploymentInput:
    """The input for a path given positionally, its format taken from its name (issue 5's rules).

    `*.txt` and `*.in` are requirements, `pylock.toml` and `pylock.*.toml` are pylock, `uv.lock` is
    uv's, `*.json` is a pip report, and anything else is a release file or a folder of them.
    """
    # Imported here: the implementations import this module for the interface.
    from signoff.trust.inputs.files import ReleaseFilesInput
    from signoff.trust.inputs.pip_report import PipReportInput
    from signoff.trust.inputs.pylock import PylockInput
    from signoff.trust.inputs.requirements import RequirementsInput
    from signoff.trust.inputs.uv_lock import UvLockInput

    name = path.name
    if path.is_dir():
        return ReleaseFilesInput(path)
    if name.endswith((".txt", ".in")):
        return RequirementsInput(path)
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")
                                 and len(name) > len("pylock..toml")):
        return PylockInput(path)
    if name == "uv.lock":
        return UvLockInput(path)
    if name.endswith(".json"):
        return PipReportInput(path)
    return ReleaseFilesInput(path)


class Fields:
    """Typed access to a parsed TOML or JSON document, with errors naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> InputFormatError:
        """The error for a bad value at `where` (a key path such as `packages[2].wheels[0]`)."""
        return InputFormatError(f"{where}: {message}", file=self.path)

    def table(self, value: object, where: str) -> dict[str, Any]:
        """`value` as a table (a TOML table, a JSON object)."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a table, found {_kind(value)}")
        return value

    def array(self, value: object, where: str) -> list[Any]:
        """`value` as an array."""
        if not isinstance(value, list):
            raise self.fail(where, f"expected an array, found {_kind(value)}")
        return value

    def string(self, value: object, where: str) -> str:
        """`value` as a string."""
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, found {_kind(value)}")
        return value

    def optional_string(self, table: dict[str, Any], key: str, where: str) -> str | None:
        """`table[key]` as a string, or None when absent."""
        return None if key not in table else self.string(table[key], f"{where}.{key}")

    def name_and_version(self, table: dict[str, Any], where: str
                         ) -> tuple[str, str, str | None, str | None]:
        """`name` and optional `version` of a package table: as written, and normalised."""
        name = self.string(table.get("name"), f"{where}.name")
        raw_version = self.optional_string(table, "version", where)
        try:
            project = normalize_project(name)
            version = None if raw_version is None else normalize_version(raw_version)
        except ValueError as e:
            raise self.fail(where, str(e)) from e
        return name, project, raw_version, version

    def optional_size(self, table: dict[str, Any], key: str, where: str) -> int | None:
        """`table[key]` as a size in bytes (an integer >= 0), or None when absent."""
        if key not in table:
            return None
        value = table[key]
        # bool is an int to Python; a size of `true` is still malformed.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"{where}.{key}", f"expected a size in bytes, found {value!r}")
        return value


def _kind(value: object) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A bounded TOML file, parsed; `InputFormatError` with the line on a syntax error."""
    text = read_text(path, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        raise InputFormatError(f"invalid TOML: {_TOML_POSITION.sub('', message)}",
                               file=path, line=line) from e
