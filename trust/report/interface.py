"""One interface for rendering a check report: a rich table or a JSON document."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from signoff.trust.decide.checker import CheckReport
from signoff.trust.decide.rules import FileVerdict, JudgedAttestation


class ReportFormat(ABC):
    """Turns a CheckReport into text for stdout."""

    @abstractmethod
    def render(self, report: CheckReport) -> str:
        """The whole output."""


def attestation_record(j: JudgedAttestation) -> dict[str, Any]:
    """One judged attestation as JSON-ready data (shared by JSON and explain)."""
    return {
        "signer": j.signer,
        "verdict": j.verdict,
        "criteria": list(j.criteria),
        "counted": j.counted,
        "why_not": j.why_not,
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
    }


def reason_messages(verdict: FileVerdict) -> list[str]:
    """Why a file fell short, one message per unmet requirement."""
    return verdict.reasons


def finding_records(verdict: FileVerdict) -> list[dict[str, Any]]:
    """Every requirement's result as JSON-ready data."""
    return [{"requirement": f.name, "met": f.met, "message": f.reason, "fix": f.fix}
            for f in verdict.findings]
