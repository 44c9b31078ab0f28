"""pip requirements files, in pip's full syntax, as hash-checking mode would read them.

Parser: pip-requirements-parser (aboutcode-org). It vendors pip's own `req_file.py` line handling
(line continuations, comments, option parsing with optparse, `--hash` repeated or given in several
options, markers, extras, editables, URL requirements), so a line means here what it means to pip,
and it is maintained as pip changes. The alternatives were worse: importing `pip._internal` is not
a supported API and changes between releases; `requirements-parser` does not follow pip's option
grammar (it misses `--hash` after a continuation, `-c`). Its one weakness is that it follows
`-r`/`-c` includes without limits (no cycle check, no depth or size cap, missing files surfacing
as a bare exception), so includes are followed here instead, one file at a time: each file is
parsed with `include_nested=False`, after it has been checked to be a regular file of at most
`LIMITS.input_bytes`; includes are resolved relative to the including file, up to
`LIMITS.include_depth`, and a cycle or a missing file is an error naming the including line.

Each requirement becomes a `RequirementEntry` that keeps its file and its physical line span, so
that `signoff lock` can rewrite the file in place, keeping comments, markers and order. Markers
are not evaluated here: the checker evaluates them when given a deployment target, and otherwise
checks every requirement, whatever platform it is meant for.

Not supported, as errors or problems rather than silently: remote (`http:`) includes, `${VAR}`
expansion in include paths (pip expands environment variables; an include naming one is reported
as missing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pip_requirements_parser as prp

from signoff.attest.errors import InputFormatError
from signoff.attest.limits import LIMITS
from signoff.attest.names import normalize_project, normalize_sha256, normalize_version
from signoff.trust.inputs.interface import (
    DeploymentInput,
    InputContents,
    read_bounded,
)
from signoff.trust.release import InputProblem, ReleaseFile

# The hash names pip accepts for --hash; anything else is an error to pip as well.
_PIP_HASH_NAMES = frozenset({"sha256", "sha384", "sha512"})

NOT_PINNED = "is not pinned with == (hash-checking mode needs an exact version)"
NO_HASH = "has no --hash (hash-checking mode needs the hash of every file it may install)"
NO_SHA256 = "has no sha256 --hash (attestations name files by sha256)"


@dataclass(frozen=True)
class RequirementEntry:
    """One requirement line of a requirements file, with where it sits."""

    file: Path
    """The file it is written in (as reached from the top file, not resolved)."""
    line: int
    """First physical line, 1-based."""
    end_line: int
    """Last physical line, after `\\` continuations."""
    text: str
    """The requirement without its options: `alpha[fast]==1.0; python_version > "3"`."""
    marker: str | None
    """Its environment marker (evaluated by the checker against a target, when one is given)."""
    project: str | None
    """PEP 503 name, when the requirement names a project."""
    version: str | None
    """PEP 440 normalised version, when pinned with == or ===."""
    sha256: tuple[str, ...]
    """The sha256 hashes given with --hash, in order."""
    other_hashes: tuple[str, ...]
    """Other --hash options (`sha512:...`) as written: pip accepts a file matching any of them."""
    is_constraint: bool
    """Read from a `-c` file: it limits versions but installs nothing."""
    problem: str | None
    """Why it cannot be checked (unpinned, no hash, a URL), or None."""

    @property
    def source(self) -> str:
        """`FILE:LINE` for humans."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class IncludeLine:
    """A `-r` or `-c` option line, and the file it includes."""

    file: Path
    """The including file."""
    line: int
    """First physical line of the option, 1-based."""
    end_line: int
    """Last physical line, after `\\` continuations."""
    target: Path
    """The included file, relative to the including one as pip resolves it."""
    constraint: bool
    """True for `-c` (or anything reached through one)."""


@dataclass(frozen=True)
class RequirementsDocument:
    """A requirements file and every file it includes, parsed."""

    top: Path
    """The file given."""
    entries: tuple[RequirementEntry, ...]
    """Every requirement, includes expanded in place, constraints included."""
    includes: tuple[IncludeLine, ...]
    """Every `-r`/`-c` line followed, in reading order."""
    lines: dict[Path, tuple[str, ...]]
    """The physical lines of every file read, as parsed, the top one first."""

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file read, the top one first."""
        return tuple(self.lines)


class RequirementsInput(DeploymentInput):
    """A pip requirements file (`-r FILE`, or `*.txt`/`*.in` given positionally)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> InputContents:
        """One release file per sha256 of each pinned requirement; problems for the rest."""
        return contents_of(parse_requirements(self.path))


def contents_of(document: RequirementsDocument) -> InputContents:
    """The release files and problems a parsed requirements document names."""
    files: list[ReleaseFile] = []
    problems: list[InputProblem] = []
    for entry in document.entries:
        if entry.is_constraint:
            continue
        if entry.problem is not None:
            problems.append(InputProblem(entry.source, entry.text, entry.problem,
                                         entry.project, entry.version, entry.marker))
            continue
        assert entry.project is not None and entry.version is not None
        if entry.other_hashes:
            # pip installs a file matching ANY listed hash: a sha384/sha512 may name a file
            # that no attestation vouches for. `lock` drops them; `check` cannot pass them.
            algorithms = sorted({h.split(":")[0] for h in entry.other_hashes})
            problems.append(InputProblem(
                entry.source, entry.text,
                f"also lists {', '.join(algorithms)} hashes, which pip would accept for a file "
                "no attestation names (signoff lock writes a file without them)",
                entry.project, entry.version, entry.marker))
        files.extend(ReleaseFile(entry.project, entry.version, digest, source=entry.source,
                                 requirement=entry.source, marker=entry.marker)
                     for digest in entry.sha256)
    return InputContents(tuple(files), tuple(problems))


def parse_requirements(path: Path) -> RequirementsDocument:
    """Parse `path` and its includes; `InputFormatError` naming the file and line on bad input."""
    reader = _Reader()
    reader.parse_file(path, is_constraint=False, chain=())
    return RequirementsDocument(path, tuple(reader.entries), tuple(reader.includes),
                                reader.lines)


class _Reader:
    """Reads one file at a time, following includes itself (see the module's docstring)."""

    def __init__(self) -> None:
        self.entries: list[RequirementEntry] = []
        self.includes: list[IncludeLine] = []
        self.lines: dict[Path, tuple[str, ...]] = {}
        self.files_read = 0

    def parse_file(self, path: Path, *, is_constraint: bool, chain: tuple[Path, ...]) -> None:
        """Parse one file; `chain` holds the resolved files whose includes led here."""
        self.files_read += 1
        if self.files_read > LIMITS.include_files:
            # Each file including the next one twice doubles the work at every level.
            raise InputFormatError(f"more than {LIMITS.include_files} files read through -r/-c "
                                   "includes; refusing", file=path)
        data = read_bounded(path, "requirements file")
        try:
            raw_lines = prp.auto_decode(data).splitlines()
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise InputFormatError("is not UTF-8 (nor marked with a BOM as UTF-16 or UTF-32)",
                                   file=path, line=line) from e
        self.lines.setdefault(path, tuple(raw_lines))
        try:
            parsed_items = list(prp.RequirementsFile.parse(str(path), include_nested=False))
        except (prp.PipError, OSError, UnicodeError) as e:
            raise InputFormatError(f"cannot parse requirements file: {e}", file=path) from e
        for item in parsed_items:
            if isinstance(item, prp.CommentRequirementLine):
                continue
            line = int(item.line_number)
            end_line = _end_line(raw_lines, line)
            if isinstance(item, prp.InvalidRequirementLine):
                # The parser's messages carry its program name and an empty field; drop both.
                message = (str(item.error_message).strip().splitlines() or ["invalid line"])[0]
                message = message.replace("pip_requirements_parser: error: ", "")
                raise InputFormatError(message.replace(": : ", ": "), file=path, line=line)
            if isinstance(item, prp.OptionLine):
                self.follow_includes(path, line, end_line, item.options, is_constraint, chain)
                continue
            self.entries.append(_entry(path, line, end_line, item, is_constraint))

    def follow_includes(self, path: Path, line: int, end_line: int, options: dict[str, Any],
                        is_constraint: bool, chain: tuple[Path, ...]) -> None:
        """Parse the files a `-r`/`-c` line names, refusing remote files, cycles, depth."""
        targets = [(target, is_constraint) for target in options.get("requirements", [])]
        # Everything reached through a constraints file constrains; it never adds requirements.
        targets += [(target, True) for target in options.get("constraints", [])]
        here = path.resolve()
        for target, nested_constraint in targets:
            if prp.SCHEME_RE.search(str(target)):
                raise InputFormatError(f"remote includes are not followed: {target}",
                                       file=path, line=line)
            included = Path(os.path.join(os.path.dirname(path), target))
            if included.resolve() in (here, *chain):
                raise InputFormatError(f"include cycle: {target} is already being read",
                                       file=path, line=line)
            if len(chain) + 1 > LIMITS.include_depth:
                raise InputFormatError(f"includes nested deeper than {LIMITS.include_depth}",
                                       file=path, line=line)
            if not included.is_file():
                what = "not a file" if included.exists() else "not found"
                raise InputFormatError(f"cannot include {target}: {what}", file=path,
                                       line=line)
            self.includes.append(IncludeLine(path, line, end_line, included, nested_constraint))
            self.parse_file(included, is_constraint=nested_constraint, chain=(here, *chain))


def _end_line(raw_lines: list[str], line: int) -> int:
    # pip's join_lines: a line ending in a backslash continues, unless it is a comment.
    end = line
    while (end <= len(raw_lines) and raw_lines[end - 1].endswith("\\")
           and not prp.COMMENT_RE.match(raw_lines[end - 1])):
        end += 1
    return min(end, len(raw_lines))


def _entry(path: Path, line: int, end_line: int, item: Any, is_constraint: bool
           ) -> RequirementEntry:
    req = item.req
    marker = str(item.marker) if item.marker is not None else None
    text = str(req) if req is not None else str(item.link.url if item.link else item.line)
    if marker is not None and "; " not in text:
        text = f"{text}; {marker}"
    project = normalize_project(req.name) if req is not None else None

    other: list[str] = []

    def entry(version: str | None, sha256: tuple[str, ...], problem: str | None
              ) -> RequirementEntry:
        return RequirementEntry(path, line, end_line, text, marker, project, version, sha256,
                                tuple(other), is_constraint, problem)

    if isinstance(item, prp.EditableRequirement):
        return entry(None, (), "is an editable requirement: a source tree, not a release file")
    if item.link is not None:
        return entry(None, (), "is a URL or path requirement: signoff checks pinned index "
                               "requirements only")
    if req is None:
        return entry(None, (), "names no project")
    specifiers = list(req.specifier)
    if len(specifiers) != 1 or specifiers[0].operator not in ("==", "===") \
            or "*" in specifiers[0].version:
        return entry(None, (), NOT_PINNED)
    try:
        version = normalize_version(specifiers[0].version)
    except ValueError:
        return entry(None, (), f"is pinned to {specifiers[0].version!r}, not a PEP 440 version")
    sha256: list[str] = []
    for option in item.hash_options:
        name, sep, digest = str(option).partition(":")
        if not sep or name not in _PIP_HASH_NAMES:
            raise InputFormatError(f"bad --hash {option!r}: expected sha256:HEX (pip allows "
                                   "sha256, sha384, sha512)", file=path, line=line)
        if name != "sha256":
            other.append(str(option))
            continue
        try:
            sha256.append(normalize_sha256(digest))
        except ValueError as e:
            raise InputFormatError(f"bad --hash {option!r}: {e}", file=path, line=line) from e
    if not sha256:
        return entry(version, (), NO_SHA256 if other else NO_HASH)
    return entry(version, tuple(dict.fromkeys(sha256)), None)
