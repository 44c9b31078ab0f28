"""Human output of `check`: one row per requirement, then a summary line.

A row gives the project and version, the files vetted over the files an installer could take on
the target, the status, and the one reason that matters most with its fix (a passing row names
its vetted files instead). `verbose` adds a row per file and, under each failing requirement,
every shortfall, every attestation that does not count, the reviewers' comments and the fixes.
`quiet` prints only the failing rows and the summary.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from signoff.attest.names import short_fpr
from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.grouping import JudgedFile, RequirementVerdict, Status
from signoff.trust.outcomes import Code
from signoff.trust.report.interface import ReportFormat
from signoff.trust.report.words import describe

_STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "red", Status.EXEMPT: "yellow",
                 Status.SKIPPED: "dim"}


@dataclass(frozen=True)
class TableOptions:
    """How much the table shows, and how."""

    width: int = 120
    """Columns to fit in: the terminal's width."""
    color: bool = False
    """Whether to colour the status."""
    verbose: bool = False
    """Add a row per file and the details of every failure."""
    quiet: bool = False
    """Only failing rows and the summary."""


class TableReport(ReportFormat):
    """One row per requirement, then details (when verbose) and the summary."""

    def __init__(self, width: int | None = None, color: bool = False,
                 options: TableOptions | None = None) -> None:
        self.options = options or TableOptions(width=width or 120, color=color)

    def render(self, result: CheckReport) -> str:
        """The table and the summary."""
        opts = self.options
        out = io.StringIO()
        console = Console(file=out, width=opts.width, force_terminal=opts.color,
                          no_color=not opts.color, highlight=False)
        rows = [r for r in result.requirements if not opts.quiet or r.status is Status.FAIL]
        if rows:
            table = Table(show_lines=False, expand=False)
            table.add_column("project", overflow="fold")
            table.add_column("version", overflow="fold")
            table.add_column("files", justify="right", no_wrap=True)
            table.add_column("status", no_wrap=True)
            table.add_column("reason", overflow="fold", ratio=1)
            for row in rows:
                _add_row(table, row, opts.verbose)
            console.print(table)
        if opts.verbose:
            for row in rows:
                if row.status is Status.FAIL:
                    _details(console, row)
        if not opts.quiet:
            for line in _notes(result):
                console.print(line, markup=False)
        # never wrapped: scripts and people search for the policy's path in one line
        console.print(f"{summary_line(result.requirements)} under policy {result.policy.source}",
                      markup=False, soft_wrap=True)
        return out.getvalue()


def summary_line(rows: Sequence[RequirementVerdict]) -> str:
    """`10 requirements: 7 pass, 1 exempt, 2 fail` (and how many were skipped)."""
    counts = {status: sum(1 for r in rows if r.status is status) for status in Status}
    text = (f"{len(rows)} requirement{'' if len(rows) == 1 else 's'}: "
            f"{counts[Status.PASS]} pass, {counts[Status.EXEMPT]} exempt, "
            f"{counts[Status.FAIL]} fail")
    if counts[Status.SKIPPED]:
        text += f", {counts[Status.SKIPPED]} skipped on the target"
    return text


def display_name(file: JudgedFile) -> str:
    """The file's name; its hash only when neither the input nor an attestation names it."""
    return file.name or f"sha256:{file.verdict.file.sha256[:16]}…"


def _add_row(table: Table, row: RequirementVerdict, verbose: bool) -> None:
    style = _STATUS_STYLE[row.status]
    installable = row.installable
    counts = f"{row.vetted}/{len(installable)}" if row.files else "-"
    if row.status is Status.PASS:
        why = ", ".join(display_name(f) for f in installable)
    else:
        why = describe(row.reason) if row.reason else ""
        if row.about is not None:
            others = sum(1 for f in installable if not f.verdict.passed) - 1
            why = f"{row.about}: {why}" + (f" (and {others} more failing)" if others else "")
        if row.fix is not None:
            why += f"\n→ {describe(row.fix)}"
    table.add_row(row.project or row.key, row.version or "", counts,
                  f"[{style}]{row.status.value}[/]", why)
    if verbose:
        # Names and statuses only: the shortfalls follow the table, each said once.
        for file in row.files:
            status = ("pass" if file.verdict.passed else "fail") if file.installable \
                else "other target"
            table.add_row("", "", "", f"  {status}", display_name(file))


def _details(console: Console, row: RequirementVerdict) -> None:
    """Under a failing row: every shortfall once, what does not count, comments, fixes."""
    console.print(f"\n{row.project or row.key} {row.version or ''} ({row.key})", markup=False)
    for problem in row.problems:
        console.print(f"  ✗ {problem.requirement}: {problem.reason}", markup=False)
    fixes: list[str] = []
    for file in row.installable:
        verdict = file.verdict
        if verdict.passed:
            continue
        console.print(f"  {display_name(file)}", markup=False)
        for reason in verdict.reasons:
            if reason != row.reason:  # the row already says it
                console.print(f"    ✗ {describe(reason)}", markup=False)
        for j in verdict.attestations:
            # An approval still in quarantine is already said in the shortfall above.
            if not j.counted and j.why_not and j.why_not.code is not Code.ATTESTATION_TOO_YOUNG:
                console.print(f"    · {short_fpr(j.signer)} {j.verdict or '?'}: "
                              f"{describe(j.why_not)}", markup=False)
            comment = j.attestation.comment if j.attestation else None
            if comment and comment.strip():
                console.print(f"    “{' '.join(comment.split())}” — {short_fpr(j.signer)} "
                              f"({j.verdict})", markup=False)
        fixes += [describe(fix) for fix in verdict.fixes if fix != row.fix]
    for fix in dict.fromkeys(fixes):
        console.print(f"  → {fix}", markup=False)


def _notes(result: CheckReport) -> list[str]:
    """The target judged, or how many files belong to other targets without one."""
    if result.target is not None:
        return [f"target: {result.target.label}"]
    count, platforms = result.other_targets
    if not count:
        return []
    shown = ", ".join(platforms[:6]) + (", …" if len(platforms) > 6 else "")
    return [f"{count} file{'' if count == 1 else 's'} are wheels for particular platforms "
            f"({shown}); every file counts without a target. To judge only what one "
            "deployment installs, give --platform, --python-version, --implementation and "
            "--abi as for pip, or --target-from-interpreter PYTHON."]
