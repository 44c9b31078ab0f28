"""`check --format json`: one document on stdout, with field names later versions never rename."""

from __future__ import annotations

import json
from typing import Any

from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.grouping import Status
from signoff.trust.report.interface import (
    ReportFormat,
    problem_record,
    requirement_record,
    verdict_record,
)


class JsonReport(ReportFormat):
    """The JSON document described in the README."""

    def render(self, result: CheckReport) -> str:
        """Serialise the report."""
        return json.dumps(report_document(result), indent=2) + "\n"


def report_document(report: CheckReport) -> dict[str, Any]:
    """The report as plain data."""
    files = [verdict_record(v) for v in report.verdicts]
    files += [problem_record(p) for p in report.problems]
    return {
        "conclusion": "pass" if report.passed else "fail",
        "policy": str(report.policy.source),
        "registries": [{"path": path, "head": head} for path, head in report.registries],
        "target": report.target.label if report.target else None,
        "summary": {status.value: sum(1 for r in report.requirements if r.status is status)
                    for status in Status},
        "requirements": [requirement_record(r) for r in report.requirements],
        "files": files,
        "warnings": list(report.warnings),
    }
