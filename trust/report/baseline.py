"""Output of `signoff baseline`: what was added to the policy, and what still fails."""

from __future__ import annotations

import json
from pathlib import Path

from signoff.trust.decide.baseline import BaselinePlan
from signoff.trust.decide.rules import file_name
from signoff.trust.report.interface import problem_reason
from signoff.trust.report.words import describe, record


def render_baseline(plan: BaselinePlan, policy: Path) -> str:
    """Lines for a person: the entries added, then every failure an exemption cannot cover."""
    lines = []
    if plan.entries:
        until = plan.entries[0].until
        lines.append(f"added {len(plan.entries)} exemption(s) covering {plan.covered} file(s) "
                     f"to {policy}" + (f", until {until.isoformat()}" if until else ""))
        lines.extend(f"  {e.project} {e.version}: "
                     + (f"{len(e.files)} file(s)" if e.files else "every file")
                     for e in plan.entries)
    else:
        lines.append(f"nothing to add to {policy}: no file fails for want of vetting alone")
    if plan.already_exempt:
        lines.append(f"{plan.already_exempt} file(s) already exempt")
    if plan.left or plan.problems:
        lines.append("still failing: an exemption does not cover these")
        for v in plan.left:
            f = v.file
            lines.append(f"  {f.project} {f.version} {file_name(v) or f.sha256[:16]}: "
                         + "; ".join(describe(r) for r in v.reasons))
        lines.extend(f"  {p.source}: {describe(problem_reason(p))}" for p in plan.problems)
    else:
        lines.append("check now passes")
    return "".join(line + "\n" for line in lines)


def baseline_json(plan: BaselinePlan, policy: Path) -> str:
    """`baseline --format json`: the entries added and what still fails, with codes."""
    doc = {
        "policy": str(policy), "green": plan.green,
        "added": [{"project": e.project, "version": e.version,
                   "files": [{"sha256": sha, "filename": name} for sha, name in e.files],
                   "reason": e.reason, "until": e.until.isoformat() if e.until else None}
                  for e in plan.entries],
        "covered": plan.covered, "already_exempt": plan.already_exempt,
        "still_failing": [{"project": v.file.project, "version": v.file.version,
                           "filename": file_name(v), "sha256": v.file.sha256 or None,
                           "reasons": [record(r) for r in v.reasons]} for v in plan.left],
        "problems": [{"source": p.source, **(record(problem_reason(p)) or {})}
                     for p in plan.problems],
    }
    return json.dumps(doc, indent=2) + "\n"
