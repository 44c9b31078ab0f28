"""Output of `signoff explain`: every attestation, each requirement and what would make the
file pass, as text or as a JSON document."""

from __future__ import annotations

import json
from typing import Any

from signoff.attest.names import short_fpr
from signoff.trust.decide.explain import ExplainReport, Explanation
from signoff.trust.decide.grouping import Status
from signoff.trust.policy.durations import describe_duration
from signoff.trust.report.interface import (
    Renderer,
    problem_record,
    requirement_record,
    verdict_record,
)
from signoff.trust.report.words import describe, describe_all, record


class ExplainText(Renderer[ExplainReport]):
    """Each input problem on one line, then each file's explanation."""

    def render(self, result: ExplainReport) -> str:
        """The whole text."""
        problems = "".join(f"{p.source}: {p.requirement}: {p.reason}\n" for p in result.problems)
        return (problems + _target_lines(result)
                + render_explanations(list(result.explanations)))


class ExplainJson(Renderer[ExplainReport]):
    """`explain --format json`: the check report's file records, each with the criteria its
    attestations imply and what would make it pass."""

    def render(self, result: ExplainReport) -> str:
        """The document."""
        files: list[dict[str, Any]] = []
        for e in result.explanations:
            files.append({**verdict_record(e.verdict),
                          "implied": {c: list(i) for c, i in e.implied.items()},
                          "suggestions": [record(s) for s in e.suggestions]})
        files += [problem_record(p) for p in result.problems]
        doc = {"conclusion": "pass" if result.passed else "fail",
               "target": result.target.label if result.target else None,
               "requirements": [requirement_record(r) for r in result.requirements],
               "files": files, "warnings": list(result.warnings)}
        return json.dumps(doc, indent=2) + "\n"


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
            out.append(f"  attestation by {e.signers.get(j.signer, j.signer)} "
                       f"({j.verdict or 'unreadable'})")
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
            if j.attestation is not None and j.attestation.comment:
                out.append("    comment: " + " ".join(j.attestation.comment.split()))
        out.append("  requirements:")
        for finding in v.findings:
            out.append(f"    {'met   ' if finding.met else 'MISSED'} {finding.name}"
                       + (f": {describe(finding.reason)}" if finding.reason else ""))
        if e.suggestions:
            out.append("  to pass:")
            out.extend(f"    - {s}" for s in describe_all(e.suggestions))
        out.append("")
    return "\n".join(out)


def _target_lines(result: ExplainReport) -> str:
    """The target, what it skips, and how many files it leaves out."""
    if result.target is None:
        return ""
    lines = [f"target: {result.target.label}"]
    for row in result.requirements:
        if row.status is Status.SKIPPED and row.reason is not None:
            lines.append(f"  {row.project or row.key} {row.version or ''}: "
                         f"{describe(row.reason)}")
        others = len(row.files) - len(row.installable)
        if others and row.status is not Status.SKIPPED:
            lines.append(f"  {row.project} {row.version}: {others} file(s) for other targets "
                         "not judged")
    return "\n".join(lines) + "\n\n"
