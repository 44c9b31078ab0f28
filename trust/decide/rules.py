"""Judging a release file against the policy: each attestation, then each requirement.

Every requirement is a small object that returns whether it is met and, when not, the reason
and what would fix it (sigstore-python's habit). A file passes only when every one is met.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from signoff.attest.errors import AttestationError
from signoff.attest.gpg import SignatureCheck
from signoff.attest.model import Attestation, Verdict, load_attestation
from signoff.attest.names import short_fpr
from signoff.registry.history import FirstSeen
from signoff.registry.layout import parse_attestation_path
from signoff.registry.repo import StoredAttestation
from signoff.trust.policy.criteria import CriteriaGraph
from signoff.trust.policy.durations import describe_duration
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
    """approved, rejected, or None when unreadable."""
    criteria: tuple[str, ...]
    """As attested."""
    counted: bool
    """True when it takes part in the decision."""
    why_not: str | None
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

    code: str | None = None
    """A stable code for why it does not count, where one is defined (`REPLAY_CODE`, ...)."""

    @property
    def signed_order(self) -> tuple[datetime, bool]:
        """How one signer's statements are ordered: by the `date` signed, never by commit
        times, which whoever commits chooses; on equal dates the rejection ranks higher."""
        assert self.attestation is not None
        return self.attestation.date, self.attestation.verdict is Verdict.REJECTED


@dataclass(frozen=True)
class Finding:
    """One requirement's result."""

    name: str
    """Which requirement: approvals, rejections, conflicts, size, age."""
    met: bool
    """True when met."""
    reason: str | None = None
    """Why not, when not met."""
    fix: str | None = None
    """What would make it met."""


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

    @property
    def reasons(self) -> list[str]:
        """Every unmet requirement's reason."""
        return [f.reason for f in self.findings if not f.met and f.reason]

    @property
    def fixes(self) -> list[str]:
        """What would make the file pass."""
        return [f.fix for f in self.findings if not f.met and f.fix]


def judge(candidate: Candidate, file: ReleaseFile, signature: SignatureCheck,
          trust: TrustModel, requirement: Requirement, now: int) -> JudgedAttestation:
    """Decide whether one attestation counts for `file`, and if not, why."""
    stored = candidate.stored
    # The current content's age: a replaced statement waits its quarantine again.
    age = now - candidate.first_seen.changed_time if candidate.first_seen else None
    base = JudgedAttestation(candidate.registry, stored.path, stored.name_fpr, None, (), False,
                             None, first_seen=candidate.first_seen, age=age, signature=signature)
    if stored.too_large:
        return replace(base, why_not="statement or signature is over its size cap; not read")
    try:
        att = load_attestation(stored.statement, f"{candidate.registry}/{stored.path}")
    except AttestationError as e:
        return replace(base, why_not=f"malformed statement: {e.diagnostics()}")
    base = replace(base, signer=att.signer, verdict=att.verdict.value, criteria=att.criteria,
                   notes=tuple(f"unknown field {name!r} kept, not understood"
                               for name in att.unknown_fields))
    if not signature.good:
        return replace(base, why_not=f"signature not good: {signature.problem}")
    base = replace(base, attested_size=att.subject.size)
    problem = _mismatch(att, stored, signature, file, now)
    if problem is not None:
        return replace(base, why_not=problem)
    base = replace(base, attestation=att)
    standing = trust.standing(att.signer)
    base = replace(base, validity=standing.validity.value,
                   trust_path=tuple(standing.path) if standing.path else None)
    if not standing.counted:
        return replace(base, why_not=standing.why_not or "signer is not valid under the policy")
    # Rejections count at once: a quarantine protects against new approvals, not warnings.
    if att.verdict is Verdict.APPROVED and requirement.min_age > 0:
        if age is None:
            return replace(base, why_not="no main-line history for this attestation; "
                                         "min-age cannot be met")
        if age < requirement.min_age:
            return replace(base, why_not=f"attested {describe_duration(age)} ago; policy needs "
                                         f"{describe_duration(requirement.min_age)}")
    return replace(base, counted=True)


def _mismatch(att: Attestation, stored: StoredAttestation, signature: SignatureCheck,
              file: ReleaseFile, now: int) -> str | None:
    s = att.subject
    where = parse_attestation_path(stored.path)
    if where is None or (where.project, where.version, where.sha256) != (
            s.project, s.version, s.sha256):
        return (f"subject ({s.project} {s.version} sha256 {s.sha256[:12]}…) does not match "
                f"the directory it sits in: moved from another file's directory?")
    if not (att.signer == stored.name_fpr == signature.primary_fpr):
        return (f"signer mismatch: statement says {short_fpr(att.signer)}, file name says "
                f"{short_fpr(stored.name_fpr)}, signature is by "
                f"{short_fpr(signature.primary_fpr or '?')}")
    if file.filename is not None and file.filename != s.filename:
        return f"subject names file {s.filename}, but this file is {file.filename}"
    if file.size is not None and file.size != s.size:
        return f"attested size {s.size} bytes, but the file is {file.size} bytes"
    if att.expires is not None and att.expires.timestamp() <= now:
        return f"expired on {att.expires.astimezone(UTC):%Y-%m-%d}"
    return None


REPLAY_CODE = "replay"
"""An older statement of a signer who has since signed a newer one about the same file."""
SUPERSEDED_CODE = "superseded"
"""A statement signed at the same time as the one that counts, and losing the tie."""
DUPLICATE_CODE = "duplicate"
"""The same statement, byte for byte, as the one that counts (found in another registry)."""


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
    signed, newer = _signed(item.attestation), _signed(keep.attestation)
    if item.attestation.date < keep.attestation.date:
        return replace(item, counted=False, code=REPLAY_CODE,
                       why_not=f"replay: signed {signed}, but {short_fpr(item.signer)} has "
                               f"since signed {newer} ({keep.verdict}) at {where}; an older "
                               "statement never outvotes a newer one")
    if item.attestation.raw == keep.attestation.raw:
        return replace(item, counted=False, code=DUPLICATE_CODE,
                       why_not=f"the same statement as {where}, counted once")
    return replace(item, counted=False, code=SUPERSEDED_CODE,
                   why_not=f"signed at the same time ({signed}) as {where} ({keep.verdict}), "
                           "which wins: on equal dates a rejection wins")


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
                and self.criteria.satisfies(j.criteria, self.requirement.criteria)}

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when at least `signers` distinct signers approve."""
        need = self.requirement.signers
        have = len(self.approvers(judged))
        if have >= need:
            return Finding(self.name, True)
        wanted = " and ".join(self.requirement.criteria)
        reason = f"{have} of {need} trusted approvals for {wanted}"
        weak = [j for j in judged if j.counted and j.verdict == Verdict.APPROVED.value
                and not self.criteria.satisfies(j.criteria, self.requirement.criteria)]
        if weak:
            reason += "; " + ", ".join(
                f"{short_fpr(j.signer)} approved only {', '.join(j.criteria) or 'nothing'}"
                for j in weak)
        young = [j for j in judged if not j.counted and j.why_not and "policy needs" in j.why_not
                 and j.verdict == Verdict.APPROVED.value]
        if young:
            reason += "; " + "; ".join(j.why_not or "" for j in young)
        missing = need - have
        fix = (f"{'one more approval' if missing == 1 else f'{missing} more approvals'} for "
               f"{wanted} from a key valid under this policy")
        return Finding(self.name, False, reason, fix)


class NoRejections:
    """No counted signer rejects the file."""

    name = "rejections"

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no counted attestation says rejected."""
        rejecting = [j for j in judged if j.counted and j.verdict == Verdict.REJECTED.value]
        if not rejecting:
            return Finding(self.name, True)
        reason = "; ".join(f"rejected by {short_fpr(j.signer)}"
                           + (f" ({', '.join(j.criteria)})" if j.criteria else "")
                           for j in rejecting)
        return Finding(self.name, False, reason,
                       "the rejecting signer must withdraw with a newer attestation, or the "
                       "file must not be deployed")


class NoConflictingHash:
    """No other sha256 is attested for the same file name, in any registry."""

    name = "conflicts"

    def __init__(self, conflicts: Sequence[tuple[str, str]]) -> None:
        self.conflicts = conflicts

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no conflicting hash was found."""
        if not self.conflicts:
            return Finding(self.name, True)
        reason = "; ".join(f"conflicting hash: the same file name is attested with sha256 "
                           f"{sha[:16]}… in {where}" for sha, where in self.conflicts)
        return Finding(self.name, False, reason,
                       "find out which file is genuine: two hashes for one file name is an "
                       "alarm, not a choice")


class SizeAgrees:
    """Every verified attestation agrees with the file's size, and the file is not oversized."""

    name = "size"

    def __init__(self, file: ReleaseFile, oversized: str | None) -> None:
        self.file = file
        self.oversized = oversized

    def check(self, judged: Sequence[JudgedAttestation]) -> Finding:
        """Met when no size disagrees."""
        if self.oversized:
            return Finding(self.name, False, self.oversized, None)
        sizes = {j.attested_size for j in judged if j.attested_size is not None}
        if self.file.size is not None and sizes - {self.file.size}:
            return Finding(self.name, False,
                           f"size mismatch: the file is {self.file.size} bytes, attested as "
                           f"{', '.join(str(s) for s in sorted(sizes - {self.file.size}))}")
        if len(sizes) > 1:
            return Finding(self.name, False, "attestations disagree about the file's size: "
                           + ", ".join(str(s) for s in sorted(sizes)))
        return Finding(self.name, True)


def decide(file: ReleaseFile, judged: Sequence[JudgedAttestation], requirement: Requirement,
           rule: str, criteria: CriteriaGraph, conflicts: Sequence[tuple[str, str]],
           oversized: str | None = None) -> FileVerdict:
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
    if not judged and not oversized:
        findings = (*findings[:-1], replace(
            findings[-1], reason=f"no attestations for this file (sha256 {file.sha256[:16]}…); "
            + (findings[-1].reason or "")))
    return FileVerdict(file, all(f.met for f in findings), findings, tuple(judged), requirement,
                       rule, len(approvals.approvers(judged)))


def now_seconds() -> int:
    """The current time, the one place evaluation reads the clock."""
    return int(datetime.now(tz=UTC).timestamp())
