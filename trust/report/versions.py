"""Output of `signoff versions`: one line per version and per file, or a JSON document."""

from __future__ import annotations

import json
from typing import Any

from signoff.trust.decide.versions import VersionsReport
from signoff.trust.report.interface import Renderer, finding_records, reason_messages


def versions_document(report: VersionsReport) -> dict[str, Any]:
    """The JSON document of `versions --format json`."""
    best = report.newest
    return {"project": report.project, "spec": str(report.spec),
            "newest": best.version if best else None,
            "versions": [{"version": s.version, "status": "pass" if s.passed else "fail",
                          "files": [{"filename": v.file.filename, "sha256": v.file.sha256,
                                     "status": "pass" if v.passed else "fail",
                                     "reasons": reason_messages(v),
                                     "findings": finding_records(v)} for v in s.verdicts]}
                         for s in report.statuses]}


class VersionsJson(Renderer[VersionsReport]):
    """`versions --format json`."""

    def render(self, result: VersionsReport) -> str:
        """The document."""
        return json.dumps(versions_document(result), indent=2) + "\n"


class VersionsText(Renderer[VersionsReport]):
    """One line per version with its status, then one per file with its reasons."""

    def render(self, result: VersionsReport) -> str:
        """Every version and file."""
        lines: list[str] = []
        if not result.statuses:
            lines.append(f"no attested version of {result.project} matches {result.spec or 'any'}")
        for s in result.statuses:
            lines.append(f"{result.project} {s.version}: {'pass' if s.passed else 'FAIL'}")
            for v in s.verdicts:
                lines.append(f"  {'pass' if v.passed else 'FAIL'} {v.file.filename} "
                             f"{v.file.sha256[:16]}…  {'; '.join(reason_messages(v))}")
        return "".join(line + "\n" for line in lines)


class NewestText(Renderer[VersionsReport]):
    """`versions --newest`: the newest passing version alone, or nothing."""

    def render(self, result: VersionsReport) -> str:
        """One line, or none."""
        best = result.newest
        return f"{best.version}\n" if best else ""
