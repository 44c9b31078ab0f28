"""`signoff lock`: turn a deployment input into a lock that pip can only install vetted files from.

Requirements files: the same file, line for line, with only the `--hash` options of files that
pass the policy. Every non-sha256 `--hash` is dropped too: pip accepts a file that matches any
one hash of its requirement, and a sha512 cannot be tied to a vetted file. A requirement pinned
with `==` but without any hash gets the `--hash` of every vetted file of that version that the
registries know. A requirement left without a vetted file (or one that cannot be checked:
unpinned, a URL) stays in the output, pinned as it was but with no `--hash`, under a
`# signoff lock:` comment giving the reason: pip's hash-checking mode then refuses the whole
install, with or without `--no-deps`, instead of installing the rest. The output starts with
`--require-hashes`, so that mode holds even when no line keeps a hash. `-r` includes are inlined
where they stood (their hashes need the same filtering, and the output may be written elsewhere);
`-c` lines are pointed at the same constraints file from the output's folder. Comments, markers,
options and order are kept.

uv.lock and pip reports are written as a requirements file: one pinned line per package, with
its marker (pip reports and pylock give one; uv.lock does not) and the hashes of its vetted files.

pylock.toml: the same document (tomlkit keeps its layout and comments) without the wheels, sdists
and archives that fail. A package left with no vetted file loses all its sources, so installers
refuse it (uv: "must include one of: wheels, directory, archive, sdist, or vcs") instead of
skipping it; a comment block at the top says what was removed and why.

With a target, a requirement passes when it keeps a vetted file an installer could take there,
and a requirement whose marker excludes the target is not counted against the lock.

Every output is verified after writing: it is parsed again and must name only vetted files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomlkit

from signoff.attest.errors import InputError, InputFormatError, LockError
from signoff.attest.files import write_atomic
from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.grouping import Status
from signoff.trust.decide.rules import FileVerdict
from signoff.trust.inputs.interface import InputContents, detect_input, read_text
from signoff.trust.inputs.pip_report import PipReportInput
from signoff.trust.inputs.pylock import LocatedEntry, PylockInput
from signoff.trust.inputs.requirements import (
    NO_HASH,
    IncludeLine,
    RequirementEntry,
    RequirementsDocument,
    RequirementsInput,
    constraint_matters,
    contents_of,
    parse_requirements,
    requirement_hashes,
)
from signoff.trust.inputs.uv_lock import UvLockInput
from signoff.trust.release import InputProblem, ReleaseFile
from signoff.trust.report.words import describe, describe_all

Judge = Callable[[Sequence[ReleaseFile], Sequence[InputProblem]], CheckReport]
"""Judges release files against a policy, verdicts in the files' order: `CheckSession.check`."""

Known = Callable[[str, str], list[ReleaseFile]]
"""Every file of a release the registries attest: `CheckSession.attested_files`."""

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


def lock(path: Path, judge: Judge, output: Path, known: Known | None = None) -> LockResult:
    """Write the vetted form of the input at `path` to `output`: a pylock.toml when the
    output's name ends in `.toml`, else a requirements file."""
    given = detect_input(path)
    if output.name.endswith(".toml"):
        if not isinstance(given, PylockInput):
            raise InputError("a pylock.toml is written from a pylock.toml only (the other "
                             "inputs do not give every file's URL); name the output *.txt to "
                             "write a requirements file", file=output)
        return lock_pylock(path, judge, output)
    if isinstance(given, RequirementsInput):
        return lock_requirements(path, judge, output, known)
    if isinstance(given, PylockInput | UvLockInput | PipReportInput):
        return lock_packages(path, given.read(), judge, output)
    raise InputError("signoff lock takes a requirements file (*.txt, *.in), a pylock.toml, a "
                     "uv.lock or a pip report (*.json)", file=path)


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


def lock_requirements(path: Path, judge: Judge, output: Path, known: Known | None = None
                      ) -> LockResult:
    """Write `path` with only vetted hashes to `output` (see the module's docstring)."""
    document = parse_requirements(path)
    contents = contents_of(document)
    # A pinned requirement without hashes takes every attested file of its version.
    filled: list[ReleaseFile] = []
    problems = list(contents.problems)
    if known is not None:
        for entry in document.entries:
            if entry.problem == NO_HASH and not entry.is_constraint:
                assert entry.project is not None and entry.version is not None
                filled += [replace(f, source=entry.source, requirement=entry.source,
                                   marker=entry.marker)
                           for f in known(entry.project, entry.version)]
                problems = [p for p in problems if p.source != entry.source]
    report, locked = _judged([*contents.files, *filled], problems, judge)
    vetted: dict[str, list[str]] = {}
    dropped: dict[str, list[str]] = {}
    for item in locked:
        if item.kept:
            vetted.setdefault(item.file.source, []).append(item.file.sha256)
        else:
            dropped.setdefault(item.file.source, []).append(item.reason or "")
    shortfalls, skipped = _shortfalls(report)
    writer = _RequirementsWriter(document, vetted, dropped, shortfalls, skipped,
                                 output.resolve().parent)
    # The output is UTF-8 whatever the input's byte-order mark said; pip reads a coding
    # declaration in the first two lines, so ours comes first (before any file name).
    lines = [f"{MARK} (coding: utf-8) only files that pass the policy keep their --hash "
             f"(from {path.name});",
             f"{MARK} a requirement without a vetted file has none, so pip refuses to install.",
             "--require-hashes"]
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


def _shortfalls(report: CheckReport) -> tuple[dict[str, str], set[str]]:
    """Why each requirement the lock cannot vet falls short, by its key, and the keys of the
    requirements the target skips."""
    found: dict[str, str] = {}
    skipped: set[str] = set()
    for row in report.requirements:
        if row.status is Status.SKIPPED:
            skipped.add(row.key)
        elif row.status is Status.FAIL and not any(f.verdict.passed for f in row.installable):
            # Otherwise the lock keeps only vetted files, so what pip may take passes.
            found[row.key] = (row.problems[0].reason if row.problems else "no vetted file: "
                              + _one_line(describe(row.reason) if row.reason else ""))
    return found, skipped


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _RequirementsWriter:
    """Renders a parsed requirements document, file by file, keeping vetted hashes only."""

    def __init__(self, document: RequirementsDocument, vetted: dict[str, list[str]],
                 dropped: dict[str, list[str]], shortfalls: dict[str, str], skipped: set[str],
                 out_dir: Path) -> None:
        self.document = document
        self.vetted = vetted
        self.dropped = dropped
        self.shortfalls = shortfalls
        self.skipped = skipped
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
            if entry.other_hashes or not set(entry.sha256) <= set(
                    self.vetted.get(entry.source, [])):
                reasons = "; ".join(dict.fromkeys(self.dropped.get(entry.source, [])))
                return (f"{entry.source}: {entry.text} has a --hash of a file that is not "
                        f"vetted{': ' + reasons if reasons else ''}")
        return None

    def _entry(self, entry: RequirementEntry, physical: list[str]) -> list[str]:
        if entry.is_constraint:
            return physical
        kept = self.vetted.get(entry.source, [])
        if entry.source in self.skipped:
            if not kept:
                return [f"{MARK} {entry.text}: skipped on the target; no vetted file",
                        *_keep_only(entry, physical, [])]
        else:
            shortfall = self.shortfalls.get(entry.source)
            if shortfall is None and not kept:
                shortfall = entry.problem or "no vetted file"
            if shortfall is not None:
                sep = " " if entry.problem is not None and shortfall == entry.problem else ": "
                reason = f"{entry.text}{sep}{shortfall}"
                self.unvetted.append(Unvetted(entry.source, entry.text, reason))
                if entry.has_link:
                    # A URL's `#sha256=` is a hash to pip, and a path or VCS is fetched from
                    # where no attestation looks: never kept. The bare name, with no hash,
                    # still makes pip's hash-checking mode refuse the install.
                    return [f"{MARK} {reason}", *(f"# {line}" for line in physical),
                            *([entry.project] if entry.project else [])]
                # Pinned, without any hash: pip's hash-checking mode refuses the whole install.
                return [f"{MARK} {reason}", *_keep_only(entry, physical, [])]
        if not entry.sha256:
            return _with_hashes(physical, kept)
        if set(kept) == set(entry.sha256) and not entry.other_hashes:
            return physical
        return _keep_only(entry, physical, kept)


def _keep_only(entry: RequirementEntry, physical: list[str], kept: Sequence[str]) -> list[str]:
    """A requirement's lines with only the `kept` sha256 hashes, checked by reading them back."""
    cleaned = _without_hashes(physical, set(kept))
    wanted = {f"sha256:{digest}" for digest in kept}
    if requirement_hashes(cleaned, entry.file) == wanted:
        return cleaned
    # A spelling the option pattern does not follow (quotes inside the value, a digest
    # split over lines): write the requirement out anew, with the vetted hashes only.
    return [f"{MARK} {entry.source} rewritten: only its vetted hashes are kept",
            " ".join([entry.text, *(f"--hash={h}" for h in sorted(wanted))])]


def _with_hashes(physical: list[str], hashes: Sequence[str]) -> list[str]:
    """A requirement's physical lines with `--hash` options added for each of `hashes`."""
    body = [line.rstrip().removesuffix("\\").rstrip() for line in physical]
    body = [line for line in body if line.strip()]
    body += [f"    --hash=sha256:{digest}" for digest in hashes]
    return [line + " \\" for line in body[:-1]] + body[-1:]


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
    shortfalls, _skipped = _shortfalls(report)
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
        else:
            # With a target: the vetted files kept may all be for other platforms.
            keys = [e.found.requirement for e, _ in entries if isinstance(e.found, ReleaseFile)]
            if keys and keys[0] in shortfalls:
                key = keys[0]
                label = str(package.get("name", "?"))
                unvetted.append(Unvetted(f"{path}: packages[{number}]", label, shortfalls[key]))
                notes.append(f"{MARK} {label}: {shortfalls[key]}")
    header = [f"{MARK} only files that pass the policy are kept (from {path.name})", *notes]
    text = "\n".join(header) + "\n" + tomlkit.dumps(document)
    allowed = {(f.file.project, f.file.version, f.file.sha256) for f in locked if f.kept}

    def verify() -> None:
        for file in PylockInput(output).read().files:
            if (file.project, file.version, file.sha256) not in allowed:
                raise LockError(f"{file.filename} is not vetted but survived", file=output)

    _write_verified(output, text, verify)
    return LockResult(output, report, tuple(locked), tuple(unvetted))


# -- uv.lock and pip reports, written as a requirements file -----------------------------------


@dataclass
class _Package:
    """One project version of a lock, as the requirements line `lock` writes for it."""

    project: str
    version: str | None
    marker: str | None
    kept: list[str]
    shortfalls: list[str]
    """Why rows that name files have no vetted file an installer could take."""
    problems: list[str]
    """Why rows that name no file (a file without a hash, a source tree) cannot be checked."""
    skipped: bool


def lock_packages(path: Path, contents: InputContents, judge: Judge, output: Path
                  ) -> LockResult:
    """Write the packages of a uv.lock, pylock.toml or pip report as a requirements file: one
    pinned line each, with the hashes of its vetted files (see the module's docstring)."""
    report, locked = _judged(contents.files, contents.problems, judge)
    shortfalls, skipped = _shortfalls(report)
    packages: dict[tuple[str, str | None], _Package] = {}
    for row in report.requirements:
        project = row.project or row.key
        package = packages.setdefault((project, row.version), _Package(
            project, row.version, row.marker, [], [], [], row.key in skipped))
        package.kept += [f.verdict.file.sha256 for f in row.files if f.verdict.passed
                         and f.verdict.file.sha256 not in package.kept]
        if row.key in shortfalls:
            # A file the lock drops is no shortfall when another file of the package is vetted.
            (package.shortfalls if row.files else package.problems).append(shortfalls[row.key])
    lines = [f"{MARK} the vetted files of {path.name}; a package without one has no --hash,",
             f"{MARK} so pip refuses to install.", "--require-hashes"]
    unvetted: list[Unvetted] = []
    for package in packages.values():
        pin = package.project + (f"=={package.version}" if package.version else "")
        requirement = pin + (f" ; {package.marker}" if package.marker else "")
        if package.skipped and not package.kept:
            lines += [f"{MARK} {pin}: skipped on the target; no vetted file", requirement]
        elif package.kept and (package.skipped or not package.shortfalls):
            lines += _with_hashes([requirement], package.kept)
        else:
            reason = "; ".join(dict.fromkeys(package.shortfalls or package.problems)
                               ) or "no vetted file"
            unvetted.append(Unvetted(f"{path}: {pin}", pin, f"{pin}: {reason}"))
            lines += [f"{MARK} {pin}: {reason}", requirement]
    allowed = {(f.file.project, f.file.version, f.file.sha256) for f in locked if f.kept}

    def verify() -> None:
        for file in contents_of(parse_requirements(output)).files:
            if (file.project, file.version, file.sha256) not in allowed:
                raise LockError(f"{file.project} {file.version} {file.sha256} is not vetted "
                                "but survived", file=output)

    _write_verified(output, "\n".join(lines) + "\n", verify)
    return LockResult(output, report, tuple(locked), tuple(unvetted))
