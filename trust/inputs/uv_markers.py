"""When a uv.lock package is installed: the environment marker of its paths from the project.

uv.lock writes markers on its dependency edges, not on packages: `colorama` is installed on
Windows because an edge from the project to it says `sys_platform == 'win32'`. A package's marker
is the disjunction, over every path from the lock's own project (an `editable` or `virtual`
source), of the conjunction of the markers along it. Every edge counts, optional and development
dependencies included, since the lock does not say which extras and groups are installed: a
package is left out only when no path could reach it. A package reachable without condition, or
by more paths than `LIMIT` conditions, has no marker (it always counts), and so does every
package of a lock without a project of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LIMIT = 32
"""Distinct path conditions kept per package before it is treated as always installed."""

Condition = frozenset[str]
"""The edge markers along one path, all of which must hold."""

PackageId = tuple[str, str | None]
"""(name as written, version)."""


def package_markers(packages: Sequence[Mapping[str, Any]], roots: Iterable[int]
                    ) -> dict[int, str | None]:
    """The marker of each package (by its index in `packages`), from the `roots` (the
    project's own packages); an index absent from the result is reached by no path."""
    by_name: dict[str, list[int]] = {}
    for index, package in enumerate(packages):
        by_name.setdefault(_name(package.get("name")), []).append(index)
    conditions: dict[int, set[Condition]] = {root: {frozenset()} for root in roots}
    if not conditions:
        return dict.fromkeys(range(len(packages)))
    pending = list(conditions)
    while pending:
        parent = pending.pop()
        for child, marker in _edges(packages[parent], by_name, packages):
            held = conditions.get(child, set())
            grown = held | {condition | {marker} if marker else condition
                            for condition in conditions[parent]}
            if frozenset() in grown or len(grown) > LIMIT:
                grown = {frozenset()}  # always installed: the strongest condition
            if grown != held:
                conditions[child] = grown
                pending.append(child)
    return {index: _marker(held) for index, held in conditions.items()}


def _edges(package: Mapping[str, Any], by_name: dict[str, list[int]],
           packages: Sequence[Mapping[str, Any]]) -> list[tuple[int, str | None]]:
    """(package index, marker) of every dependency edge, in every group."""
    groups: list[Any] = [package.get("dependencies", [])]
    for key in ("optional-dependencies", "dev-dependencies"):
        table = package.get(key, {})
        if isinstance(table, Mapping):
            groups += list(table.values())
    found: list[tuple[int, str | None]] = []
    for group in groups:
        for edge in group if isinstance(group, list) else []:
            if not isinstance(edge, Mapping):
                continue
            marker = edge.get("marker")
            version = edge.get("version")
            for index in by_name.get(_name(edge.get("name")), []):
                if version is None or packages[index].get("version") == version:
                    found.append((index, marker if isinstance(marker, str) else None))
    return found


def _name(value: Any) -> str:
    return str(value).lower().replace("_", "-").replace(".", "-")


def _marker(conditions: set[Condition]) -> str | None:
    if frozenset() in conditions or not conditions:
        return None
    return " or ".join("(" + " and ".join(f"({m})" for m in sorted(c)) + ")"
                       for c in sorted(conditions, key=sorted))
