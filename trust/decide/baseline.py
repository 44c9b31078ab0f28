"""`signoff baseline`: an exemption for every file that fails today only for want of vetting.

What an exemption cannot cover is left failing and listed: a rejection, a conflicting hash, a
size that disagrees, a requirement that could not be checked at all, and an exemption that has
ended (renewing it is a decision for the policy's owner, not a side effect of a baseline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.exemptions import exemptable
from signoff.trust.decide.rules import FileStatus, FileVerdict, file_name
from signoff.trust.outcomes import Code
from signoff.trust.policy.edit import NewExemption
from signoff.trust.release import InputProblem


@dataclass(frozen=True)
class BaselinePlan:
    """What baseline adds, and what it leaves failing."""

    entries: tuple[NewExemption, ...]
    """New exemptions, one per release, in input order."""
    covered: int
    """Files the new entries cover."""
    already_exempt: int
    """Files an exemption in force already covers."""
    left: tuple[FileVerdict, ...]
    """Failing files that no exemption can cover."""
    problems: tuple[InputProblem, ...]
    """Requirements that could not be checked at all."""

    @property
    def green(self) -> bool:
        """True when `check` passes once the entries are added."""
        return not self.left and not self.problems


def plan_baseline(report: CheckReport, reason: str, until: date | None) -> BaselinePlan:
    """The exemptions that make `report` pass, grouped by release."""
    releases: dict[tuple[str, str], list[FileVerdict]] = {}
    left = []
    for v in report.verdicts:
        if v.status is not FileStatus.FAIL:
            continue
        ended = any(r.code is Code.EXEMPTION_EXPIRED for r in v.reasons)
        if ended or not exemptable(v):
            left.append(v)
        else:
            releases.setdefault((v.file.project, v.file.version), []).append(v)
    entries = []
    for (project, version), verdicts in releases.items():
        # A file not hashed (a local file no statement names) is covered by the version.
        names = {v.file.sha256: file_name(v) for v in verdicts}
        files = () if "" in names else tuple(sorted(names.items(),
                                                    key=lambda f: (f[1] or "", f[0])))
        entries.append(NewExemption(project, version, files, reason.strip(), until))
    return BaselinePlan(
        tuple(entries), sum(len(v) for v in releases.values()),
        sum(1 for v in report.verdicts if v.status is FileStatus.EXEMPT), tuple(left),
        report.problems)
