"""The policy's `exemptions:` list: release files a team deploys before they are vetted.

An exemption is how a team switches `check` on while its backlog is still unvetted (cargo-vet's
exemptions). It names a project and version, optionally the exact files by sha256, says why,
and may stop at a date. It only stands in for missing approvals: a rejection, a conflicting
hash or a size mismatch still fails an exempt file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from signoff.attest.errors import PolicyError
from signoff.attest.names import (
    canonical_version,
    normalize_project,
    normalize_sha256,
    normalize_version,
)
from signoff.attest.strict_yaml import KeyPath

_release = lru_cache(maxsize=65536)(canonical_version)
"""canonical_version, remembered: every file of a check is matched against the list."""

EXEMPTION_KEYS = frozenset({"project", "version", "sha256", "reason", "until"})


@dataclass(frozen=True)
class Exemption:
    """One entry of the policy's `exemptions:` list."""

    project: str
    """PEP 503 normalised project name."""
    version: str
    """PEP 440 normalised version."""
    sha256: tuple[str, ...]
    """The exact files covered; empty: every file of the version."""
    reason: str
    """Why the team deploys it unvetted."""
    until: date | None
    """The exemption stops when this day (UTC) begins; None: no end date."""
    index: int
    """Position in `exemptions`, for `exemptions[3]` in reports."""
    line: int | None = None
    """The entry's line in the policy file."""

    def covers(self, project: str, version: str, sha256: str) -> bool:
        """True when this entry names the file."""
        # 1.0 and 1 are one release (PEP 440), as the registry files them.
        return project == self.project and _release(version) == self.release and (
            not self.sha256 or sha256 in self.sha256)

    def expired(self, now: int) -> bool:
        """True once the `until` day has begun (UTC)."""
        if self.until is None:
            return False
        ends = datetime(self.until.year, self.until.month, self.until.day, tzinfo=UTC)
        return now >= ends.timestamp()

    @property
    def release(self) -> str:
        """The version as the registry files it (`1.0` is `1`)."""
        return _release(self.version)

    @property
    def label(self) -> str:
        """`exemptions[3]`, with the policy line when known."""
        return f"exemptions[{self.index}]" + (f" (line {self.line})" if self.line else "")


Fail = Callable[[str, KeyPath], PolicyError]
"""Builds the policy error for a message at a key path (the policy reader's `fail`)."""


def parse_until(value: Any) -> date:
    """A YAML date or `YYYY-MM-DD` text as a date; ValueError otherwise."""
    if isinstance(value, datetime):
        raise ValueError(f"{value} is a time; write a date like 2027-03-01")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date like 2027-03-01")


def read_exemptions(value: Any, fail: Fail, line_of: Callable[[KeyPath], int | None]
                    ) -> tuple[Exemption, ...]:
    """Validate the `exemptions:` list; `fail` names the policy line of whatever is wrong."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("exemptions must be a list of {project, version, reason, ...}",
                   ("exemptions",))
    found: list[Exemption] = []
    seen: dict[tuple[str, str, str], int] = {}
    for i, item in enumerate(value):
        entry = _entry(item, i, fail, line_of)
        for sha in entry.sha256 or ("",):
            key = (entry.project, entry.release, sha)
            if key in seen:
                what = f"sha256 {sha}" if sha else "every file"
                raise fail(f"exemptions[{i}] repeats exemptions[{seen[key]}] ({entry.project} "
                           f"{entry.version}, {what})", ("exemptions", i))
            seen[key] = i
        found.append(entry)
    return tuple(found)


def _entry(item: Any, i: int, fail: Fail, line_of: Callable[[KeyPath], int | None]
           ) -> Exemption:
    where = f"exemptions[{i}]"
    at: KeyPath = ("exemptions", i)
    if not isinstance(item, dict):
        raise fail(f"{where} must be a mapping with project, version and reason", at)
    unknown = sorted(set(item) - EXEMPTION_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} in {where}; known keys: "
                   f"{', '.join(sorted(EXEMPTION_KEYS))}", (*at, unknown[0]))
    for required in ("project", "version", "reason"):
        if required not in item:
            raise fail(f"{where}.{required} is required", at)
    project, version = item["project"], item["version"]
    if not isinstance(project, str):
        raise fail(f"{where}.project must be a project name", (*at, "project"))
    if not isinstance(version, str):
        # YAML reads 1.10 as the number 1.1: only quoted text keeps a version exact.
        raise fail(f"{where}.version must be text; quote it: version: \"{version}\"",
                   (*at, "version"))
    try:
        project = normalize_project(project)
    except ValueError as e:
        raise fail(f"{where}.project: {e}", (*at, "project")) from None
    try:
        version = normalize_version(version)
    except ValueError as e:
        raise fail(f"{where}.version: {e}", (*at, "version")) from None
    reason = item["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise fail(f"{where}.reason must say why the files are deployed unvetted",
                   (*at, "reason"))
    return Exemption(project, version, _hashes(item.get("sha256"), where, at, fail),
                     reason.strip(), _until(item, where, at, fail), i, line_of(at))


def _hashes(value: Any, where: str, at: KeyPath, fail: Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise fail(f"{where}.sha256 must be a digest or a non-empty list of digests",
                   (*at, "sha256"))
    hashes = []
    for j, digest in enumerate(items):
        key: KeyPath = (*at, "sha256") if isinstance(value, str) else (*at, "sha256", j)
        try:
            hashes.append(normalize_sha256(digest if isinstance(digest, str) else ""))
        except ValueError:
            raise fail(f"{where}.sha256: {digest!r} is not a 64-hex sha256 digest",
                       key) from None
    return tuple(dict.fromkeys(hashes))


def _until(item: dict[str, Any], where: str, at: KeyPath, fail: Fail) -> date | None:
    if "until" not in item:
        return None
    try:
        return parse_until(item["until"])
    except ValueError as e:
        raise fail(f"{where}.until: {e}", (*at, "until")) from None
