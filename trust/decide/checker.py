"""The one way to read a policy's registries: open them with every safety check, then judge.

`CheckSession.open` is the only place that opens registries for a decision: fetching the ones
named by URL (and refusing a registry staler than its `max-staleness`), reading each at its
named ref, rollback protection per registry and ref, the maintainers rule, main-line ages and
`min-key-age` all apply here, so every command that reads registries gets the same checks.
Nothing here prints. Progress goes to an optional callback; warnings are collected.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pygit2

from signoff.attest.errors import AttestationError
from signoff.attest.gpg import SignatureCheck
from signoff.attest.hashing import hash_file
from signoff.attest.key_names import key_label
from signoff.attest.limits import LIMITS
from signoff.attest.model import Attestation, load_attestation
from signoff.registry.clones import (
    DEFAULT_REF,
    FetchMode,
    fetch_clone,
    full_ref,
    require_fresh,
)
from signoff.registry.history import FirstSeen, PathHistory
from signoff.registry.layout import key_path
from signoff.registry.maintainers import check_maintainers
from signoff.registry.objects import reading_objects
from signoff.registry.repo import Registry, StoredAttestation
from signoff.registry.rollback import check_head, record_head, registry_key
from signoff.trust.decide.exemptions import apply_exemption
from signoff.trust.decide.grouping import RequirementVerdict, group_verdicts, other_target_files
from signoff.trust.decide.registry_criteria import RegistryCriteria, registry_criteria
from signoff.trust.decide.rules import (
    Candidate,
    FileStatus,
    FileVerdict,
    decide,
    judge,
    now_seconds,
    one_per_signer,
)
from signoff.trust.decide.target import Target
from signoff.trust.decide.verification import SignatureVerifier
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.policy import Policy, RegistrySource
from signoff.trust.release import InputProblem, ReleaseFile
from signoff.trust.wot.engine import TrustResult, compute_trust
from signoff.trust.wot.keys import KeySet, keys_tree_key, keyset_for_registries
from signoff.trust.wot.standing import KeyTooYoung, TrustModel


@dataclass
class OpenedRegistry:
    """A registry of the policy, opened at the head that this check reads."""

    source: RegistrySource
    """The policy's entry."""
    registry: Registry
    """The opened repository."""
    head: pygit2.Commit
    """The commit read."""
    history: PathHistory | None = None
    """Main-line ages of paths, when history is known."""

    @property
    def label(self) -> str:
        """How reports name this registry: its URL or path."""
        return self.source.label

    def first_seen(self, path: str) -> FirstSeen | None:
        """Since when a path has stood on the main line (None without history, or if absent)."""
        return self.history.first_seen(path) if self.history is not None else None

    def prefetch(self, paths: Iterable[str]) -> None:
        """Learn the ages of many paths in one go."""
        if self.history is not None:
            with reading_objects(self.label):
                self.history.prefetch(paths)


@dataclass(frozen=True)
class OpenOptions:
    """How `CheckSession.open` treats the registries: the options every reading command takes."""

    state_dir: Path | None = None
    """Where rollback records live (default `$XDG_STATE_HOME/signoff`)."""
    accept_rewrite: bool = False
    """Accept a head that does not descend from the recorded one."""
    fetch: FetchMode = FetchMode.AUTO
    """When registries named by `url:` are fetched."""
    cache_dir: Path | None = None
    """Where their clones live (default `$XDG_CACHE_HOME/signoff`)."""


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
    requirements: tuple[RequirementVerdict, ...] = ()
    """One verdict per requirement (or lock package), in the input's order."""
    target: Target | None = None
    """The deployment target, when one was given; without one every file counts."""

    @property
    def passed(self) -> bool:
        """True when every requirement passes (or is exempt, or skipped on the target), and
        without rows, when every file passed or is exempt and no input had a problem."""
        if self.requirements:
            return all(r.status.ok for r in self.requirements)
        return not self.problems and all(v.status is not FileStatus.FAIL for v in self.verdicts)

    @property
    def other_targets(self) -> tuple[int, tuple[str, ...]]:
        """Without a target: how many files are wheels for particular platforms, and which."""
        return (0, ()) if self.target is not None else other_target_files(self.verdicts)


@dataclass
class CheckSession:
    """A policy with its registries opened, ready to judge release files."""

    policy: Policy
    registries: list[OpenedRegistry]
    now: int = field(default_factory=now_seconds)
    warnings: list[str] = field(default_factory=list)
    _trust: TrustModel | None = None
    _trust_result: TrustResult | None = None
    _keyset: KeySet | None = None
    _verifier: SignatureVerifier | None = None
    _version_cache: dict[tuple[int, str, str], dict[str, list[StoredAttestation]]] = field(
        default_factory=dict)
    _parsed: dict[str, Attestation | AttestationError] = field(default_factory=dict)
    _histories: list[PathHistory] = field(default_factory=list)
    fresh_until: float | None = None
    """When the stalest `url:` registry with a `max-staleness` stops being fresh enough."""
    _criteria: RegistryCriteria | None = None

    @classmethod
    def open(cls, policy: Policy, now: int | None = None, *, state_dir: Path | None = None,
             accept_rewrite: bool = False, fetch: FetchMode = FetchMode.AUTO,
             cache_dir: Path | None = None) -> CheckSession:
        """Open every registry the policy names at its named ref (fetching those named by URL
        when due), refusing stale registries, rollbacks and rewrites, and enforcing the
        maintainers rule."""
        session = cls(policy, [])
        if now is not None:
            session.now = now
        try:
            session._open_all(OpenOptions(state_dir, accept_rewrite, fetch, cache_dir))
        except BaseException:
            session.close()
            raise
        return session

    def _open_source(self, source: RegistrySource, options: OpenOptions) -> tuple[Registry, str]:
        """The registry an entry names, at its ref, and the key of its rollback record.

        A `url:` entry is read from signoff's own clone, fetched when due; a clone that could
        not be fetched within `max-staleness` is refused. The record is kept per registry and
        ref, so reading another branch of a checkout is never taken for a rollback.
        """
        if source.url is None:
            assert source.path is not None
            registry = Registry.open_at(source.path, source.ref)
            return registry, registry_key(registry.repo, registry.read_ref)
        ref = full_ref(source.ref or DEFAULT_REF)
        state = fetch_clone(source.url, ref, options.fetch, source.refresh, options.cache_dir)
        wall = int(time.time())
        if state.error is not None and state.fetched_at is not None:
            self.warnings.append(f"{source.label}: could not refresh ({state.error}); reading "
                                 f"the copy fetched {wall - state.fetched_at} s ago")
        require_fresh(state, source.url, source.max_staleness, wall)
        if source.max_staleness is not None and state.fetched_at is not None:
            limit = state.fetched_at + source.max_staleness
            self.fresh_until = limit if self.fresh_until is None else min(self.fresh_until, limit)
        return Registry.open_at(state.path, ref), f"{source.url}#{ref}"

    def _open_all(self, options: OpenOptions) -> None:
        verified = []
        state_dir = options.state_dir
        for source in self.policy.registries:
            registry, key = self._open_source(source, options)
            head = registry.head_commit()
            label = source.label
            checked = check_head(registry.repo, head.id, state_dir, options.accept_rewrite,
                                 key=key, label=label)
            if checked.rewrite_accepted:
                self.warnings.append(f"{label}: accepted a rewritten history: {head.id} does "
                                     f"not descend from {checked.previous}")
            if source.maintainers and source.since is not None:
                with reading_objects(label):
                    check_maintainers(registry.repo, registry.keys_at(head), head.id,
                                      source.since, source.maintainers, label,
                                      registry.git_dir / "signoff")
            history = PathHistory.open(registry.repo, registry.git_dir, label)
            try:
                with reading_objects(label):
                    history.at(head.id)
            except sqlite3.DatabaseError:
                # A damaged cache file (a crash, a bad disk): it only caches git history.
                history.close()
                history = PathHistory.rebuild(registry.repo, registry.git_dir, label)
                with reading_objects(label):
                    history.at(head.id)
            self._histories.append(history)
            self.warnings.extend(f"{label}: history anomaly: {a.describe()}"
                                 for a in history.anomalies(self.now))
            self.registries.append(OpenedRegistry(source, registry, head, history))
            verified.append((registry, checked))
        self._criteria = registry_criteria(self.policy, [
            (o.label, o.source, o.registry) for o in self.registries])
        # Record only once every registry passed: a refused run must not move any record.
        for registry, checked in verified:
            record_head(registry.repo, checked, state_dir)

    def __enter__(self) -> CheckSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require_known_trust_keys(self) -> None:
        """Raise PolicyError, naming the policy line, for a root or introducer that is in no
        registry's keys/: a mistake that would otherwise only show as nobody being valid."""
        unknown = self.policy.unknown_trusted_keys(self.keys())
        if unknown is not None:
            raise unknown

    def key_ages(self) -> dict[str, int | None]:
        """Seconds each key file has stood on a main line (the oldest appearance wins)."""
        ages: dict[str, int | None] = {}
        for opened in self.registries:
            fprs = list(opened.registry.keys_at(opened.head))
            opened.prefetch(key_path(fpr) for fpr in fprs)
            for fpr in fprs:
                # Keys count from their first appearance: gaining certifications is no reset.
                seen = opened.first_seen(key_path(fpr))
                age = None if seen is None else self.now - seen.time
                best = ages.get(fpr)
                ages[fpr] = age if best is None else best if age is None else max(best, age)
        return ages

    def keys(self) -> dict[str, bytes]:
        """Union of every registry's keys (the first registry wins a fingerprint)."""
        keys: dict[str, bytes] = {}
        for opened in reversed(self.registries):
            keys.update(opened.registry.keys_at(opened.head))
        return keys

    @property
    def keyset(self) -> KeySet:
        """Every registry's keys, read by gpg (or from the cache keyed by the keys/ trees)."""
        if self._keyset is None:
            self._keyset = keyset_for_registries([o.registry for o in self.registries])
        return self._keyset

    def key_label(self, fpr: str) -> str:
        """`63BC7C35FF0B5238 (Alice)`: the one way text output names a key."""
        key = self.keyset.get(fpr)
        return key_label(fpr, key.primary_uid if key is not None else None)

    def counted_keys(self, besides: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """Fingerprints of every registry key whose statements the policy counts, except
        `besides` (e.g. signers already heard from: a second statement adds no approval)."""
        return [fpr for fpr in sorted(self.keys())
                if fpr not in besides and self.trust.standing(fpr).counted]

    @property
    def trust_result(self) -> TrustResult:
        """Every key's validity under the policy's web of trust, before `min-key-age`."""
        if self._trust_result is None:
            self._trust_result = compute_trust(self.keyset, self.policy.trust, self.now)
        return self._trust_result

    @property
    def trust(self) -> TrustModel:
        """Whether each signer counts: the web of trust, with `min-key-age` applied."""
        if self._trust is None:
            model: TrustModel = self.trust_result
            if self.policy.trust.min_key_age > 0:
                model = KeyTooYoung(model, self.key_ages(), self.policy.trust.min_key_age)
            self._trust = model
        return self._trust

    @property
    def verifier(self) -> SignatureVerifier:
        """The signature verifier, with its cache in the first registry's git directory."""
        if self._verifier is None:
            cache = self.registries[0].registry.git_dir / "signoff" / "signatures.sqlite"
            self._verifier = SignatureVerifier(
                self.keys, lambda: self.keyset.states,
                keys_tree_key([o.registry for o in self.registries]), cache, self.now)
        return self._verifier

    def close(self) -> None:
        """Release the throwaway keyring and the history caches; safe to call twice."""
        if self._verifier is not None:
            self._verifier.close()
            self._verifier = None
        for history in self._histories:
            history.close()
        self._histories.clear()

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

    def _statements(self, project: str, version: str
                    ) -> list[tuple[StoredAttestation, Attestation, str]]:
        """(stored, parsed, where) of every parsable statement of a release, unverified."""
        found = []
        for index, opened in enumerate(self.registries):
            for statements in self.files_of_version(index, project, version).values():
                for stored in statements:
                    where = f"{opened.label}/{stored.path}"
                    att = self._parse_or_error(stored, where)
                    if isinstance(att, Attestation):
                        found.append((stored, att, where))
        return found

    def _subjects(self, project: str, version: str) -> list[tuple[str, str, int, str]]:
        """(sha256, filename, size, where) of every parsable statement of a release."""
        return [(att.subject.sha256, att.subject.filename, att.subject.size, where)
                for _, att, where in self._statements(project, version)]

    def _parse_or_error(self, stored: StoredAttestation, where: str
                        ) -> Attestation | AttestationError:
        """The statement parsed once per blob (the error names where it was first read)."""
        if stored.statement_id not in self._parsed:
            try:
                self._parsed[stored.statement_id] = load_attestation(stored.statement, where)
            except AttestationError as e:
                self._parsed[stored.statement_id] = e
        return self._parsed[stored.statement_id]

    def attested_files(self, project: str, version: str) -> list[ReleaseFile]:
        """Every file of a release that some registry attests, as a file to judge."""
        seen: dict[tuple[str, str], ReleaseFile] = {}
        for sha, name, _size, where in self._subjects(project, version):
            seen.setdefault((sha, name), ReleaseFile(project, version, sha, name, None, where))
        return sorted(seen.values(), key=lambda f: (f.filename or "", f.sha256))

    def _hash_local(self, file: ReleaseFile) -> tuple[ReleaseFile, Reason | None]:
        """Hash a local file, reading no more than the largest size attested for its name;
        a file that differs from every attested file of its name says so, with both hashes."""
        if file.local_path is None or file.sha256:
            return file, None
        attested = sorted({(sha, size) for sha, name, size, _ in
                           self._subjects(file.project, file.version)
                           if file.filename is None or name == file.filename})
        if not attested:
            return file, Reason(Code.NO_ATTESTED_NAME, {
                "filename": file.filename, "project": file.project, "version": file.version})
        digest = hash_file(file.local_path, max(size for _, size in attested))
        if digest.truncated:
            # Larger than anything attested, so different: hash it whole only within a cap.
            digest = hash_file(file.local_path, LIMITS.differing_file_bytes)
            if digest.truncated:
                return file, Reason(Code.LARGER_THAN_ATTESTED,
                                    {"limit": LIMITS.differing_file_bytes})
        hashed = replace(file, sha256=digest.sha256, size=digest.size)
        if digest.sha256 in {sha for sha, _ in attested}:
            return hashed, None
        return hashed, Reason(Code.LOCAL_FILE_DIFFERS, {
            "filename": file.filename or file.local_path.name, "sha256": digest.sha256,
            "size": digest.size,
            "attested": [{"sha256": sha, "size": size} for sha, size in attested]})

    def _conflicts(self, file: ReleaseFile, own_names: set[str]) -> list[tuple[str, str]]:
        """Other sha256s attested for the same file name: signed by the key that the
        statement names and sitting where its subject says, whoever that key belongs to."""
        names = {file.filename} if file.filename else own_names
        suspects = [(stored, att, where) for stored, att, where in
                    self._statements(file.project, file.version)
                    if att.subject.filename in names and att.subject.sha256 != file.sha256]
        if not suspects:
            return []
        checks = self.verifier.check_all(stored for stored, _, _ in suspects)
        return sorted({(att.subject.sha256, where) for stored, att, where in suspects
                       if checks[stored.path].good
                       and checks[stored.path].primary_fpr == att.signer == stored.name_fpr
                       and stored.path.split("/")[-2] == att.subject.sha256})

    def prefetch_ages(self, files: Iterable[ReleaseFile]) -> None:
        """Learn the main-line ages of every statement about `files`: one git call per registry
        for the lot, instead of one per statement."""
        wanted = [f for f in files if f.sha256]
        for index, opened in enumerate(self.registries):
            opened.prefetch(stored.path for f in wanted for stored in
                            self.files_of_version(index, f.project, f.version).get(f.sha256, []))

    def candidates(self, file: ReleaseFile) -> list[Candidate]:
        """Every committed statement about this file, across registries."""
        self.prefetch_ages([file])
        found = []
        for index, opened in enumerate(self.registries):
            for stored in self.files_of_version(index, file.project, file.version).get(
                    file.sha256, []):
                found.append(Candidate(opened.label, stored, opened.first_seen(stored.path)))
        return found

    def check(self, files: Sequence[ReleaseFile], problems: Sequence[InputProblem] = (),
              progress: Callable[[], None] | None = None, target: Target | None = None
              ) -> CheckReport:
        """Judge every file against the policy, and each requirement on the target (every
        file counts without one)."""
        prepared = [self._hash_local(f) for f in files]
        self.prefetch_ages(f for f, oversized in prepared if not oversized)
        per_file = [self.candidates(f) if f.sha256 and not oversized else []
                    for f, oversized in prepared]
        signatures = self.verifier.check_all(
            (c.stored for cands in per_file for c in cands), progress)
        verdicts = [self._decide(file, oversized, cands, signatures)
                    for (file, oversized), cands in zip(prepared, per_file, strict=True)]
        return CheckReport(
            policy=self.policy,
            registries=tuple((o.label, str(o.head.id)) for o in self.registries),
            verdicts=tuple(verdicts), problems=tuple(problems), warnings=tuple(self.warnings),
            requirements=group_verdicts(verdicts, problems, target), target=target)

    def _decide(self, file: ReleaseFile, oversized: Reason | None, cands: list[Candidate],
                signatures: dict[str, SignatureCheck]) -> FileVerdict:
        requirement, rule = self.policy.requirement_for(file.project)
        judged = [replace(j, counts_as=self.criteria.counts_as(j.registry, j.criteria))
                  if j.registry in self.criteria.maps else j
                  for j in one_per_signer([
                      judge(c, file, signatures[c.stored.path], self.trust, requirement,
                            self.now,
                            None if c.stored.too_large else
                            self._parse_or_error(c.stored, f"{c.registry}/{c.stored.path}"))
                      for c in cands])]
        own_names = {j.attestation.subject.filename for j in judged if j.attestation}
        # A local file that differs from the attested ones says so once, not as a conflict too.
        conflicts = self._conflicts(file, own_names) if file.sha256 and not oversized else []
        verdict = decide(file, judged, requirement, rule, self.criteria.graph, conflicts,
                         oversized)
        exemption = self.policy.exemption_for(file.project, file.version, file.sha256)
        return apply_exemption(verdict, exemption, self.now)

    @property
    def criteria(self) -> RegistryCriteria:
        """The policy's criteria with the registries' imports and maps."""
        if self._criteria is None:
            self._criteria = registry_criteria(self.policy, [])
        return self._criteria


def registry_paths(report: CheckReport) -> list[Path]:
    """Paths of the registries a report read."""
    return [Path(p) for p, _ in report.registries]
