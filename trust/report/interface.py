"""One interface for rendering a command's result, and the records that every JSON output
shares.

Each command's result (a check report, explanations, versions, a lock, the web of trust) has a
text renderer and a JSON renderer; `check` also has GitHub annotations. Renderers are the only
place where outcome codes become words (`signoff.trust.report.words`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.grouping import RequirementVerdict
from signoff.trust.decide.rules import FileVerdict, JudgedAttestation
from signoff.trust.outcomes import Code, Reason
from signoff.trust.release import InputProblem
from signoff.trust.report.words import describe, describe_all, record

Result = TypeVar("Result", contravariant=True)


class Renderer(ABC, Generic[Result]):
    """Turns one command's result into the text it prints on stdout."""

    @abstractmethod
    def render(self, result: Result) -> str:
        """The whole output."""


ReportFormat = Renderer[CheckReport]
"""A renderer of `check`'s report: table, JSON or GitHub annotations."""


def attestation_record(j: JudgedAttestation) -> dict[str, Any]:
    """One judged attestation as JSON-ready data (shared by every JSON output)."""
    return {
        "signer": j.signer,
        "verdict": j.verdict,
        "criteria": list(j.criteria),
        "counted": j.counted,
        "why_not": describe(j.why_not) if j.why_not else None,
        "reason": record(j.why_not),
        "validity": j.validity,
        "path": list(j.trust_path) if j.counted and j.trust_path else None,
        "age": j.age,
        "first_seen": ({"commit": j.first_seen.commit, "time": j.first_seen.time,
                        "changed_commit": j.first_seen.changed_commit,
                        "changed_time": j.first_seen.changed_time}
                       if j.first_seen else None),
        "registry": j.registry,
        "statement": j.path,
        "notes": list(j.notes),
        "comment": j.attestation.comment if j.attestation else None,
    }


def reason_messages(verdict: FileVerdict) -> list[str]:
    """Why a file fell short, one message per unmet requirement."""
    return describe_all(verdict.reasons)


def finding_records(verdict: FileVerdict) -> list[dict[str, Any]]:
    """Every requirement's result: its name, whether met, and its reason and fix as
    `{code, params, message}`."""
    return [{"requirement": f.name, "met": f.met, **(record(f.reason) or {}),
             "fix": record(f.fix)} for f in verdict.findings]


def verdict_record(v: FileVerdict) -> dict[str, Any]:
    """One file's verdict as JSON-ready data."""
    f = v.file
    return {
        "project": f.project, "version": f.version, "filename": f.filename,
        "sha256": f.sha256 or None, "size": f.size, "source": f.source,
        "status": "pass" if v.passed else "fail",
        "reasons": reason_messages(v), "fixes": describe_all(v.fixes),
        "findings": finding_records(v),
        "rule": v.rule, "signers": {"counted": v.counted_signers,
                                    "needed": v.requirement.signers},
        "attestations": [attestation_record(j) for j in v.attestations],
    }


def problem_record(p: InputProblem) -> dict[str, Any]:
    """A requirement that could not be checked, shaped like a failing file."""
    reason = problem_reason(p)
    return {
        "project": p.project, "version": p.version, "filename": None, "sha256": None,
        "size": None, "source": p.source, "status": "fail",
        "reasons": [describe(reason)], "fixes": [],
        "findings": [{"requirement": "input", "met": False, **(record(reason) or {}),
                      "fix": None}],
        "rule": None, "signers": None, "attestations": [],
    }


def problem_reason(p: InputProblem) -> Reason:
    """The outcome of an input problem (its words come from the input reader)."""
    return Reason(Code.INPUT_PROBLEM, {"requirement": p.requirement, "reason": p.reason})


def requirement_record(row: RequirementVerdict) -> dict[str, Any]:
    """One requirement's verdict, with every file's detail under it."""
    return {
        "requirement": row.key, "project": row.project, "version": row.version,
        "marker": row.marker, "status": row.status.value,
        "files_vetted": row.vetted, "files_installable": len(row.installable),
        "reason": record(row.reason), "fix": record(row.fix), "reason_file": row.about,
        "problems": [problem_record(p) for p in row.problems],
        "files": [{**verdict_record(f.verdict), "filename": f.name,
                   "installable": f.installable} for f in row.files],
    }
