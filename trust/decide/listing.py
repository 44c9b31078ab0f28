"""Judging what an index lists: which of a project page's files pass the policy, and why the
others are hidden. The core of `signoff serve`, `signoff index build` and the site.

A file is shown only when the upstream names its sha256, its name belongs to the project, and
its verdict under the policy passes; it is shown with the size the attestations vouch for.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

from signoff.attest.model import release_name_and_version
from signoff.attest.names import normalize_project, normalize_version
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.rules import FileVerdict
from signoff.trust.outcomes import Code, Reason
from signoff.trust.release import ReleaseFile
from signoff.trust.simple.model import IndexFile, ProjectPage


@dataclass(frozen=True)
class HiddenFile:
    """A file the upstream lists that the vetted index leaves out."""

    file: IndexFile
    """As the upstream lists it."""
    reasons: tuple[Reason, ...]
    """Why: the verdict's reasons when it was judged, else why it could not be."""
    verdict: FileVerdict | None = None
    """The verdict, when the file was judged."""


@dataclass(frozen=True)
class VettedPage:
    """A project page split into the files that pass and the files that do not."""

    name: str
    """Normalised project name."""
    shown: tuple[IndexFile, ...]
    """Files that pass, with the attested size."""
    hidden: tuple[HiddenFile, ...]
    """Files left out, each with its reason."""
    verdicts: dict[str, FileVerdict]
    """Verdict per shown file name."""

    def page(self) -> ProjectPage:
        """The vetted project page."""
        return ProjectPage(self.name, self.shown)


class VerdictCache:
    """Verdicts by registry heads, time bucket and file: a changed head or the next bucket
    (the refresh interval: a quarantine that ends, an attestation that expires) judges again."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[object, ...], FileVerdict] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[object, ...]) -> FileVerdict | None:
        """The cached verdict, if any."""
        verdict = self._entries.get(key)
        if verdict is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return verdict

    def put(self, key: tuple[object, ...], verdict: FileVerdict) -> None:
        """Remember a verdict, forgetting the least recently used beyond the bound."""
        self._entries[key] = verdict
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def attested_projects(session: CheckSession) -> list[str]:
    """Every project that some registry of the session attests, sorted."""
    names: set[str] = set()
    for opened in session.registries:
        names.update(opened.registry.projects(opened.head))
    return sorted(names)


def session_key(session: CheckSession, bucket: int = 0) -> tuple[object, ...]:
    """What a session's verdicts depend on: the heads it read, and the time bucket."""
    return (tuple(str(o.head.id) for o in session.registries), bucket)


def vet_page(session: CheckSession, page: ProjectPage, cache: VerdictCache | None = None,
             bucket: int = 0) -> VettedPage:
    """Judge every file of an upstream project page under the session's policy."""
    hidden: list[HiddenFile] = []
    to_judge: list[tuple[IndexFile, ReleaseFile]] = []
    for f in page.files:
        try:
            project, version = release_name_and_version(f.filename)
        except ValueError as e:
            hidden.append(HiddenFile(f, (Reason(Code.NOT_A_RELEASE_FILE, {"detail": str(e)}),)))
            continue
        if normalize_project(project) != page.name:
            hidden.append(HiddenFile(f, (Reason(Code.OTHER_PROJECT,
                                            {"named": project, "page": page.name}),)))
            continue
        if f.sha256 is None:
            hidden.append(HiddenFile(f, (Reason(Code.NO_UPSTREAM_HASH),)))
            continue
        to_judge.append((f, ReleaseFile(page.name, normalize_version(version), f.sha256,
                                        f.filename, f.size, source=f.url)))
    base = session_key(session, bucket)
    verdicts: dict[int, FileVerdict] = {}
    missing = []
    for i, (_, release) in enumerate(to_judge):
        cached = cache.get((*base, release.sha256, release.filename, release.size)) \
            if cache is not None else None
        if cached is not None:
            verdicts[i] = cached
        else:
            missing.append(i)
    if missing:
        report = session.check([to_judge[i][1] for i in missing])
        for i, verdict in zip(missing, report.verdicts, strict=True):
            verdicts[i] = verdict
            if cache is not None:
                release = to_judge[i][1]
                cache.put((*base, release.sha256, release.filename, release.size), verdict)
    shown: list[IndexFile] = []
    passed: dict[str, FileVerdict] = {}
    for i, (f, _) in enumerate(to_judge):
        verdict = verdicts[i]
        size = vetted_size(verdict)
        if verdict.passed and size is not None:
            shown.append(replace(f, size=size))
            passed[f.filename] = verdict
        else:
            # A pass always has one agreed size (SizeAgrees); were it otherwise, hide it anyway.
            hidden.append(HiddenFile(f, tuple(verdict.reasons), verdict))
    return VettedPage(page.name, tuple(shown), tuple(hidden), passed)


def vetted_size(verdict: FileVerdict) -> int | None:
    """The size the counted attestations vouch for (they agree, or the verdict fails)."""
    sizes = {j.attested_size for j in verdict.attestations
             if j.counted and j.attested_size is not None}
    return sizes.pop() if len(sizes) == 1 else None
