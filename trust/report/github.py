"""`check --format github`: one workflow annotation per file that falls short, on the line of
the input that named it, then a notice with the counts."""

from __future__ import annotations

import re

from signoff.attest.annotations import github_annotation
from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.rules import FileStatus
from signoff.trust.report.interface import ReportFormat, problem_reason, reason_messages
from signoff.trust.report.table import summary
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
    """`::error file=F,line=N::project version file: reasons` for each failure."""

    def render(self, result: CheckReport) -> str:
        """Every annotation, one per line."""
        lines = []
        for v in result.verdicts:
            if v.status is FileStatus.PASS:
                continue
            f = v.file
            file, line = source_location(f.source)
            what = f"{f.project} {f.version} {f.filename or f.sha256[:16]}"
            if v.exemption is not None:
                # Let through, but visible in the pull request: the backlog to burn down.
                lines.append(github_annotation("warning", f"{what}: {describe(v.exemption)}",
                                               file, line))
                continue
            lines.append(github_annotation("error", f"{what}: {'; '.join(reason_messages(v))}",
                                           file, line))
        for p in result.problems:
            file, line = source_location(p.source)
            lines.append(github_annotation("error", describe(problem_reason(p)), file, line))
        lines.append(github_annotation("notice", summary(result)))
        return "".join(line + "\n" for line in lines)
