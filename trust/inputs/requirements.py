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

Text pip reads differently from a plain reading is refused, naming the file and the line:
- `${VAR}` anywhere outside a comment. pip expands environment variables after joining lines and
  before parsing options, so `${EXTRA}` can become `--hash=sha256:<evil>` or
  `--no-require-hashes` at install time; nothing written there can be vetted now.
- Encodings other than UTF-8, or the one a byte-order mark names (pip decodes that first). pip
  decodes a `# -*- coding: X -*-` line's encoding, and falls back to the locale's when UTF-8
  fails; a file that reads one way here and another way under the installer's locale (bytes
  that decode to a line break, say) cannot be vetted.
- Options that pip 23.1 and later refuse and older pip honoured (`--global-option`,
  `--install-option`), and every option pip does not know.
Remote (`http:`) includes are not followed (an error).

Constraints (`-c`) only narrow what is installed, except for one thing: pip takes the `--hash`
of a constraint for a dependency the requirements do not list. So a constraint with a hash is
checked like a requirement, and a URL constraint is a problem; other constraints are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
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

# What pip's expand_env_variables would replace, and anything like it: refused outright.
_ENV_VARIABLE = re.compile(r"\$\{[^}]*\}")
# Per-requirement options older pip passed to setup.py; pip 23.1 and later refuse them.
_BUILD_OPTIONS = ("install_options", "global_options")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "ascii", "us-ascii"})
_PEP263 = re.compile(rb"coding[:=]\s*([-\w.]+)")

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
    has_link: bool
    """Names a URL, a path or an editable rather than an index requirement."""
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
        if entry.is_constraint and not constraint_matters(entry):
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


def constraint_matters(entry: RequirementEntry) -> bool:
    """Whether a constraint can widen what pip installs: it has a --hash, or names a URL.

    pip (20.3 and later) gives a dependency that no requirement hashes the hashes of its
    constraint, so those must be vetted; any other constraint only narrows the choice.
    """
    return bool(entry.sha256 or entry.other_hashes or entry.has_link)


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
        text = _decode(read_bounded(path, "requirements file"), path)
        raw_lines = text.splitlines()
        self.lines.setdefault(path, tuple(raw_lines))
        for item in _parse_text(text, path, is_constraint):
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


def requirement_hashes(lines: list[str], path: Path) -> set[str] | None:
    """The `--hash` values (`sha256:HEX`) of the one requirement `lines` hold, as pip reads them.

    None when the lines do not hold exactly one requirement: `lock` then writes the requirement
    out anew rather than trust an edit it cannot read back.
    """
    try:
        items = [item for item in _parse_text("\n".join(lines), path, False)
                 if not isinstance(item, (prp.OptionLine, prp.InvalidRequirementLine))]
    except InputFormatError:
        return None
    if len(items) != 1:
        return None
    return {str(option).lower() for option in items[0].hash_options or ()}


def _decode(data: bytes, path: Path) -> str:
    """The text of a requirements file, decoded as every pip on every locale decodes it."""
    # pip's order: a byte-order mark names the encoding; else the first of the first two lines
    # that declares one (PEP 263); else UTF-8, and the locale's encoding when that fails.
    for bom, encoding in prp.BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as e:
                raise InputFormatError(f"is not valid {encoding} after its byte-order mark",
                                       file=path, line=1) from e
    for number, first in enumerate(data.split(b"\n")[:2], start=1):
        declared = _PEP263.search(first) if first[:1] == b"#" else None
        if declared is None:
            continue
        if declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
            raise InputFormatError(f"declares the encoding {declared.group(1).decode()!r}; "
                                   "only UTF-8 is read the same by every tool", file=path,
                                   line=number)
        break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFormatError("is not UTF-8 (pip would fall back to the installing machine's "
                               "locale, so what it reads cannot be vetted)", file=path,
                               line=data[: e.start].count(b"\n") + 1) from e


def _parse_text(text: str, path: Path, is_constraint: bool) -> Iterator[Any]:
    """pip's reading of one file's text, line by line, as pip-requirements-parser items.

    The parser's own `RequirementsFile.parse` re-reads the file by name, decoding it with the
    locale's encoding; this runs the same steps over the text already read and vetted.
    """
    line_parser = prp.get_line_parser()
    for numbered in prp.preprocess(text):
        if isinstance(numbered, prp.CommentLine):
            continue
        line_number, line = numbered
        variable = _ENV_VARIABLE.search(line)
        if variable:
            raise InputFormatError(
                f"{variable.group(0)} is an environment variable that pip "
                "expands at install time, into anything (a --hash, an option); signoff cannot "
                "vet it: write the value out, or set pip's own PIP_* variables instead",
                file=path, line=line_number)
        requirement_line = prp.RequirementLine(line=line, line_number=line_number,
                                               filename=str(path))
        try:
            requirement_string, options, arguments = line_parser(line)
            parsed_line = prp.ParsedLine(requirement_string=requirement_string, options=options,
                                         is_constraint=is_constraint,
                                         requirement_line=requirement_line, arguments=arguments)
        except Exception as e:  # optparse's errors, shlex's ValueError: all a bad line
            message = e.msg if isinstance(e, prp.OptionParsingError) else str(e)
            yield prp.InvalidRequirementLine(requirement_line=requirement_line,
                                             error_message=message)
            continue
        if not parsed_line.is_requirement and getattr(options, "hashes", None):
            # pip ignores it with a warning; kept, it could be joined to a requirement by an
            # edit or another tool, and `lock` would copy an unvetted hash.
            raise InputFormatError("--hash without a requirement on its line (pip ignores "
                                   "it); put it on the requirement's line or remove it",
                                   file=path, line=line_number)
        for parsed in prp.handle_line(parsed_line):
            yield from _built(parsed)


def _built(parsed: Any) -> Iterator[Any]:
    """What `RequirementsFile.parse` makes of one handled line (legacy options are errors)."""
    if isinstance(parsed, prp.InvalidRequirementLine):
        yield parsed
    elif isinstance(parsed, prp.OptionLine):
        legacy = [prp.OPT_BY_OPTIONS_DEST[o] for o in parsed.options
                  if o in prp.LEGACY_OPTIONS_DEST]
        if legacy:
            yield prp.InvalidRequirementLine(requirement_line=parsed.requirement_line,
                                             error_message=f"unsupported option: {legacy[0]}")
        else:
            yield parsed
    else:
        try:
            req = prp.build_req_from_parsedreq(parsed)
        except Exception as e:  # the parser raises bare exceptions for bad requirements
            yield prp.InvalidRequirementLine(requirement_line=parsed.requirement_line,
                                             error_message=str(e).strip())
            return
        if req.invalid_options:
            options = prp.dumps_global_options(req.invalid_options)
            yield prp.InvalidRequirementLine(
                requirement_line=parsed.requirement_line,
                error_message=f"options not allowed on a requirement line: {options}")
        else:
            yield req


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
    build_options = [name for name in _BUILD_OPTIONS if getattr(item, name, None)]
    if build_options:
        option = "--" + build_options[0].removesuffix("s").replace("_", "-")
        raise InputFormatError(f"{option} is passed to setup.py by older pip (and refused by "
                               "pip 23.1 and later); signoff cannot vet what it does",
                               file=path, line=line)
    sha256, other = _hashes(item, path, line)
    has_link = isinstance(item, prp.EditableRequirement) or item.link is not None

    def entry(version: str | None, problem: str | None) -> RequirementEntry:
        return RequirementEntry(path, line, end_line, text, marker, project, version,
                                sha256, other, is_constraint, has_link, problem)

    if isinstance(item, prp.EditableRequirement):
        return entry(None, "is an editable requirement: a source tree, not a release file")
    if item.link is not None:
        return entry(None, "is a URL or path requirement: signoff checks pinned index "
                           "requirements only")
    if req is None:
        return entry(None, "names no project")
    specifiers = list(req.specifier)
    if len(specifiers) != 1 or specifiers[0].operator not in ("==", "===") \
            or "*" in specifiers[0].version:
        return entry(None, NOT_PINNED)
    try:
        version = normalize_version(specifiers[0].version)
    except ValueError:
        return entry(None, f"is pinned to {specifiers[0].version!r}, not a PEP 440 version")
    if not sha256:
        return entry(version, NO_SHA256 if other else NO_HASH)
    return entry(version, None)


def _hashes(item: Any, path: Path, line: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sha256 digests of a line's --hash options, and the other (sha384, sha512) options."""
    sha256: list[str] = []
    other: list[str] = []
    for option in item.hash_options or ():
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
    return tuple(dict.fromkeys(sha256)), tuple(other)
