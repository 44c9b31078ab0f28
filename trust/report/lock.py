"""Output of `signoff lock`: counts and what was left out, as text or as a JSON document."""

from __future__ import annotations

import json

from signoff.trust.decide.lock import LockResult
from signoff.trust.report.interface import Renderer


class LockText(Renderer[LockResult]):
    """Counts, then each requirement left without a vetted file, then each dropped file."""

    def render(self, result: LockResult) -> str:
        """The summary."""
        kept = sum(1 for f in result.files if f.kept)
        lines = [f"wrote {result.output}: {kept} of {len(result.files)} files vetted, "
                 f"{len(result.unvetted)} requirements without a vetted file, under policy "
                 f"{result.report.policy.source}"]
        lines += [f"  {u.source}: {u.reason}" for u in result.unvetted]
        dropped = [f for f in result.files if not f.kept]
        if dropped:
            lines.append("dropped files:")
            lines += [f"  {f.file.source} {f.file.filename or f.file.sha256[:16]}: {f.reason}"
                      for f in dropped]
        return "".join(line + "\n" for line in lines)


class LockJson(Renderer[LockResult]):
    """`lock --format json`: what was written, kept and left out."""

    def render(self, result: LockResult) -> str:
        """The document."""
        doc = {
            "conclusion": "pass" if result.passed else "fail",
            "output": str(result.output),
            "policy": str(result.report.policy.source),
            "files": [{"source": f.file.source, "project": f.file.project,
                       "version": f.file.version, "filename": f.file.filename,
                       "sha256": f.file.sha256 or None, "kept": f.kept, "reason": f.reason}
                      for f in result.files],
            "unvetted": [{"source": u.source, "requirement": u.requirement, "reason": u.reason}
                         for u in result.unvetted],
            "warnings": list(result.report.warnings),
        }
        return json.dumps(doc, indent=2) + "\n"
