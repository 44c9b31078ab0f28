"""Vouching: build an attestation, sign it with the user's key, commit it to the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pygit2

from signoff.attest.criteria import BUILTIN_CRITERIA, nearest_criterion
from signoff.attest.errors import AttestationError, GpgError, InputError
from signoff.attest.gpg import UserGnuPG, temporary_keyring
from signoff.attest.hashing import hash_file
from signoff.attest.model import (
    Attestation,
    Subject,
    Verdict,
    dump_attestation,
    is_valid_criterion,
    load_attestation,
    release_name_and_version,
)
from signoff.attest.names import (
    normalize_project,
    normalize_sha256,
    normalize_version,
    same_version,
)
from signoff.registry.layout import key_path, statement_path
from signoff.registry.repo import Registry


@dataclass(frozen=True)
class Vouched:
    """What one `attest` wrote."""

    path: str
    """Path of the statement in the registry."""
    commit: str
    """The commit that added it."""
    attestation: Attestation
    """The signed statement."""
    added_key: bool
    """True when the signer's public key was committed alongside."""


def subject_for_file(path: Path, project: str | None = None, version: str | None = None
                     ) -> Subject:
    """Hash a local release file and name it."""
    if not path.is_file():
        raise InputError("not a file", file=path)
    digest = hash_file(path)
    return subject_for_hash(path.name, digest.sha256, digest.size, project, version)


def subject_for_hash(filename: str, sha256: str, size: int, project: str | None = None,
                     version: str | None = None) -> Subject:
    """Name a file known only by its hash and size, as an index lists it."""
    try:
        file_project, file_version = release_name_and_version(filename)
        sha = normalize_sha256(sha256)
        norm_project = normalize_project(project or file_project)
        norm_version = normalize_version(version or file_version)
    except ValueError as e:
        raise InputError(str(e), file=filename) from e
    if size < 0:
        raise InputError("size must not be negative", file=filename)
    if normalize_project(file_project) != norm_project or not same_version(file_version,
                                                                           norm_version):
        raise InputError(f"the file name says {file_project} {file_version}, not "
                         f"{norm_project} {norm_version}", file=filename)
    return Subject(norm_project, norm_version, filename, sha, size)


def vouch(registry: Registry, user: UserGnuPG, subject: Subject, *, verdict: Verdict,
          criteria: tuple[str, ...], comment: str | None = None, key: str | None = None,
          now: datetime | None = None, allow_unknown_criteria: bool = False) -> Vouched:
    """Sign and commit one attestation; the signer's key is committed too when missing.

    A criterion must be built in or declared in the registry's registry.yaml, unless
    `allow_unknown_criteria`: a typo is caught before it is signed, not at deploy time."""
    for name in criteria:
        if not is_valid_criterion(name):
            raise InputError(f"criterion {name!r} must be a lower-case name like safe-to-deploy")
    if not allow_unknown_criteria:
        check_known_criteria(criteria, registry)
    if verdict is Verdict.APPROVED and not criteria:
        raise InputError("an approval needs --criteria (e.g. safe-to-deploy)")
    if verdict is Verdict.WITHDRAWN and criteria:
        raise InputError("a withdrawal names no --criteria: it takes back your statement")
    fpr = user.signing_key(key)
    path = statement_path(subject.project, subject.version, subject.sha256, fpr)
    previous = registry.read_file(path)
    if verdict is Verdict.WITHDRAWN and previous is None:
        raise InputError(f"nothing to withdraw: {fpr} has no statement about "
                         f"{subject.filename} ({subject.sha256[:12]}…) in this registry",
                         file=registry.path)
    signed_at = _after(previous, (now or datetime.now(tz=UTC)).replace(microsecond=0))
    draft = Attestation(subject, verdict, criteria, fpr, signed_at, comment=comment)
    statement = dump_attestation(draft)
    attestation = load_attestation(statement, "new attestation")  # what readers will see
    signature = user.sign_detached(statement, fpr)
    public_key = user.export_public_key(fpr)
    with temporary_keyring({"your key": public_key}) as ring:
        result = ring.verify_detached(statement, signature)
    if not result.good or result.primary_fpr != fpr:
        raise GpgError(f"the new signature does not verify with {fpr}: {result.problem}")
    files = {path: statement, path + ".asc": signature}
    added_key = registry.read_file(key_path(fpr)) is None
    if added_key:
        files[key_path(fpr)] = public_key
    commit: pygit2.Oid = registry.commit_files(files, _message(attestation, added_key))
    return Vouched(path, str(commit), attestation, added_key)


def check_known_criteria(criteria: tuple[str, ...], registry: Registry) -> None:
    """InputError for a criterion neither built in nor declared, naming the nearest one."""
    known = {**BUILTIN_CRITERIA, **registry.declared_criteria()}
    for name in criteria:
        if name in known:
            continue
        nearest = nearest_criterion(name, known)
        guess = f"did you mean {nearest!r}? " if nearest else ""
        raise InputError(f"unknown criterion {name!r}: neither built in nor declared in the "
                         "registry's registry.yaml",
                         hint=f"{guess}known: {', '.join(sorted(known))}; pass "
                         "--allow-unknown-criteria to sign it anyway")


def _after(previous: bytes | None, now: datetime) -> datetime:
    """`now`, or one second past the statement it replaces: a replacement must be newer, and
    dates have whole seconds, so two statements within a second would tie."""
    if previous is None:
        return now
    try:
        old = load_attestation(previous, "the statement it replaces").date
    except AttestationError:
        return now
    return max(now, old + timedelta(seconds=1))


def _message(att: Attestation, added_key: bool) -> str:
    s = att.subject
    lines = [f"{att.verdict.value.capitalize()} {s.project} {s.version}: {s.filename}", "",
             f"sha256 {s.sha256}, {s.size} bytes",
             f"criteria: {', '.join(att.criteria) or '(none)'}",
             f"signer: {att.signer}"]
    if added_key:
        lines.append(f"adds key {att.signer}")
    return "\n".join(lines) + "\n"
