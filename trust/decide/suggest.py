"""`signoff suggest`: the reviews that would turn the most failures (and exemptions) into passes.

A review here is the vetting of one release: each of its files that falls short only for want of
approvals gets the approvals it lacks. Reviews are ranked by how many requirements they would
unblock, then by how many approvals they need, then by the bytes to read. Each names an already
vetted earlier version to review the diff against, where one exists, and the keys that the
policy would count. Files that a review cannot fix (a rejection, a conflicting hash) and files
that only have to wait out `min-age` are listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from signoff.trust.decide.checker import CheckReport, CheckSession
from signoff.trust.decide.exemptions import EXEMPTABLE
from signoff.trust.decide.rules import FileStatus, FileVerdict
from signoff.trust.decide.versions import newest_passing, version_statuses
from signoff.trust.outcomes import Code
from signoff.trust.release import InputProblem

_REVIEWABLE = EXEMPTABLE | {Code.EXEMPTION_EXPIRED}
"""Shortfalls that approvals fix: missing vetting, and an exemption that has ended."""


@dataclass(frozen=True)
class FileToReview:
    """One file of a release to review, and how many approvals it lacks."""

    verdict: FileVerdict
    """Its verdict today (fail or exempt)."""
    approvals: int
    """New approvals it needs, beyond those waiting out `min-age`."""


@dataclass(frozen=True)
class DiffBase:
    """An earlier version of the same project that passes the policy today."""

    version: str
    """The version."""
    filenames: tuple[str, ...]
    """Its passing files."""


@dataclass(frozen=True)
class Review:
    """A suggested review: one release, the requirements it unblocks, who could sign it."""

    project: str
    """Normalised project."""
    version: str
    """Normalised version."""
    files: tuple[FileToReview, ...]
    """The files to review."""
    unblocks: tuple[str, ...]
    """Requirements that pass once this review's approvals are in."""
    diff_base: DiffBase | None
    """An already vetted earlier version to review against, when there is one."""
    signers: tuple[str, ...]
    """Keys valid under the policy that have not yet signed about these files, as labels."""

    @property
    def approvals(self) -> int:
        """The approvals the review needs: as many distinct signers as the neediest file."""
        return max(f.approvals for f in self.files)

    @property
    def size(self) -> int | None:
        """Bytes to read over every file, when every size is known."""
        sizes = [_size(f.verdict) for f in self.files]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)

    @property
    def exempt(self) -> bool:
        """True when every file is exempt today: the review burns down the baseline."""
        return all(f.verdict.status is FileStatus.EXEMPT for f in self.files)


@dataclass(frozen=True)
class SuggestReport:
    """What `suggest` found."""

    reviews: tuple[Review, ...]
    """Best first."""
    blocked: tuple[FileVerdict, ...]
    """Files that no approval fixes."""
    waiting: tuple[FileVerdict, ...]
    """Files that pass once approvals already made have stood for `min-age`."""
    problems: tuple[InputProblem, ...]
    """Requirements that could not be checked at all."""
    warnings: tuple[str, ...] = ()
    """From opening the registries."""


def requirement_key(verdict: FileVerdict) -> str:
    """The requirement a file belongs to, as the report names it."""
    return f"{verdict.file.project}=={verdict.file.version}"


def suggest(session: CheckSession, report: CheckReport) -> SuggestReport:
    """Rank the reviews that would make the report's failing and exempt files pass."""
    by_release: dict[tuple[str, str], list[FileToReview]] = {}
    blocked: list[FileVerdict] = []
    waiting: list[FileVerdict] = []
    for v in report.verdicts:
        if v.status is FileStatus.PASS:
            continue
        if not all(r.code in _REVIEWABLE for r in v.reasons):
            blocked.append(v)
            continue
        missing = max(0, v.requirement.signers - v.counted_signers - _young(v))
        if missing == 0:
            waiting.append(v)
            continue
        by_release.setdefault((v.file.project, v.file.version), []).append(
            FileToReview(v, missing))
    # A requirement with a file that no approval fixes stays failing, whatever is reviewed.
    stuck = {requirement_key(v) for v in blocked}
    reviews = []
    for (project, version), files in by_release.items():
        keys = dict.fromkeys(requirement_key(f.verdict) for f in files)
        reviews.append(Review(project, version, tuple(files),
                              tuple(k for k in keys if k not in stuck),
                              diff_base(session, project, version),
                              _signers(session, files)))
    reviews.sort(key=lambda r: (-len(r.unblocks), r.approvals, r.size is None, r.size or 0,
                                r.project, r.version))
    return SuggestReport(tuple(reviews), tuple(blocked), tuple(waiting), report.problems,
                         report.warnings)


def diff_base(session: CheckSession, project: str, version: str) -> DiffBase | None:
    """The newest version below `version` with a file that passes the policy today."""
    try:
        Version(version)
    except InvalidVersion:
        return None
    found = newest_passing(version_statuses(session, project, SpecifierSet(f"<{version}")))
    if found is None:
        return None
    return DiffBase(found.version, tuple(sorted(v.file.filename or v.file.sha256
                                                for v in found.verdicts if v.passed)))


def _young(verdict: FileVerdict) -> int:
    """Counted-but-for-age approvals: they need time, not a review."""
    return sum(1 for j in verdict.attestations if j.why_not is not None
               and j.why_not.code is Code.ATTESTATION_TOO_YOUNG)


def _size(verdict: FileVerdict) -> int | None:
    if verdict.file.size is not None:
        return verdict.file.size
    return next((j.attested_size for j in verdict.attestations
                 if j.attested_size is not None), None)


def _signers(session: CheckSession, files: Sequence[FileToReview]) -> tuple[str, ...]:
    """Valid keys that have signed about none of the files yet (a second statement by the same
    key adds no approval)."""
    heard = {j.signer for f in files for j in f.verdict.attestations if j.attestation}
    return tuple(session.key_label(fpr) for fpr in session.counted_keys(heard))
