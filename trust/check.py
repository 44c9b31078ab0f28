"""`signoff check` as a core: open the policy's registries, judge every file, report.

Nothing here prints. Progress goes to an optional callback; warnings are collected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pygit2

from attest.errors import AttestationError
from attest.gpg import SignatureCheck
from attest.hashing import hash_file
from attest.model import Attestation, load_attestation
from registry.repo import Registry, StoredAttestation
from trust.evaluate import (
    Candidate,
    FileVerdict,
    FirstSeen,
    decide,
    judge,
    now_seconds,
    one_per_signer,
)
from trust.policy import Policy, RegistrySource
from trust.release import InputProblem, ReleaseFile
from trust.standing import RootsOnly, TrustModel
from trust.verification import SignatureVerifier


@dataclass
class OpenedRegistry:
    """A registry of the policy, opened at the head that this check reads."""

    source: RegistrySource
    """The policy's entry."""
    registry: Registry
    """The opened repository."""
    head: pygit2.Commit
    """The commit read."""
    first_seen: Callable[[str], FirstSeen | None] = lambda path: None
    """Main-line first appearance of a path, when history is known."""

    @property
    def label(self) -> str:
        """How reports name this registry."""
        return str(self.source.path)


@dataclass(frozen=True)
class CheckReport:
    """Everything `check` decided."""

    policy: Policy
    """The policy applied."""
    registries: tuple[tuple[str, str], ...]
    """(path, head commit) of each registry read."""
    verdicts: tuple[FileVerdict, ...]
    """One per release file."""
    problems: tuple[InputProblem, ...]
    """Requirements that could not be checked at all."""
    warnings: tuple[str, ...] = ()
    """Things the user should know that did not change the result."""

    @property
    def passed(self) -> bool:
        """True when every file passed and no input had a problem."""
        return not self.problems and all(v.passed for v in self.verdicts)


@dataclass
class CheckSession:
    """A policy with its registries opened, ready to judge release files."""

    policy: Policy
    registries: list[OpenedRegistry]
    now: int = field(default_factory=now_seconds)
    warnings: list[str] = field(default_factory=list)
    trust_factory: Callable[[CheckSession], TrustModel] | None = None
    _trust: TrustModel | None = None
    _verifier: SignatureVerifier | None = None
    _version_cache: dict[tuple[int, str, str], dict[str, list[StoredAttestation]]] = field(
        default_factory=dict)
    _parsed: dict[str, Attestation | None] = field(default_factory=dict)

    @classmethod
    def open(cls, policy: Policy, now: int | None = None) -> CheckSession:
        """Open every registry the policy names, at its HEAD."""
        opened = []
        warnings = []
        for source in policy.registries:
            registry = Registry.open(source.path)
            if registry.is_dirty():
                warnings.append(f"{source.path}: uncommitted changes are ignored; "
                                "check reads what is committed at HEAD")
            opened.append(OpenedRegistry(source, registry, registry.head_commit()))
        session = cls(policy, opened, warnings=warnings)
        if now is not None:
            session.now = now
        return session

    def keys(self) -> dict[str, bytes]:
        """Union of every registry's keys (the first registry wins a fingerprint)."""
        keys: dict[str, bytes] = {}
        for opened in reversed(self.registries):
            keys.update(opened.registry.keys_at(opened.head))
        return keys

    @property
    def trust(self) -> TrustModel:
        """The trust model, built on first use."""
        if self._trust is None:
            if self.trust_factory is not None:
                self._trust = self.trust_factory(self)
            else:
                self._trust = RootsOnly(self.policy.trust.roots, frozenset(self.keys()))
        return self._trust

    @property
    def verifier(self) -> SignatureVerifier:
        """The signature verifier, with its cache in the first registry's git directory."""
        if self._verifier is None:
            cache = self.registries[0].registry.git_dir / "signoff" / "signatures.sqlite"
            self._verifier = SignatureVerifier(self.keys, cache)
        return self._verifier

    def close(self) -> None:
        """Release the throwaway keyring."""
        if self._verifier is not None:
            self._verifier.close()

    # -- per file ------------------------------------------------------------------------------

    def files_of_version(self, index: int, project: str, version: str
                         ) -> dict[str, list[StoredAttestation]]:
        """Statements per sha256 of one release in one registry, read once per session."""
        key = (index, project, version)
        if key not in self._version_cache:
            opened = self.registries[index]
            self._version_cache[key] = opened.registry.files_of_version(project, version,
                                                                        opened.head)
        return self._version_cache[key]

    def _subjects(self, project: str, version: str) -> list[tuple[str, str, int, str]]:
        """(sha256, filename, size, where) of every parsable statement of a release."""
        found = []
        for index, opened in enumerate(self.registries):
            for sha, statements in self.files_of_version(index, project, version).items():
                for stored in statements:
                    att = self._parse(stored)
                    if att is None:
                        continue
                    found.append((sha, att.subject.filename, att.subject.size,
                                  f"{opened.label}/{stored.path}"))
        return found

    def _parse(self, stored: StoredAttestation) -> Attestation | None:
        """The statement parsed once per blob, unverified: for sizes and conflicts only."""
        if stored.statement_id not in self._parsed:
            try:
                self._parsed[stored.statement_id] = load_attestation(stored.statement, stored.path)
            except AttestationError:
                self._parsed[stored.statement_id] = None
        return self._parsed[stored.statement_id]

    def attested_files(self, project: str, version: str) -> list[ReleaseFile]:
        """Every file of a release that some registry attests, as a file to judge."""
        seen: dict[tuple[str, str], ReleaseFile] = {}
        for sha, name, _size, where in self._subjects(project, version):
            seen.setdefault((sha, name), ReleaseFile(project, version, sha, name, None, where))
        return sorted(seen.values(), key=lambda f: (f.filename or "", f.sha256))

    def _hash_local(self, file: ReleaseFile) -> tuple[ReleaseFile, str | None]:
        """Hash a local file, reading no more than the largest size attested for its name."""
        if file.local_path is None or file.sha256:
            return file, None
        sizes = [size for _, name, size, _ in self._subjects(file.project, file.version)
                 if file.filename is None or name == file.filename]
        if not sizes:
            return file, (f"no attestation for any file named {file.filename} of "
                          f"{file.project} {file.version}; not hashed")
        limit = max(sizes)
        digest = hash_file(file.local_path, limit)
        if digest.truncated:
            return file, (f"file is larger than every attested size ({limit} bytes); "
                          "not read to its end")
        return replace(file, sha256=digest.sha256, size=digest.size), None

    def _conflicts(self, file: ReleaseFile, own_names: set[str]) -> list[tuple[str, str]]:
        names = {file.filename} if file.filename else own_names
        return sorted({(sha, where) for sha, name, _, where in
                       self._subjects(file.project, file.version)
                       if name in names and sha != file.sha256})

    def candidates(self, file: ReleaseFile) -> list[Candidate]:
        """Every committed statement about this file, across registries."""
        found = []
        for index, opened in enumerate(self.registries):
            for stored in self.files_of_version(index, file.project, file.version).get(
                    file.sha256, []):
                found.append(Candidate(opened.label, stored, opened.first_seen(stored.path)))
        return found

    def check(self, files: Sequence[ReleaseFile], problems: Sequence[InputProblem] = (),
              progress: Callable[[], None] | None = None) -> CheckReport:
        """Judge every file against the policy."""
        prepared = [self._hash_local(f) for f in files]
        per_file = [self.candidates(f) if f.sha256 and not oversized else []
                    for f, oversized in prepared]
        signatures = self.verifier.check_all(
            (c.stored for cands in per_file for c in cands), progress)
        verdicts = [self._decide(file, oversized, cands, signatures)
                    for (file, oversized), cands in zip(prepared, per_file, strict=True)]
        return CheckReport(
            policy=self.policy,
            registries=tuple((o.label, str(o.head.id)) for o in self.registries),
            verdicts=tuple(verdicts), problems=tuple(problems), warnings=tuple(self.warnings))

    def _decide(self, file: ReleaseFile, oversized: str | None, cands: list[Candidate],
                signatures: dict[str, SignatureCheck]) -> FileVerdict:
        requirement, rule = self.policy.requirement_for(file.project)
        judged = one_per_signer([
            judge(c, file, signatures[c.stored.path], self.trust, requirement, self.now)
            for c in cands])
        own_names = {j.attestation.subject.filename for j in judged if j.attestation}
        conflicts = self._conflicts(file, own_names) if file.sha256 else []
        return decide(file, judged, requirement, rule, self.policy.criteria, conflicts, oversized)


def registry_paths(report: CheckReport) -> list[Path]:
    """Paths of the registries a report read."""
    return [Path(p) for p, _ in report.registries]
