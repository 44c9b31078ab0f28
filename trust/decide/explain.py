"""`signoff explain`: everything behind the verdict on each file of one release, and what
would make it pass."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from signoff.attest.errors import InputError
from signoff.attest.model import Verdict
from signoff.attest.names import normalize_sha256, normalize_version
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.rules import FileStatus, FileVerdict
from signoff.trust.decide.versions import parse_project_and_spec
from signoff.trust.outcomes import Code, Reason
from signoff.trust.release import InputProblem, ReleaseFile


@dataclass(frozen=True)
class Explanation:
    """The verdict on one file and the ways to make it pass."""

    verdict: FileVerdict
    """The full decision."""
    implied: dict[str, tuple[str, ...]]
    """For each attested criterion, everything it implies under the policy."""
    suggestions: tuple[Reason, ...]
    """What would make the file pass, most direct first."""


@dataclass(frozen=True)
class ExplainReport:
    """What `explain` found: an explanation per file, and the inputs it could not check."""

    explanations: tuple[Explanation, ...]
    """One per file."""
    problems: tuple[InputProblem, ...] = ()
    """Requirements of a deployment input that could not be checked at all."""
    warnings: tuple[str, ...] = ()
    """From opening the registries."""

    @property
    def passed(self) -> bool:
        """True when every file passes and every requirement could be checked."""
        return not self.problems and all(e.verdict.status is not FileStatus.FAIL
                                         for e in self.explanations)


def parse_pin(text: str) -> tuple[str, str]:
    """`PROJECT==VERSION` into normalised parts."""
    project, spec = parse_project_and_spec(text, None)
    pins = [s for s in spec if s.operator in ("==", "===") and "*" not in s.version]
    if len(pins) != 1 or len(list(spec)) != 1:
        raise InputError(f"expected PROJECT==VERSION, got {text!r}")
    return project, normalize_version(pins[0].version)


def explain(session: CheckSession, project: str, version: str, sha256: str | None = None
            ) -> list[Explanation]:
    """Explain every attested file of a release (or only the one with `sha256`)."""
    files = session.attested_files(project, version)
    if sha256 is not None:
        try:
            wanted = normalize_sha256(sha256)
        except ValueError as e:
            raise InputError(str(e)) from e
        files = [f for f in files if f.sha256 == wanted]
    if not files:
        raise InputError(f"no attested file of {project} {version}"
                         + (f" with sha256 {sha256}" if sha256 else "") + " in any registry")
    return explain_verdicts(session, session.check(files).verdicts)


def explain_release(session: CheckSession, project: str, version: str,
                    sha256: str | None = None) -> ExplainReport:
    """`explain PROJECT==VERSION`: every attested file of a release (or the one with
    `sha256`)."""
    return ExplainReport(tuple(explain(session, project, version, sha256)),
                         warnings=tuple(session.warnings))


def explain_inputs(session: CheckSession, files: Sequence[ReleaseFile],
                   problems: Sequence[InputProblem] = ()) -> ExplainReport:
    """`explain INPUT`: every file a deployment input names."""
    report = session.check(files, problems)
    return ExplainReport(tuple(explain_verdicts(session, report.verdicts)), report.problems,
                         report.warnings)


def explain_verdicts(session: CheckSession, verdicts: Sequence[FileVerdict]
                     ) -> list[Explanation]:
    """Explanations of verdicts already reached, e.g. on a deployment input's files."""
    result = []
    for verdict in verdicts:
        implied = {c: tuple(sorted(session.policy.criteria.closure([c]) - {c}))
                   for j in verdict.attestations for c in j.criteria}
        result.append(Explanation(verdict, implied,
                                  tuple(_suggestions(session, verdict))))
    return result


def _suggestions(session: CheckSession, verdict: FileVerdict) -> list[Reason]:
    if verdict.passed:
        return []
    req = verdict.requirement
    found: list[Reason] = []
    missing = req.signers - verdict.counted_signers
    young = sorted(req.min_age - (j.age or 0) for j in verdict.attestations
                   if not j.counted and j.attestation is not None
                   and j.verdict == Verdict.APPROVED.value and j.age is not None
                   and j.age < req.min_age and j.why_not is not None
                   and j.why_not.code is Code.ATTESTATION_TOO_YOUNG)
    if missing > 0 and len(young) >= missing:
        found.append(Reason(Code.WAIT, {"wait": young[missing - 1], "signers": req.signers,
                                        "min_age": req.min_age}))
    if missing > 0:
        approvers = {j.signer for j in verdict.attestations if j.attestation is not None}
        valid = [fpr for fpr in sorted(session.keys())
                 if fpr not in approvers and session.trust.standing(fpr).counted]
        found.append(Reason(Code.MORE_APPROVALS, {
            "missing": missing, "criteria": list(req.criteria),
            "candidates": [session.key_label(f) for f in valid[:5]]}))
    found += [fix for fix in verdict.fixes if fix.code is not Code.MORE_APPROVALS]
    return found
