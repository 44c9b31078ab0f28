"""Named criteria and what each implies: `safe-to-deploy` implies `safe-to-run`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from signoff.attest.criteria import BUILTIN_CRITERIA

__all__ = ["BUILTIN_CRITERIA", "CriteriaGraph"]


@dataclass(frozen=True)
class CriteriaGraph:
    """Every known criterion and the criteria it implies, directly."""

    implies: Mapping[str, tuple[str, ...]]
    """Direct implications; the closure is computed on demand."""

    def known(self, name: str) -> bool:
        """True when the policy or signoff defines this criterion."""
        return name in self.implies

    def closure(self, names: Iterable[str]) -> frozenset[str]:
        """The criteria named and everything they imply, transitively."""
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(self.implies.get(name, ()))
        return frozenset(seen)

    def satisfies(self, attested: Iterable[str], required: Iterable[str]) -> bool:
        """True when the attested criteria imply every required one."""
        return set(required) <= self.closure(attested)
