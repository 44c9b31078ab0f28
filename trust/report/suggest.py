"""Output of `signoff suggest`: the reviews to do next, best first, as text or JSON."""

from __future__ import annotations

import json
from typing import Any

from signoff.trust.decide.exemptions import EXEMPTABLE
from signoff.trust.decide.rules import FileVerdict, file_name
from signoff.trust.decide.suggest import Review, SuggestReport
from signoff.trust.report.interface import Renderer, problem_reason
from signoff.trust.report.words import describe, record

_SHOWN_SIGNERS = 5


def human_size(size: int | None) -> str:
    """`12.3 KiB`, `840 bytes`, or `size unknown`."""
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _name(v: FileVerdict) -> str:
    return file_name(v) or f"sha256 {v.file.sha256[:16]}…"


class SuggestText(Renderer[SuggestReport]):
    """Numbered reviews, then what a review will not fix, waits, and unchecked inputs."""

    def render(self, result: SuggestReport) -> str:
        """The whole text."""
        out: list[str] = []
        if result.reviews:
            out.append("Reviews that would turn the most failures into passes, best first:")
        else:
            out.append("No review to suggest: nothing falls short for want of approvals.")
        for n, r in enumerate(result.reviews, 1):
            out.extend(_review_lines(n, r))
        if result.blocked:
            out.append("")
            out.append("A review will not fix these:")
            out.extend(f"  {v.file.project} {v.file.version} {_name(v)}: "
                       + "; ".join(describe(x) for x in v.reasons if x.code not in EXEMPTABLE)
                       for v in result.blocked)
        if result.waiting:
            out.append("")
            out.append("No review needed, only time (approvals in their min-age quarantine):")
            out.extend(f"  {v.file.project} {v.file.version} {_name(v)}" for v in result.waiting)
        if result.problems:
            out.append("")
            out.append("Not checked at all:")
            out.extend(f"  {p.source}: {describe(problem_reason(p))}" for p in result.problems)
        return "".join(line + "\n" for line in out)


def _review_lines(n: int, r: Review) -> list[str]:
    unblocks = (f"unblocks {len(r.unblocks)} requirement{'s' if len(r.unblocks) != 1 else ''}"
                f" ({', '.join(r.unblocks)})" if r.unblocks
                else "unblocks nothing alone (other files of it fail too)")
    now = "exempt today" if r.exempt else "failing today"
    lines = ["", f"{n}. {r.project} {r.version}: {unblocks}; {now}",
             f"   read {len(r.files)} file{'s' if len(r.files) != 1 else ''}, "
             f"{human_size(r.size)}; {r.approvals} approval{'s' if r.approvals != 1 else ''} "
             "needed from distinct keys"]
    lines.extend(f"     {file_name(f.verdict) or 'a file'} (sha256 {f.verdict.file.sha256[:16]}…):"
                 f" {f.approvals} more" for f in r.files)
    if r.diff_base is not None:
        lines.append(f"   review the diff against {r.project} {r.diff_base.version}, vetted: "
                     f"{', '.join(r.diff_base.filenames)}")
    else:
        lines.append("   no earlier version is vetted: review it whole")
    if r.signers:
        more = len(r.signers) - _SHOWN_SIGNERS
        lines.append("   could sign: " + ", ".join(r.signers[:_SHOWN_SIGNERS])
                     + (f" and {more} more" if more > 0 else ""))
    else:
        lines.append("   could sign: no key valid under this policy has not signed already")
    return lines


class SuggestJson(Renderer[SuggestReport]):
    """`suggest --format json`."""

    def render(self, result: SuggestReport) -> str:
        """The document."""
        doc = {
            "reviews": [_review_record(n, r) for n, r in enumerate(result.reviews, 1)],
            "blocked": [_file_record(v) for v in result.blocked],
            "waiting": [_file_record(v) for v in result.waiting],
            "problems": [{"source": p.source, **(record(problem_reason(p)) or {})}
                         for p in result.problems],
            "warnings": list(result.warnings),
        }
        return json.dumps(doc, indent=2) + "\n"


def _file_record(v: FileVerdict) -> dict[str, Any]:
    f = v.file
    return {"project": f.project, "version": f.version, "filename": file_name(v),
            "sha256": f.sha256 or None, "status": v.status.value,
            "reasons": [record(x) for x in v.reasons]}


def _review_record(rank: int, r: Review) -> dict[str, Any]:
    return {
        "rank": rank, "project": r.project, "version": r.version,
        "unblocks": list(r.unblocks), "approvals": r.approvals, "size": r.size,
        "exempt": r.exempt,
        "files": [{**_file_record(f.verdict), "size": f.verdict.file.size,
                   "approvals": f.approvals} for f in r.files],
        "diff_from": ({"version": r.diff_base.version, "files": list(r.diff_base.filenames)}
                      if r.diff_base else None),
        "signers": list(r.signers),
    }
