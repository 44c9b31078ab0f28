"""One verdict per requirement (or lock package): the files an installer could take for it on
the target, judged together.

A requirement passes when every file an installer could take for it passes, since pip may pick
any of them. Files of other targets (wheels whose tags do not fit) are kept in the verdict but do
not count; a requirement whose marker excludes the target is skipped. Without a target every file
counts.

Which name a file has decides whether it fits, so names are trusted only from where an installer
would read them too, or from a signer the policy counts: the input itself (a lock's `filename`, a
pip report's URL), else a counted attestation's subject. A file named by nothing trusted counts as
one the installer could take. An attestation that verifies but does not count only lends its name
to the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from signoff.attest.errors import InputFormatError
from signoff.trust.decide.rules import FileVerdict
from signoff.trust.decide.target import Target, platform_specific, wheel_tags
from signoff.trust.outcomes import Code, Reason
from signoff.trust.release import InputProblem


class Status(StrEnum):
    """A requirement's status; the value is what JSON carries."""

    PASS = "pass"
    """Every file an installer could take passes the policy."""
    FAIL = "fail"
    """Some file an installer could take falls short, or the requirement cannot be checked."""
    EXEMPT = "exempt"
    """Falls short, but the policy exempts it (counted apart from passes)."""
    SKIPPED = "skipped"
    """Its environment marker excludes the target: not installed there."""

    @property
    def ok(self) -> bool:
        """Whether this status lets the check pass."""
        return self is not Status.FAIL


@dataclass(frozen=True)
class JudgedFile:
    """One file of a requirement, with the name the report gives it and whether it counts."""

    verdict: FileVerdict
    """The decision about the file."""
    name: str | None
    """Its file name: from the input, else from a verified attestation."""
    installable: bool
    """Whether an installer could take it on the target (always, without one)."""


@dataclass(frozen=True)
class RequirementVerdict:
    """The decision about one requirement: one row of the report."""

    key: str
    """How the input names it: `requirements.txt:12`, `uv.lock: package[3] (attrs==23.1)`."""
    project: str | None
    """Normalised project, when known."""
    version: str | None
    """Normalised version, when pinned."""
    status: Status
    """pass, fail, exempt or skipped."""
    files: tuple[JudgedFile, ...]
    """Every file the input names for it, judged."""
    problems: tuple[InputProblem, ...]
    """Why it cannot be checked at all, when it cannot."""
    reason: Reason | None
    """The one reason that matters most, when it does not pass (or why it was skipped)."""
    fix: Reason | None
    """What would fix that reason."""
    marker: str | None = None
    """Its environment marker."""
    about: str | None = None
    """The file that `reason` is about, when several could be taken: its name (or hash)."""

    @property
    def installable(self) -> tuple[JudgedFile, ...]:
        """The files an installer could take on the target."""
        return tuple(f for f in self.files if f.installable)

    @property
    def vetted(self) -> int:
        """How many of the installable files pass."""
        return sum(1 for f in self.installable if f.verdict.passed)


def file_name(verdict: FileVerdict, counted_only: bool) -> str | None:
    """The file's name from the input, else from a verified (or, with `counted_only`, a
    counted) attestation about it."""
    if verdict.file.filename:
        return verdict.file.filename
    for j in verdict.attestations:
        if j.attestation is not None and (j.counted or not counted_only):
            return j.attestation.subject.filename
    return None


def group_verdicts(verdicts: Sequence[FileVerdict], problems: Sequence[InputProblem],
                   target: Target | None) -> tuple[RequirementVerdict, ...]:
    """Rows in the order the input first names each requirement."""
    files: dict[str, list[FileVerdict]] = {}
    issues: dict[str, list[InputProblem]] = {}
    for verdict in verdicts:
        f = verdict.file
        files.setdefault(f.requirement or f"{f.project}=={f.version}", []).append(verdict)
    for problem in problems:
        key = problem.source
        files.setdefault(key, [])
        issues.setdefault(key, []).append(problem)
    return tuple(_verdict(key, found, issues.get(key, []), target)
                 for key, found in files.items())


def _verdict(key: str, verdicts: list[FileVerdict], problems: list[InputProblem],
             target: Target | None) -> RequirementVerdict:
    first_file = verdicts[0].file if verdicts else None
    first_problem = problems[0] if problems else None
    project = first_file.project if first_file else first_problem.project if first_problem else None
    version = first_file.version if first_file else first_problem.version if first_problem else None
    marker = first_file.marker if first_file else first_problem.marker if first_problem else None
    judged = tuple(JudgedFile(v, file_name(v, counted_only=False),
                              target is None or target.accepts(file_name(v, counted_only=True)))
                   for v in verdicts)

    def row(status: Status, reason: Reason | None, fix: Reason | None = None,
            about: str | None = None) -> RequirementVerdict:
        return RequirementVerdict(key, project, version, status, judged, tuple(problems),
                                  reason, fix, marker, about)

    if target is not None and not _holds(target, marker, key):
        return row(Status.SKIPPED, Reason(Code.MARKER_EXCLUDES, {"marker": marker or ""}))
    if problems:
        return row(Status.FAIL, Reason(Code.INPUT_PROBLEM, {
            "requirement": problems[0].requirement, "reason": problems[0].reason}))
    installable = [j for j in judged if j.installable]
    if not installable:
        return row(Status.FAIL, Reason(Code.NO_FILE_FOR_TARGET, {
            "files": len(judged), "target": target.label if target else ""}))
    failing = [j for j in installable if not j.verdict.passed]
    if not failing:
        return row(Status.PASS, None)
    worst, reason, fix = most_serious([j.verdict for j in failing])
    named = next(j for j in failing if j.verdict is worst)
    about = (named.name or f"sha256:{worst.file.sha256[:16]}…") if len(installable) > 1 else None
    return row(Status.FAIL, reason, fix, about)


def _holds(target: Target, marker: str | None, key: str) -> bool:
    try:
        return target.marker_holds(marker)
    except ValueError as e:
        raise InputFormatError(f"{key}: invalid environment marker {marker!r}: {e}") from e


def most_serious(failing: Sequence[FileVerdict]
                 ) -> tuple[FileVerdict, Reason | None, Reason | None]:
    """The shortfall to show for several failing files, and the file it is about: findings
    are ordered most serious first, so the earliest unmet finding over all files wins."""
    best: tuple[int, FileVerdict, Reason | None, Reason | None] | None = None
    for verdict in failing:
        for rank, finding in enumerate(verdict.findings):
            if not finding.met and (best is None or rank < best[0]):
                best = (rank, verdict, finding.reason, finding.fix)
                break
    return (best[1], best[2], best[3]) if best else (failing[0], None, None)


def other_target_files(verdicts: Sequence[FileVerdict]) -> tuple[int, tuple[str, ...]]:
    """How many files are wheels for particular platforms, and which platforms: what a target
    would leave out when none is given."""
    platforms: set[str] = set()
    count = 0
    for verdict in verdicts:
        name = file_name(verdict, counted_only=False)
        tags = wheel_tags(name)
        if tags is not None and platform_specific(name):
            count += 1
            platforms.update(tag.platform for tag in tags)
    return count, tuple(sorted(platforms))
