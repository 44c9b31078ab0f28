"""Criteria names: the built-in ones, those a registry declares, and the nearest to a typo."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

BUILTIN_CRITERIA: dict[str, tuple[str, ...]] = {
    "safe-to-run": (),
    "safe-to-deploy": ("safe-to-run",),
}
"""Every built-in criterion and what it implies directly."""


@dataclass(frozen=True)
class DeclaredCriterion:
    """A criterion a registry declares in its registry.yaml."""

    name: str
    """The lower-case name attestations use."""
    description: str
    """What a vetter certifies with it."""
    implies: tuple[str, ...] = ()
    """Criteria it implies directly (built in or declared by the same registry)."""


def nearest_criterion(name: str, known: Iterable[str]) -> str | None:
    """The known criterion a mistyped `name` most likely meant, or None."""
    found = difflib.get_close_matches(name, sorted(set(known)), n=1, cutoff=0.6)
    return found[0] if found else None
