"""`check --format github`: one workflow annotation per file that falls short, on the line of
the input that named it, then a notice with the counts."""

from __future__ import annotations

import re

from signoff.attest.annotations import github_annotation
from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.grouping import Status
from signoff.trust.report.interface import ReportFormat
from signoff.trust.report.table import summary_line
from signoff.trust.report.words import describe

# Inputs name a file as `requirements.txt:12`, `pylock.toml: packages[3] (...)` or a path.
_WITH_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+)$")
_WITH_DETAIL = re.compile(r"^(?P<file>.+?): ")


def source_location(source: str) -> tuple[str | None, int | None]:
    """The file and line an input's `source` names, as far as it names them."""
    if not source:
        return None, None
    if found := _WITH_LINE.match(source):
        return found["file"], int(found["line"])
    if found := _WITH_DETAIL.match(source):
        return found["file"], None
    return source, None


class GithubReport(ReportFormat):
    """`::error file=F,line=N::project version: reason` for each failing requirement."""

    def render(self, result: CheckReport) -> str:
        """Every annotation, one per line."""
        lines = []
        for row in result.requirements:
            if row.status is not Status.FAIL:
                continue
            file, line = source_location(row.key)
            what = f"{row.project or row.key} {row.version or ''}".strip()
            why = "; ".join(describe(r) for r in (row.reason, row.fix) if r is not None)
            lines.append(github_annotation("error", f"{what}: {why}", file, line))
        lines.append(github_annotation("notice", summary_line(result.requirements)))
        return "".join(line + "\n" for line in lines)
