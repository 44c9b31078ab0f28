"""Which attested versions of a project pass the policy, and which is the newest that does.

This answers the question from the seed discussion: for `FooBar==2.0.*`, when 2.0 is vetted and
2.0.1 is not yet, install 2.0. A version is installable when at least one of its files passes:
with hash pinning, pip installs exactly the vetted file and never the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from signoff.attest.errors import InputError
from signoff.attest.names import normalize_project
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.rules import FileVerdict


@dataclass(frozen=True)
class VersionStatus:
    """One attested version and the verdict on each of its files."""

    version: str
    """Normalised version."""
    verdicts: tuple[FileVerdict, ...]
    """One per attested file."""

    @property
    def passed(self) -> bool:
        """True when at least one file passes."""
        return any(v.passed for v in self.verdicts)


@dataclass(frozen=True)
class VersionsReport:
    """What `versions` found: every attested version of a project matching a specifier."""

    project: str
    """Normalised project name."""
    spec: SpecifierSet
    """The specifier asked for (empty: any version)."""
    statuses: tuple[VersionStatus, ...]
    """Oldest first."""
    warnings: tuple[str, ...] = ()
    """From opening the registries."""

    @property
    def newest(self) -> VersionStatus | None:
        """The newest version with a passing file."""
        return newest_passing(list(self.statuses))


def parse_project_and_spec(project: str, spec: str | None) -> tuple[str, SpecifierSet]:
    """`foobar` with `==2.0.*`, or `FooBar==2.0.*` in one argument."""
    try:
        if spec is None and any(c in project for c in "=<>!~"):
            req = Requirement(project)
            return normalize_project(req.name), req.specifier
        return normalize_project(project), SpecifierSet(spec or "")
    except (InvalidRequirement, InvalidSpecifier, ValueError) as e:
        raise InputError(f"not a project and version specifier: {project} {spec or ''}: {e}"
                         ) from e


def version_statuses(session: CheckSession, project: str, spec: SpecifierSet
                     ) -> list[VersionStatus]:
    """Every attested version matching `spec`, oldest first, each with its files judged."""
    versions: set[str] = set()
    for opened in session.registries:
        versions.update(opened.registry.versions_of(project, opened.head))
    matching = []
    for text in versions:
        try:
            parsed = Version(text)
        except InvalidVersion:
            continue
        if spec.contains(parsed, prereleases=True if not str(spec) else None):
            matching.append((parsed, text))
    statuses = []
    for _, text in sorted(matching):
        files = session.attested_files(project, text)
        report = session.check(files)
        statuses.append(VersionStatus(text, report.verdicts))
    return statuses


def newest_passing(statuses: list[VersionStatus]) -> VersionStatus | None:
    """The newest version with a passing file."""
    passing = [s for s in statuses if s.passed]
    return passing[-1] if passing else None
