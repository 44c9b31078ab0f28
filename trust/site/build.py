"""`signoff site`: a static site of the registries a policy names, for people.

One page per project (versions, files, and who attested what, judged under the policy), one per
key (what it attested, who certified it, its validity and path under the policy), and an index
of projects with a search box: the only JavaScript, and the list works without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.listing import attested_projects
from signoff.trust.decide.rules import FileVerdict, JudgedAttestation
from signoff.trust.outcomes import Reason
from signoff.trust.report.static_tree import StaticTree
from signoff.trust.site.pages import render, stylesheet
from signoff.trust.wot.keys import Key


@dataclass(frozen=True)
class ProjectVersion:
    """One attested version of a project and the verdict on each of its files."""

    version: str
    verdicts: tuple[FileVerdict, ...]

    @property
    def passed(self) -> bool:
        """True when some file of the version passes."""
        return any(v.passed for v in self.verdicts)


@dataclass
class KeyPage:
    """What the site says about one key."""

    fingerprint: str
    key: Key | None
    validity: str
    counted: bool
    why_not: Reason | None
    path: tuple[str, ...]
    attested: list[tuple[str, str, FileVerdict, JudgedAttestation]] = field(default_factory=list)
    """(project, version, verdict, attestation) of every statement it signed."""
    certified: list[str] = field(default_factory=list)
    """Keys this key has certified."""


def build_site(session: CheckSession, out: Path) -> StaticTree:
    """Write the whole site into `out`."""
    tree = StaticTree(out)
    keys = _key_pages(session)
    projects = attested_projects(session)
    summaries = []
    for name in projects:
        versions = _versions(session, name)
        for v in versions:
            for verdict in v.verdicts:
                for j in verdict.attestations:
                    page = keys.get(j.signer)
                    if page is not None:
                        page.attested.append((name, v.version, verdict, j))
        summaries.append((name, sum(1 for v in versions if v.passed), len(versions)))
        tree.write(f"p/{name}.html", render(
            "site_project.html", root="../", inline_css=None, project=name,
            versions=list(reversed(versions)), labels=_labels(session, keys), policy=session.policy,
            registries=session.registries).encode())
    labels = _labels(session, keys)
    for fpr, page in keys.items():
        tree.write(f"k/{fpr}.html", render("site_key.html", root="../", inline_css=None,
                                           page=page, labels=labels).encode())
    tree.write("index.html", render(
        "site_index.html", root="", inline_css=None, projects=summaries,
        keys=sorted(keys.values(), key=lambda k: (not k.counted, labels[k.fingerprint])),
        labels=labels, policy=session.policy, registries=session.registries).encode())
    tree.write("style.css", stylesheet().encode())
    tree.finish()
    return tree


def _versions(session: CheckSession, project: str) -> list[ProjectVersion]:
    found: set[str] = set()
    for opened in session.registries:
        found.update(opened.registry.versions_of(project, opened.head))
    result = []
    for version in sorted(found, key=_version_order):
        files = session.attested_files(project, version)
        result.append(ProjectVersion(version, session.check(files).verdicts))
    return result


def _version_order(text: str) -> tuple[int, Version, str]:
    try:
        return 0, Version(text), text
    except InvalidVersion:
        return 1, Version("0"), text


def _key_pages(session: CheckSession) -> dict[str, KeyPage]:
    pages: dict[str, KeyPage] = {}
    for fpr in sorted(session.keys()):
        standing = session.trust.standing(fpr)
        pages[fpr] = KeyPage(fpr, session.keyset.get(fpr), standing.validity.value,
                             standing.counted, standing.why_not, tuple(standing.path or ()))
    for page in pages.values():
        if page.key is None:
            continue
        for uid in page.key.uids:
            for cert in uid.certifications:
                certifier = pages.get(cert.signer)
                if certifier is not None and not cert.is_revocation and \
                        page.fingerprint not in certifier.certified:
                    certifier.certified.append(page.fingerprint)
    return pages


def _labels(session: CheckSession, keys: dict[str, KeyPage]) -> dict[str, str]:
    """A short name for every key: its primary user ID, else its short fingerprint."""
    return {fpr: (page.key.primary_uid if page.key and page.key.primary_uid else fpr[-16:])
            for fpr, page in keys.items()}
