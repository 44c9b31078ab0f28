"""Judging a release file against the policy: each attestation, then each requirement.

Every requirement is a small object that returns whether it is met and, when not, the reason
and what would fix it (sigstore-python's habit). A file passes only when every one is met.
Reasons and fixes are `Reason` values (a code with parameters); the report renderers word them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from signoff.attest.errors import AttestationError
from signoff.attest.gpg import SignatureCheck
from signoff.attest.model import Attestation, Verdict, load_attestation
from signoff.attest.names import same_version
from signoff.registry.history import FirstSeen
from signoff.registry.layout import parse_attestation_path
from signoff.registry.repo import StoredAttestation
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.criteria import CriteriaGraph
from signoff.trust.policy.policy import Requirement
from signoff.trust.release import ReleaseFile
from signoff.trust.wot.standing import TrustModel


@dataclass(frozen=True)
class Candidate:
    """A committed statement found for a file, with where and when it appeared."""

    registry: str
    """The registry it was read from."""
    stored: StoredAttestation
    """Its committed bytes."""
    first_seen: FirstSeen | None
    """When it first appeared on the main line, when history is known."""


@dataclass(frozen=True)
class JudgedAttestation:
    """One attestation as the policy sees it."""

    registry: str
    """The registry it was read from."""
    path: str
    """Its path in that registry."""
    signer: str
    """Fingerprint from the statement, or from the file name when it did not parse."""
    verdict: str | None
    """approved, rejected, withdrawn, or None when unreadable."""
    criteria: tuple[str, ...]
    """As attested."""
    counted: bool
    """True when it takes part in the decision."""
    why_not: Reason | None
    """Why it does not count."""
    validity: str | None = None
    """The signer key's validity."""
    trust_path: tuple[str, ...] | None = None
    """Certification path that made the signer valid."""
    first_seen: FirstSeen | None = None
    """When it first appeared on the main line."""
    age: int | None = None
    """Seconds since the current content appeared (first_seen.changed_time)."""
    attestation: Attestation | None = None
    """The statement, once its signature verified and it matched its path, signer and file."""
    signature: SignatureCheck | None = None
    """The signature result."""
    notes: tuple[str, ...] = ()
    """Things worth saying that do not stop it counting (unknown fields)."""
    attested_size: int | None = None
    """The size a good signature vouches for, even when the statement does not count."""
    counts_as: tuple[str, ...] | None = None
    """The criteria as the policy reads them (after its registry's criteria-map); None when
    that is as attested."""

    @property
    def policy_criteria(self) -> tuple[str, ...]:
        """What this statement certifies under the policy."""
        return self.criteria if self.counts_as is None else self.counts_as

    @property
    def signed_order(self) -> tuple[datetime, int]:
        """How one signer's statements are ordered: by the `date` signed, never by commit
        times, which whoever commits chooses; on equal dates a rejection ranks above a
        withdrawal, and a withdrawal above an approval."""
        assert self.attestation is not None
        return self.attestation.date, _TIE_RANK[self.attestation.verdict]


_TIE_RANK = {Verdict.APPROVED: 0, Verdict.WITHDRAWN: 1, Verdict.REJECTED: 2}


@dataclass(frozen=True)
class Finding:
    """One requirement's result."""

    name: str
    """Which requirement: approvals, rejections, conflicts, size, age."""
    met: bool
    """True when met."""
    reason: Reason | None = None
    """Why not, when not met."""
    fix: Reason | None = None
    """What would make it met."""


class FileStatus(StrEnum):
    """What a verdict comes to; the value is what JSON carries."""

    PASS = "pass"
    """Every requirement is met."""
    EXEMPT = "exempt"
    """Only approvals are missing, and a policy exemption in force covers the file."""
    FAIL = "fail"
    """Something falls short and nothing covers it."""


@dataclass(frozen=True)
class FileVerdict:
    """The decision about one release file."""

    file: ReleaseFile
    """The file, with its sha256 and size when they were computed here."""
    passed: bool
    """True when every requirement is met."""
    findings: tuple[Finding, ...]
    """Every requirement's result, in order."""
    attestations: tuple[JudgedAttestation, ...]
    """Every attestation found, counted or not."""
    requirement: Requirement
    """What applied."""
    rule: str
    """Where it came from in the policy: `require` or `rules[0] (internal-*)`."""
    counted_signers: int
    """Distinct counted signers whose approval meets the criteria."""
    exemption: Reason | None = None
    """`exempt` with the policy entry that covers this failing file, when one does."""

    @property
    def status(self) -> FileStatus:
        """pass, exempt or fail: an exempt file falls short of the policy, and is let through."""
        if self.passed:
            return FileStatus.PASS
        return FileStatus.EXEMPT if self.exemption is not None else FileStatus.FAIL

    @property
    def reasons(self) -> list[Reason]:
        """Every unmet requirement's reason."""
        return [f.reason for f in self.findings if not f.met and f.reason]

    @property
    def fixes(self) -> list[Reason]:
        """What would make the file pass."""
        return [f.fix for f in self.findings if not f.met and f.fix]


def file_name(verdict: FileVerdict) -> str | None:
    """The file's name from the input, else from a verified statement about it."""
    return verdict.file.filename or next((j.attestation.subject.filename
                                          for j in verdict.attestations
                                          if j.attestation is not None), None)


def judge(candidate: Candidate, file: ReleaseFile, signature: SignatureCheck,
          trust: TrustModel, requirement: Requirement, now: int,
          parsed: Attestation | AttestationError | None = None) -> JudgedAttestation:
    """Decide whether one attestation counts for `file`, and if not, why; `parsed` is the
    statement already parsed from these bytes (parsed here otherwise)."""
    stored = candidate.stored
    # The current content's age: a replaced statement waits its quarantine again.
    age = now - candidate.first_seen.changed_time if candidate.first_seen else None
    base = JudgedAttestation(candidate.registry, stored.path, stored.name_fpr, None, (), False,
                             None, first_seen=candidate.first_seen, age=age, signature=signature)
    if stored.too_large:
        return replace(base, why_not=Reason(Code.STATEMENT_TOO_LARGE))
    if parsed is None:
        try:
            parsed = load_attestation(stored.statement, f"{candidate.registry}/{stored.path}")
        except AttestationError as e:
            parsed = e
    if isinstance(parsed, AttestationError):
        return replace(base, why_not=Reason(Code.MALFORMED_STATEMENT,
                                            {"detail": parsed.diagnostics()}))
    att = parsed
    base = replace(base, signer=att.signer, verdict=att.verdict.value, criteria=att.criteria,
                   notes=tuple(f"unknown field {name!r} kept, not understood"
                               for name in att.unknown_fields))
    if not signature.good:
        return replace(base, why_not=Reason(Code.BAD_SIGNATURE, {"problem": signature.problem}))
    base = replace(base, attested_size=att.subject.size)
    problem = _mismatch(att, stored, signature, file, now)
    if problem is not None:
        return replace(base, why_not=problem)
    base = replace(base, attestation=att)
    standing = trust.standing(att.signer)
    base = replace(base, validity=standing.validity.value,
                   trust_path=tuple(standing.path) if standing.path else None)
    if not standing.counted:
        return replace(base, why_not=standing.why_not or Reason(
            Code.SIGNER_NOT_VALID, {"signer": att.signer, "validity": standing.validity.value,
                                    "shortfall": None}))
    if att.verdict is Verdict.WITHDRAWN:
        # Still the signer's newest word (one_per_signer), so older statements stay replaced.
        return replace(base, why_not=Reason(Code.WITHDRAWN, {"signer": att.signer,
                                                             "signed": _signed(att)}))
    # Rejections count at once: a quarantine protects against new approvals, not warnings.
    if att.verdict is Verdict.APPROVED and requirement.min_age > 0:
        if age is None:
            return replace(base, why_not=Reason(Code.NO_HISTORY))
        if age < requirement.min_age:
            return replace(base, why_not=Reason(Code.ATTESTATION_TOO_YOUNG,
                                                {"age": age, "need": requirement.min_age}))
    return replace(base, counted=True)


def _mismatch(att: Attestation, stored: StoredAttestation, signature: SignatureCheck,
              file: ReleaseFile, now: int) -> Reason | None:
    s = att.subject
    where = parse_attestation_path(stored.path)
    if where is None or (where.project, where.sha256) != (s.project, s.sha256) or (
            not same_version(s.version, where.version)):
        return Reason(Code.SUBJECT_MISMATCH,
                      {"project": s.project, "version": s.version, "sha256": s.sha256})
    if not (att.signer == stored.name_fpr == signature.primary_fpr):
        return Reason(Code.SIGNER_MISMATCH, {"statement": att.signer,
                                             "file_name": stored.name_fpr,
                                             "signature": signature.primary_fpr})
    if file.filename is not None and file.filename != s.filename:
        return Reason(Code.FILENAME_MISMATCH, {"attested": s.filename, "actual": file.filename})
    if file.size is not None and file.size != s.size:
        return Reason(Code.ATTESTED_SIZE_MISMATCH, {"attested": s.size, "actual": file.size})
    if att.expires is not None and att.expires.timestamp() <= now:
        return Reason(Code.EXPIRED, {"expires": f"{att.expires.astimezone(UTC):%Y-%m-%d}"})
    return None


def one_per_signer(judged: Sequence[JudgedAttestation]) -> list[JudgedAttestation]:
    """Keep each signer's newest verified statement, by the date signed, across registries;
    mark the others, and report an older one as a replay."""
    newest: dict[str, JudgedAttestation] = {}
    for item in judged:
        if item.attestation is None:
            continue
        held = newest.get(item.signer)
        if held is None or item.signed_order > held.signed_order:
            newest[item.signer] = item
    result = []
    for item in judged:
        keep = newest.get(item.signer)
        if item.attestation is not None and keep is not None and keep is not item:
            item = _outranked(item, keep)
        result.append(item)
    return result


def _outranked(item: JudgedAttestation, keep: JudgedAttestation) -> JudgedAttestation:
    assert item.attestation is not None and keep.attestation is not None
    where = f"{keep.registry}/{keep.path}"
    if item.attestation.date < keep.attestation.date:
        return replace(item, counted=False, why_not=Reason(Code.REPLAY, {
            "by": where, "signed": _signed(item.attestation),
            "newer": _signed(keep.attestation)}))
    # Equal dates (the rejection won the tie), or the same statement in another registry.
    return replace(item, counted=False, why_not=Reason(Code.SUPERSEDED, {"by": where}))


def _signed(att: Attestation) -> str:
    return att.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EnoughApprovals:
    """n of m: enough distinct counted signers approve, with criteria that imply the required."""

    name = "approvals"

    def __init__(self, requirement: Requirement, criteria: CriteriaGraph) -> None:
        self.requirement = requirement
        self.criteria = criteria

    def approvers(self, judged: Sequence[JudgedAttestation]) -> set[str]:
        """Signers whose counted approval meets the criteria."""
        return {j.signer for j in judged if j.counted and j.verdict == Verdict.APPROVED.value
                and self.criteria.satisfies(j.policy_criteria, self.requirement.criteria)}

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when at least `signers` distinct signers approve."""
        need = self.requirement.signers
        have = len(self.approvers(judged))
        if have >= need:
            return Finding(self.name, True)
        criteria = list(self.requirement.criteria)
        weak = [{"signer": j.signer, "criteria": list(j.criteria)} for j in judged
                if j.counted and j.verdict == Verdict.APPROVED.value
                and not self.criteria.satisfies(j.policy_criteria, self.requirement.criteria)]
        young = [{"signer": j.signer, **j.why_not.params} for j in judged
                 if not j.counted and j.why_not is not None
                 and j.why_not.code is Code.ATTESTATION_TOO_YOUNG
                 and j.verdict == Verdict.APPROVED.value]
        reason = Reason(Code.TOO_FEW_APPROVALS, {"have": have, "need": need, "criteria": criteria,
                                                 "weak": weak, "young": young})
        return Finding(self.name, False, reason, self.fix(have, young))

    def fix(self, have: int, young: Sequence[Mapping[str, Any]]) -> Reason:
        """Wait, when approvals already made reach the count once they are old enough; else
        ask for more. `check` and `explain` both give this fix."""
        need = self.requirement.signers
        missing = need - have
        waits = sorted(int(y["need"]) - int(y["age"]) for y in young)
        if len(waits) >= missing:
            return Reason(Code.WAIT, {"wait": waits[missing - 1], "signers": need,
                                      "min_age": self.requirement.min_age})
        return Reason(Code.MORE_APPROVALS, {"missing": missing,
                                            "criteria": list(self.requirement.criteria)})


class NoRejections:
    """No counted signer rejects the file."""

    name = "rejections"

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no counted attestation says rejected."""
        rejecting = [j for j in judged if j.counted and j.verdict == Verdict.REJECTED.value]
        if not rejecting:
            return Finding(self.name, True)
        reason = Reason(Code.REJECTED, {"rejections": [
            {"signer": j.signer, "criteria": list(j.criteria)} for j in rejecting]})
        return Finding(self.name, False, reason, Reason(Code.WITHDRAW_REJECTION))


class NoConflictingHash:
    """No other sha256 is attested for the same file name, in any registry."""

    name = "conflicts"

    def __init__(self, conflicts: Sequence[tuple[str, str]]) -> None:
        self.conflicts = conflicts

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no conflicting hash was found."""
        if not self.conflicts:
            return Finding(self.name, True)
        reason = Reason(Code.CONFLICTING_HASH, {"conflicts": [
            {"sha256": sha, "where": where} for sha, where in self.conflicts]})
        return Finding(self.name, False, reason, Reason(Code.RESOLVE_CONFLICT))


class SizeAgrees:
    """Every verified attestation agrees with the file's size, and the file is not oversized."""

    name = "size"

    def __init__(self, file: ReleaseFile, oversized: Reason | None) -> None:
        self.file = file
        self.oversized = oversized

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no size disagrees."""
        if self.oversized:
            return Finding(self.name, False, self.oversized, None)
        sizes = {j.attested_size for j in judged if j.attested_size is not None}
        if self.file.size is not None and sizes - {self.file.size}:
            return Finding(self.name, False, Reason(Code.SIZE_MISMATCH, {
                "size": self.file.size, "attested": sorted(sizes - {self.file.size})}))
        if len(sizes) > 1:
            return Finding(self.name, False, Reason(Code.SIZES_DISAGREE,
                                                    {"sizes": sorted(sizes)}))
        return Finding(self.name, True)


def decide(file: ReleaseFile, judged: Sequence[JudgedAttestation], requirement: Requirement,
           rule: str, criteria: CriteriaGraph, conflicts: Sequence[tuple[str, str]],
           oversized: Reason | None = None) -> FileVerdict:
    """Apply every requirement to the judged attestations of one file."""
    approvals = EnoughApprovals(requirement, criteria)
    # Most serious first: the first unmet finding is the one a table shows.
    checks: list[Callable[[Sequence[JudgedAttestation]], Finding]] = [
        NoRejections().check,
        NoConflictingHash(conflicts).check,
        SizeAgrees(file, oversized).check,
        approvals.check,
    ]
    findings = tuple(check(judged) for check in checks)
    last = findings[-1]
    if not judged and not oversized and last.reason is not None:
        findings = (*findings[:-1], replace(last, reason=Reason(
            Code.NO_ATTESTATIONS, {**last.reason.params, "sha256": file.sha256})))
    return FileVerdict(file, all(f.met for f in findings), findings, tuple(judged), requirement,
                       rule, len(approvals.approvers(judged)))


def now_seconds() -> int:
    """The current time, the one place evaluation reads the clock."""
    return int(datetime.now(tz=UTC).timestamp())
