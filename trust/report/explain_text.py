"""Human text of `signoff explain`."""

from __future__ import annotations

from signoff.attest.names import short_fpr
from signoff.trust.decide.explain import Explanation
from signoff.trust.policy.durations import describe_duration
from signoff.trust.report.words import describe, describe_all


def render_explanations(explanations: list[Explanation]) -> str:
    """Every file: its attestations, each requirement, and what would make it pass."""
    out: list[str] = []
    for e in explanations:
        v = e.verdict
        f = v.file
        out.append(f"{f.project} {f.version}  {f.filename or f.source}  sha256 {f.sha256 or '?'}")
        out.append(f"  status: {'PASS' if v.passed else 'FAIL'}  (policy {v.rule}: "
                   f"{v.requirement.signers} signer(s), criteria "
                   f"{' and '.join(v.requirement.criteria)}"
                   + (f", min-age {describe_duration(v.requirement.min_age)}"
                      if v.requirement.min_age else "") + ")")
        if not v.attestations:
            out.append("  attestations: none")
        for j in v.attestations:
            out.append(f"  attestation by {j.signer} ({j.verdict or 'unreadable'})")
            out.append(f"    in {j.registry}/{j.path}")
            sig = j.signature
            out.append("    signature: " + ("good" if sig and sig.good else
                                            f"NOT good ({sig.problem if sig else 'missing'})"))
            out.append(f"    signer validity: {j.validity or 'not evaluated'}"
                       + (f"; path {' -> '.join(short_fpr(p) for p in j.trust_path)}"
                          if j.trust_path else ""))
            for c in j.criteria:
                implied = e.implied.get(c, ())
                out.append(f"    criterion {c}" + (f" (implies {', '.join(implied)})"
                                                  if implied else ""))
            if j.first_seen is not None:
                out.append(f"    first seen in {j.first_seen.commit[:12]}, "
                           f"{describe_duration(j.age or 0)} ago")
            out.append("    counted" if j.counted else
                       f"    not counted: {describe(j.why_not) if j.why_not else None}")
            for note in j.notes:
                out.append(f"    note: {note}")
        out.append("  requirements:")
        for finding in v.findings:
            out.append(f"    {'met   ' if finding.met else 'MISSED'} {finding.name}"
                       + (f": {describe(finding.reason)}" if finding.reason else ""))
        if e.suggestions:
            out.append("  to pass:")
            out.extend(f"    - {s}" for s in describe_all(e.suggestions))
        out.append("")
    return "\n".join(out)
