"""`signoff lock`: turn a requirements file or a pylock.toml into one that pip can only install
vetted files from.

Requirements files: the same file, line for line, with only the `--hash` options of files that
pass the policy. Every non-sha256 `--hash` is dropped too: pip accepts a file that matches any
one hash of its requirement, and a sha512 cannot be tied to a vetted file. A requirement left
without a vetted file (or one that cannot be checked: unpinned, no hash, a URL) is commented out,
with the reason on the line above it, so `pip install --require-hashes` refuses to go on without
it rather than installing something else. `-r` includes are inlined where they stood (their
hashes need the same filtering, and the output may be written elsewhere); `-c` lines are pointed
at the same constraints file from the output's folder. Comments, markers, options and order are
kept.

pylock.toml: the same document (tomlkit keeps its layout and comments) without the wheels, sdists
and archives that fail. A package left with no vetted file loses all its sources, so installers
refuse it (uv: "must include one of: wheels, directory, archive, sdist, or vcs") instead of
skipping it; a comment block at the top says what was removed and why.

Both are verified after writing: the output is parsed again and must name only vetted files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from signoff.attest.errors import InputError, InputFormatError, LockError
from signoff.attest.files import write_atomic
from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.rules import FileVerdict
from signoff.trust.inputs.interface import detect_input, read_text
from signoff.trust.inputs.pylock import LocatedEntry, PylockInput
from signoff.trust.inputs.requirements import (
    IncludeLine,
    RequirementEntry,
    RequirementsDocument,
    RequirementsInput,
    constraint_matters,
    contents_of,
    parse_requirements,
    requirement_hashes,
)
from signoff.trust.release import InputProblem, ReleaseFile
from signoff.trust.report.words import describe_all

Judge = Callable[[Sequence[ReleaseFile], Sequence[InputProblem]], CheckReport]
"""Judges release files against a policy, verdicts in the files' order: `CheckSession.check`."""

MARK = "# signoff lock:"
"""How every line that `lock` writes on its own begins."""

# A --hash option as pip's shlex would see it on one physical line.
_HASH_OPTION = re.compile(r"""\s*--hash(?:=|\s+)(['"]?)([A-Za-z0-9]+):([0-9A-Fa-f]+)\1""")


@dataclass(frozen=True)
class LockedFile:
    """One release file of the input, and whether the output keeps it."""

    file: ReleaseFile
    """The file as the input named it."""
    kept: bool
    """True when it passed the policy and stays in the output."""
    reason: str | None
    """Why it was dropped."""


@dataclass(frozen=True)
class Unvetted:
    """A requirement (or lock package) left without any vetted file."""

    source: str
    """Where it is named: `requirements.txt:12`, `pylock.toml: packages[3]`."""
    requirement: str
    """The requirement as written, or the package's name and version."""
    reason: str
    """Why none of its files may be installed."""


@dataclass(frozen=True)
class LockResult:
    """What `lock` wrote, and what it had to leave out."""

    output: Path
    """The vetted lock written."""
    report: CheckReport
    """The check behind it."""
    files: tuple[LockedFile, ...]
    """Every release file of the input, kept or dropped."""
    unvetted: tuple[Unvetted, ...]
    """Requirements commented out (requirements) or emptied (pylock)."""

    @property
    def passed(self) -> bool:
        """True when every requirement kept at least one vetted file."""
        return not self.unvetted


def lock(path: Path, judge: Judge, output: Path) -> LockResult:
    """Write the vetted form of a requirements file or pylock.toml at `path` to `output`."""
    given = detect_input(path)
    if isinstance(given, RequirementsInput):
        return lock_requirements(path, judge, output)
    if isinstance(given, PylockInput):
        return lock_pylock(path, judge, output)
    raise InputError("signoff lock takes a requirements file (*.txt, *.in) or a pylock.toml",
                     file=path)


def _reason(verdict: FileVerdict) -> str:
    # One line: it goes into a comment of the output.
    return " ".join("; ".join(describe_all(verdict.reasons)).split()) or "does not pass the policy"


def _judged(files: Sequence[ReleaseFile], problems: Sequence[InputProblem], judge: Judge
            ) -> tuple[CheckReport, list[LockedFile]]:
    report = judge(files, problems)
    if len(report.verdicts) != len(files):
        raise LockError(f"the check judged {len(report.verdicts)} files of {len(files)}")
    locked = [LockedFile(file, verdict.passed, None if verdict.passed else _reason(verdict))
              for file, verdict in zip(files, report.verdicts, strict=True)]
    return report, locked


def _write_verified(output: Path, text: str, verify: Callable[[], None]) -> None:
    """Write `text` to `output` atomically; put back what was there when `verify` fails."""
    # Only a regular file (or nothing) is replaced: never a device, a FIFO or a symlink's target.
    if output.is_symlink() or (output.exists() and not output.is_file()):
        raise LockError("exists and is not a regular file; refusing to replace it", file=output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        previous = output.read_bytes() if output.exists() else None
    except OSError as e:
        raise LockError(f"cannot read: {e.strerror}", file=output) from e
    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as e:
        raise LockError(f"cannot write: {e.strerror}", file=output) from e
    try:
        verify()
    except BaseException:
        if previous is None:
            output.unlink(missing_ok=True)
        else:
            output.write_bytes(previous)
        raise


# -- requirements files ------------------------------------------------------------------------


def lock_requirements(path: Path, judge: Judge, output: Path) -> LockResult:
    """Write `path` with only vetted hashes to `output` (see the module's docstring)."""
    document = parse_requirements(path)
    contents = contents_of(document)
    report, locked = _judged(contents.files, contents.problems, judge)
    vetted: dict[str, set[str]] = {}
    dropped: dict[str, list[str]] = {}
    for item in locked:
        if item.kept:
            vetted.setdefault(item.file.source, set()).add(item.file.sha256)
        else:
            dropped.setdefault(item.file.source, []).append(item.reason or "")
    writer = _RequirementsWriter(document, vetted, dropped, output.resolve().parent)
    lines = [f"{MARK} only files that pass the policy keep their --hash (from {path.name})"]
    lines += writer.render(path)
    allowed = {(f.file.project, f.file.version, f.file.sha256) for f in locked if f.kept}

    def verify() -> None:
        again = parse_requirements(output)
        for entry in again.entries:
            if entry.other_hashes and not entry.is_constraint:
                raise LockError("a non-sha256 --hash survived", file=output, line=entry.line)
        for file in contents_of(again).files:
            if (file.project, file.version, file.sha256) not in allowed:
                raise LockError(f"{file.project} {file.version} {file.sha256} is not vetted "
                                "but survived", file=output)

    _write_verified(output, "\n".join(lines) + "\n", verify)
    return LockResult(output, report, tuple(locked), tuple(writer.unvetted))


class _RequirementsWriter:
    """Renders a parsed requirements document, file by file, keeping vetted hashes only."""

    def __init__(self, document: RequirementsDocument, vetted: dict[str, set[str]],
                 dropped: dict[str, list[str]], out_dir: Path) -> None:
        self.document = document
        self.vetted = vetted
        self.dropped = dropped
        self.out_dir = out_dir
        self.unvetted: list[Unvetted] = []

    def render(self, path: Path) -> list[str]:
        """The output lines for one file of the document, its `-r` includes inlined."""
        lines = self.document.lines[path]
        entries = {e.line: e for e in self.document.entries if e.file == path}
        includes: dict[int, list[IncludeLine]] = {}
        for include in self.document.includes:
            if include.file == path:
                includes.setdefault(include.line, []).append(include)
        out: list[str] = []
        number = 1
        while number <= len(lines):
            if number in entries:
                entry = entries[number]
                out += self._entry(entry, list(lines[entry.line - 1:entry.end_line]))
                number = entry.end_line + 1
            elif number in includes:
                group = includes[number]
                for include in group:
                    out += self._include(include, lines[number - 1])
                number = group[0].end_line + 1
            else:
                out.append(lines[number - 1])
                number += 1
        return out

    def _include(self, include: IncludeLine, original: str) -> list[str]:
        if include.constraint:
            unvetted = self._unvetted_constraint(include.target)
            if unvetted is not None:
                # Without the constraints pip still installs only hashed requirements; with
                # them, it would take their hashes for dependencies (see requirements.py).
                return [f"{MARK} {original.strip()} left out: {unvetted}", f"# {original}"]
            target = os.path.relpath(include.target.resolve(), self.out_dir)
            return [f"-c {target}"]
        return [f"{MARK} {original.strip()} (inlined below, vetted)",
                *self.render(include.target),
                f"{MARK} end of {include.target.name}"]

    def _unvetted_constraint(self, top: Path) -> str | None:
        """Why a constraints file (with what it includes) cannot be kept, or None."""
        files, queue = {top}, [top]
        while queue:
            current = queue.pop()
            for include in self.document.includes:
                if include.file == current and include.target not in files:
                    files.add(include.target)
                    queue.append(include.target)
        for entry in self.document.entries:
            if entry.file not in files or not constraint_matters(entry):
                continue
            if entry.problem is not None:
                return f"{entry.source}: {entry.text} {entry.problem}"
            if entry.other_hashes or not set(entry.sha256) <= self.vetted.get(entry.source,
                                                                             set()):
                reasons = "; ".join(dict.fromkeys(self.dropped.get(entry.source, [])))
                return (f"{entry.source}: {entry.text} has a --hash of a file that is not "
                        f"vetted{': ' + reasons if reasons else ''}")
        return None

    def _entry(self, entry: RequirementEntry, physical: list[str]) -> list[str]:
        if entry.problem is not None:
            return self._comment_out(entry, physical, f"{entry.text} {entry.problem}")
        kept = self.vetted.get(entry.source, set())
        if not kept:
            reasons = list(dict.fromkeys(self.dropped.get(entry.source, [])))
            return self._comment_out(entry, physical, f"{entry.text}: no vetted file: "
                                     + ("; ".join(reasons) or "no file passes"))
        if kept == set(entry.sha256) and not entry.other_hashes:
            return physical
        cleaned = _without_hashes(physical, kept)
        wanted = {f"sha256:{digest}" for digest in kept}
        if requirement_hashes(cleaned, entry.file) == wanted:
            return cleaned
        # A spelling the option pattern does not follow (quotes inside the value, a digest
        # split over lines): write the requirement out anew, with the vetted hashes only.
        return [f"{MARK} {entry.source} rewritten: only its vetted hashes are kept",
                " ".join([entry.text, *(f"--hash={h}" for h in sorted(wanted))])]

    def _comment_out(self, entry: RequirementEntry, physical: list[str], reason: str
                     ) -> list[str]:
        self.unvetted.append(Unvetted(entry.source, entry.text, reason))
        return [f"{MARK} {reason}"] + [f"# {line}" for line in physical]


def _without_hashes(physical: list[str], keep: set[str]) -> list[str]:
    """A requirement's physical lines with every --hash removed except the sha256s in `keep`."""

    def strip_option(match: re.Match[str]) -> str:
        name, digest = match.group(2).lower(), match.group(3).lower()
        return match.group(0) if name == "sha256" and digest in keep else ""

    cleaned = []
    for line in physical:
        body = line.rstrip()
        continued = body.endswith("\\")
        body = _HASH_OPTION.sub(strip_option, body[:-1] if continued else body).rstrip()
        if body.strip():
            cleaned.append(body)
    # Continuation marks go back on every line but the last.
    return [line + " \\" for line in cleaned[:-1]] + cleaned[-1:]


# -- pylock.toml ---------------------------------------------------------------------------------

_SOURCE_KEYS = ("sdist", "wheels", "archive", "vcs", "directory")


def lock_pylock(path: Path, judge: Judge, output: Path) -> LockResult:
    """Write `path` without the files that fail to `output` (see the module's docstring)."""
    located = PylockInput(path).read_located()
    files = [e.found for e in located if isinstance(e.found, ReleaseFile)]
    problems = [e.found for e in located if isinstance(e.found, InputProblem)]
    report, locked = _judged(files, problems, judge)
    outcome = iter(locked)
    # Each package's entries, with the judgement of those that name a file.
    by_package: dict[int, list[tuple[LocatedEntry, LockedFile | None]]] = {}
    for entry in located:
        judged = next(outcome) if isinstance(entry.found, ReleaseFile) else None
        by_package.setdefault(entry.package, []).append((entry, judged))
    try:
        document = tomlkit.parse(read_text(path, "pylock file"))
    except tomlkit.exceptions.ParseError as e:  # tomllib accepted it; tomlkit should too
        raise InputFormatError(f"invalid TOML: {e}", file=path) from e
    packages: Any = document["packages"]
    notes: list[str] = []
    unvetted: list[Unvetted] = []
    for number, entries in by_package.items():
        package = packages[number]
        removed_wheels: list[int] = []
        reasons: list[str] = []
        kept_any = False
        for entry, judged in entries:
            if judged is not None and judged.kept:
                kept_any = True
                continue
            found = entry.found
            reason: str | None
            if isinstance(found, InputProblem):
                reason, name = found.reason, found.requirement
            else:
                reason = judged.reason if judged is not None else None
                name = found.filename or found.source
            reason = reason or "does not pass the policy"
            reasons.append(f"{name}: {reason}")
            if entry.part == "wheels" and entry.index is not None:
                removed_wheels.append(entry.index)
            elif entry.part in ("sdist", "archive"):
                del package[entry.part]
            notes.append(f"{MARK} removed {name} from packages[{number}]: {reason}")
        for index in sorted(removed_wheels, reverse=True):
            del package["wheels"][index]
        if "wheels" in package and len(package["wheels"]) == 0:
            del package["wheels"]
        if not kept_any:
            for key in _SOURCE_KEYS:
                if key in package:
                    del package[key]
            label = str(package.get("name", "?")) + (
                f"=={package['version']}" if "version" in package else "")
            unvetted.append(Unvetted(f"{path}: packages[{number}]", label,
                                     "; ".join(reasons) or "no vetted file"))
            notes.append(f"{MARK} {label} has no vetted file; its sources are removed so "
                         "installers refuse it")
    header = [f"{MARK} only files that pass the policy are kept (from {path.name})", *notes]
    text = "\n".join(header) + "\n" + tomlkit.dumps(document)
    allowed = {(f.file.project, f.file.version, f.file.sha256) for f in locked if f.kept}

    def verify() -> None:
        for file in PylockInput(output).read().files:
            if (file.project, file.version, file.sha256) not in allowed:
                raise LockError(f"{file.filename} is not vetted but survived", file=output)

    _write_verified(output, text, verify)
    return LockResult(output, report, tuple(locked), tuple(unvetted))
