"""Output of `signoff versions`: one line per version and per file, or a JSON document."""

from __future__ import annotations

import json
from typing import Any

from packaging.specifiers import SpecifierSet

from signoff.trust.decide.versions import VersionStatus, newest_passing
from signoff.trust.report.interface import finding_records, reason_messages


def versions_document(project: str, spec: SpecifierSet, statuses: list[VersionStatus]
                      ) -> dict[str, Any]:
    """The JSON document of `versions --format json`."""
    best = newest_passing(statuses)
    return {"project": project, "spec": str(spec), "newest": best.version if best else None,
            "versions": [{"version": s.version, "status": "pass" if s.passed else "fail",
                          "files": [{"filename": v.file.filename, "sha256": v.file.sha256,
                                     "status": "pass" if v.passed else "fail",
                                     "reasons": reason_messages(v),
                                     "findings": finding_records(v)} for v in s.verdicts]}
                         for s in statuses]}


def versions_json(project: str, spec: SpecifierSet, statuses: list[VersionStatus]) -> str:
    """`versions --format json`."""
    return json.dumps(versions_document(project, spec, statuses), indent=2) + "\n"


def versions_text(project: str, spec: SpecifierSet, statuses: list[VersionStatus]) -> str:
    """One line per version with its status, then one per file with its reasons."""
    lines: list[str] = []
    if not statuses:
        lines.append(f"no attested version of {project} matches {spec or 'any'}")
    for s in statuses:
        lines.append(f"{project} {s.version}: {'pass' if s.passed else 'FAIL'}")
        for v in s.verdicts:
            lines.append(f"  {'pass' if v.passed else 'FAIL'} {v.file.filename} "
                         f"{v.file.sha256[:16]}…  {'; '.join(reason_messages(v))}")
    return "".join(line + "\n" for line in lines)
