"""`signoff explain`: everything behind the verdict on each file of one release, and what
would make it pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from signoff.attest.errors import InputError
from signoff.attest.names import normalize_sha256, normalize_version
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.grouping import RequirementVerdict, Status
from signoff.trust.decide.rules import FileVerdict
from signoff.trust.decide.target import Target
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
    signers: Mapping[str, str] = field(default_factory=dict)
    """Each attestation's signer fingerprint -> how text names it (key ID and name)."""


@dataclass(frozen=True)
class ExplainReport:
    """What `explain` found: an explanation per file, and the inputs it could not check."""

    explanations: tuple[Explanation, ...]
    """One per file."""
    problems: tuple[InputProblem, ...] = ()
    """Requirements of a deployment input that could not be checked at all."""
    warnings: tuple[str, ...] = ()
    """From opening the registries."""
    requirements: tuple[RequirementVerdict, ...] = ()
    """Per requirement of a deployment input: what the target skips or leaves out."""
    target: Target | None = None
    """The deployment target, when one was given."""

    @property
    def passed(self) -> bool:
        """True when every file passes and every requirement could be checked."""
        if self.requirements:
            return all(r.status.ok for r in self.requirements)
        return not self.problems and all(e.verdict.passed for e in self.explanations)


def parse_pin(text: str) -> tuple[str, str]:
    """`PROJECT==VERSION` into normalised parts."""
    project, spec = parse_project_and_spec(text, None)
    pins = [s for s in spec if s.operator in ("==", "===") and "*" not in s.version]
    if len(pins) != 1 or len(list(spec)) != 1:
        raise InputError(f"expected PROJECT==VERSION, got {text!r}")
    return project, normalize_version(pins[0].version)


def explain(session: CheckSession, project: str, version: str, sha256: str | None = None,
            target: Target | None = None) -> list[Explanation]:
    """Explain every attested file of a release (or only the one with `sha256`) that an
    installer could take on the target."""
    files = [f for f in session.attested_files(project, version)
             if target is None or target.accepts(f.filename)]
    if sha256 is not None:
        try:
            wanted = normalize_sha256(sha256)
        except ValueError as e:
            raise InputError(str(e)) from e
        files = [f for f in files if f.sha256 == wanted]
    if not files:
        raise InputError(f"no attested file of {project} {version}"
                         + (f" with sha256 {sha256}" if sha256 else "")
                         + (f" for the target ({target.label})" if target else "")
                         + " in any registry")
    return explain_verdicts(session, session.check(files).verdicts)


def explain_release(session: CheckSession, project: str, version: str,
                    sha256: str | None = None, target: Target | None = None) -> ExplainReport:
    """`explain PROJECT==VERSION`: every attested file of a release (or the one with
    `sha256`) that an installer could take on the target."""
    return ExplainReport(tuple(explain(session, project, version, sha256, target)),
                         warnings=tuple(session.warnings), target=target)


def explain_inputs(session: CheckSession, files: Sequence[ReleaseFile],
                   problems: Sequence[InputProblem] = (), target: Target | None = None
                   ) -> ExplainReport:
    """`explain INPUT`: every file a deployment input names that an installer could take on
    the target, for every requirement the target does not skip."""
    report = session.check(files, problems, target=target)
    judged = [f.verdict for r in report.requirements if r.status is not Status.SKIPPED
              for f in r.installable]
    return ExplainReport(tuple(explain_verdicts(session, judged)), report.problems,
                         report.warnings, report.requirements, target)


def explain_verdicts(session: CheckSession, verdicts: Sequence[FileVerdict]
                     ) -> list[Explanation]:
    """Explanations of verdicts already reached, e.g. on a deployment input's files."""
    result = []
    for verdict in verdicts:
        graph = session.criteria.graph
        implied = {c: tuple(sorted(graph.closure(session.criteria.counts_as(j.registry, [c]))
                                   - {c}))
                   for j in verdict.attestations for c in j.criteria}
        signers = {j.signer: session.key_label(j.signer) for j in verdict.attestations}
        result.append(Explanation(verdict, implied, tuple(_suggestions(session, verdict)),
                                  signers))
    return result


def _suggestions(session: CheckSession, verdict: FileVerdict) -> list[Reason]:
    """The file's own fixes (the same `check` gives), with the keys that could approve."""
    if verdict.passed:
        return []
    found: list[Reason] = []
    for fix in verdict.fixes:
        if fix.code is Code.MORE_APPROVALS:
            approvers = {j.signer for j in verdict.attestations if j.attestation is not None}
            valid = [fpr for fpr in sorted(session.keys())
                     if fpr not in approvers and session.trust.standing(fpr).counted]
            fix = Reason(Code.MORE_APPROVALS, {
                **fix.params, "candidates": [session.key_label(f) for f in valid[:5]]})
        found.append(fix)
    return found
