"""Human output of `check`: a rich table, the reasons of each failure, and a summary line."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from signoff.attest.names import short_fpr
from signoff.trust.decide.checker import CheckReport
from signoff.trust.report.interface import ReportFormat, reason_messages
from signoff.trust.report.words import describe, describe_all


class TableReport(ReportFormat):
    """A table of files, then details of what fell short."""

    def __init__(self, width: int | None = None, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, result: CheckReport) -> str:
        """The table and the details."""
        report = result
        out = io.StringIO()
        console = Console(file=out, width=self.width or 120, force_terminal=self.color,
                          no_color=not self.color, highlight=False)
        table = Table(show_lines=False)
        for column in ("project", "version", "file", "status", "signers", "reason"):
            table.add_column(column, overflow="fold")
        for v in report.verdicts:
            f = v.file
            status = "[green]pass[/]" if v.passed else "[red]FAIL[/]"
            table.add_row(f.project, f.version, f.filename or f"sha256:{f.sha256[:12]}…",
                          status, f"{v.counted_signers}/{v.requirement.signers}",
                          describe(v.reasons[0]) if v.reasons else "")
        for p in report.problems:
            table.add_row(p.project or p.requirement, p.version or "", p.source, "[red]FAIL[/]",
                          "-", p.reason)
        console.print(table)
        failing = [v for v in report.verdicts if not v.passed]
        for v in failing:
            f = v.file
            console.print(f"\n[bold]{f.project} {f.version}[/] {f.filename or ''} "
                          f"({f.source}) — policy {v.rule}")
            for reason in reason_messages(v):
                console.print(f"  ✗ {reason}", markup=False)
            for j in v.attestations:
                if not j.counted and j.why_not:
                    console.print(f"  · {short_fpr(j.signer)} {j.verdict or '?'}: "
                                  f"{describe(j.why_not)}",
                                  markup=False)
            for fix in describe_all(v.fixes):
                console.print(f"  → {fix}", markup=False)
        passed = sum(1 for v in report.verdicts if v.passed)
        failed = len(report.verdicts) - passed + len(report.problems)
        console.print(f"\n{passed} passed, {failed} failed under policy "
                      f"{report.policy.source}", markup=False)
        return out.getvalue()
