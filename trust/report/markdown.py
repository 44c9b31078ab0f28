"""`check --format markdown`: the report as GitHub-flavoured Markdown, for a job summary
(`$GITHUB_STEP_SUMMARY`) or a pull-request comment: a verdict line, a table of every file, then
what each failing file lacks and what would fix it."""

from __future__ import annotations

from signoff.attest.names import short_fpr
from signoff.trust.decide.checker import CheckReport
from signoff.trust.report.interface import ReportFormat, problem_reason, reason_messages
from signoff.trust.report.words import describe, describe_all


def cell(text: str) -> str:
    """`text` safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def code(text: str) -> str:
    """`text` as inline code, whatever backticks it holds."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


class MarkdownReport(ReportFormat):
    """The job summary of a check."""

    def render(self, result: CheckReport) -> str:
        """The whole summary."""
        passed = sum(1 for v in result.verdicts if v.passed)
        failed = len(result.verdicts) - passed + len(result.problems)
        verdict = "passed" if result.passed else "failed"
        registries = ", ".join(f"{code(path)} at {code(head[:12])}"
                               for path, head in result.registries) or "no registry"
        out = [f"## signoff check {verdict}", "",
               f"{passed} passed, {failed} failed under policy "
               f"{code(str(result.policy.source))} ({registries}).", ""]
        if result.verdicts or result.problems:
            out += ["| project | version | file | status | signers | reason |",
                    "|---|---|---|---|---|---|"]
        for v in result.verdicts:
            f = v.file
            out.append("| " + " | ".join([
                cell(f.project), cell(f.version),
                cell(f.filename or f"sha256:{f.sha256[:12]}…"),
                "pass" if v.passed else "**FAIL**",
                f"{v.counted_signers}/{v.requirement.signers}",
                cell(describe(v.reasons[0]) if v.reasons else "")]) + " |")
        for p in result.problems:
            out.append("| " + " | ".join([
                cell(p.project or p.requirement), cell(p.version or ""), cell(p.source),
                "**FAIL**", "-", cell(describe(problem_reason(p)))]) + " |")
        for v in (v for v in result.verdicts if not v.passed):
            f = v.file
            out += ["", f"### {cell(f.project)} {cell(f.version)} {cell(f.filename or '')}", "",
                    f"From {code(f.source)}, under policy {code(v.rule)}.", ""]
            out += [f"- ✗ {cell(reason)}" for reason in reason_messages(v)]
            out += [f"- · {code(short_fpr(j.signer))} {j.verdict or '?'}: "
                    f"{cell(describe(j.why_not))}"
                    for j in v.attestations if not j.counted and j.why_not]
            out += [f"- → {cell(fix)}" for fix in describe_all(v.fixes)]
        for warning in result.warnings:
            out += ["", f"> warning: {cell(warning)}"]
        return "\n".join(out) + "\n"
