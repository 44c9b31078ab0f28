"""The exemption step: after a file is judged, a policy exemption may let its shortfall through.

An exemption stands in for missing approvals only. Whatever else falls short (a rejection by a
counted signer, a conflicting hash, a size that disagrees) still fails the file, so an exemption
can never hide an alarm. An exemption past its `until` date is a failure that says so.
"""

from __future__ import annotations

from dataclasses import replace

from signoff.trust.decide.rules import FileVerdict, Finding
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.exemptions import Exemption

EXEMPTABLE = frozenset({Code.TOO_FEW_APPROVALS, Code.NO_ATTESTATIONS, Code.NO_ATTESTED_NAME})
"""The shortfalls an exemption covers: the file is simply not vetted yet. Any other code,
including one added later, is never covered (fail closed)."""


def exemptable(verdict: FileVerdict) -> bool:
    """True when every unmet requirement of the verdict is only a lack of vetting."""
    unmet = [f for f in verdict.findings if not f.met]
    return bool(unmet) and all(f.reason is not None and f.reason.code in EXEMPTABLE
                               for f in unmet)


def exemption_params(exemption: Exemption) -> dict[str, object]:
    """The entry as outcome parameters (JSON-ready)."""
    return {"project": exemption.project, "version": exemption.version,
            "sha256": list(exemption.sha256), "reason": exemption.reason,
            "until": exemption.until.isoformat() if exemption.until else None,
            "entry": exemption.label}


def apply_exemption(verdict: FileVerdict, exemption: Exemption | None, now: int
                    ) -> FileVerdict:
    """The verdict with the exemption that names its file applied: `exempt` when it is in
    force and covers every shortfall, a failure that names the entry once it has ended."""
    if verdict.passed or exemption is None or not exemptable(verdict):
        return verdict
    params = exemption_params(exemption)
    if exemption.expired(now):
        ended = Finding("exemption", False, Reason(Code.EXEMPTION_EXPIRED, params),
                        Reason(Code.VET_OR_RENEW, {"entry": exemption.label}))
        # First: the ended exemption is why a file that was let through yesterday fails today.
        return replace(verdict, findings=(ended, *verdict.findings))
    return replace(verdict, exemption=Reason(Code.EXEMPT, params))
