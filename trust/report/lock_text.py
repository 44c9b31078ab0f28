"""Human output of `signoff lock`."""

from __future__ import annotations

from signoff.trust.decide.lock import LockResult


def lock_summary(result: LockResult) -> str:
    """Counts, then each requirement left without a vetted file, then each dropped file."""
    kept = sum(1 for f in result.files if f.kept)
    lines = [f"wrote {result.output}: {kept} of {len(result.files)} files vetted, "
             f"{len(result.unvetted)} requirements without a vetted file"]
    lines += [f"  {u.source}: {u.reason}" for u in result.unvetted]
    dropped = [f for f in result.files if not f.kept]
    if dropped:
        lines.append("dropped files:")
        lines += [f"  {f.file.source} {f.file.filename or f.file.sha256[:16]}: {f.reason}"
                  for f in dropped]
    return "\n".join(lines)
