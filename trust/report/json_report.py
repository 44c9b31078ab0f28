"""`--format json`: one document on stdout, with field names later versions never rename."""

from __future__ import annotations

import json
from typing import Any

from signoff.trust.decide.checker import CheckReport
from signoff.trust.report.interface import ReportFormat, attestation_record


class JsonReport(ReportFormat):
    """The JSON document described in the README."""

    def render(self, report: CheckReport) -> str:
        """Serialise the report."""
        return json.dumps(report_document(report), indent=2) + "\n"


def report_document(report: CheckReport) -> dict[str, Any]:
    """The report as plain data."""
    files: list[dict[str, Any]] = []
    for v in report.verdicts:
        f = v.file
        files.append({
            "project": f.project, "version": f.version, "filename": f.filename,
            "sha256": f.sha256 or None, "size": f.size, "source": f.source,
            "status": "pass" if v.passed else "fail",
            "reasons": v.reasons, "fixes": v.fixes,
            "rule": v.rule, "signers": {"counted": v.counted_signers,
                                        "needed": v.requirement.signers},
            "attestations": [attestation_record(j) for j in v.attestations],
        })
    for p in report.problems:
        files.append({
            "project": p.project, "version": p.version, "filename": None, "sha256": None,
            "size": None, "source": p.source, "status": "fail",
            "reasons": [f"{p.requirement}: {p.reason}"], "fixes": [], "rule": None,
            "signers": None, "attestations": [],
        })
    return {
        "conclusion": "pass" if report.passed else "fail",
        "policy": str(report.policy.source),
        "registries": [{"path": path, "head": head} for path, head in report.registries],
        "files": files,
        "warnings": list(report.warnings),
    }
