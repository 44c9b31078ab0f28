"""Outcomes as data: every reason an attestation does not count, every finding of a requirement
and every fix is a `Reason`, a stable code with parameters.

The core decides with codes and never writes English; `signoff.trust.report.words` turns a
Reason into the sentence a person reads. JSON reports carry `code` and `params` beside that
message, so consumers can rely on codes that later versions never rename.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Every outcome code. The value is what JSON carries; the README lists them all."""

    # -- why an attestation does not count ------------------------------------------------
    STATEMENT_TOO_LARGE = "statement-too-large"
    """The statement or its signature is over its size cap and was not read."""
    MALFORMED_STATEMENT = "malformed-statement"
    """The statement does not parse. params: detail."""
    BAD_SIGNATURE = "bad-signature"
    """The signature does not verify against the registries' keys. params: problem."""
    SUBJECT_MISMATCH = "subject-mismatch"
    """The subject names another file than the directory it sits in.
    params: project, version, sha256 (the subject's)."""
    SIGNER_MISMATCH = "signer-mismatch"
    """Statement, file name and signature disagree on the signer.
    params: statement, file_name, signature (fingerprints; signature may be null)."""
    FILENAME_MISMATCH = "filename-mismatch"
    """The subject names another file name than the one checked. params: attested, actual."""
    ATTESTED_SIZE_MISMATCH = "attested-size-mismatch"
    """The subject's size differs from the file's. params: attested, actual."""
    EXPIRED = "expired"
    """The statement's `expires` has passed. params: expires (YYYY-MM-DD)."""
    KEY_NOT_IN_REGISTRY = "key-not-in-registry"
    """The signer's key is not in any registry's keys/. params: signer."""
    SIGNER_REVOKED = "signer-revoked"
    """The signer's key is revoked. params: signer."""
    SIGNER_EXPIRED = "signer-expired"
    """The signer's key has expired. params: signer."""
    BELOW_MIN_VALIDITY = "below-min-validity"
    """The signer is valid, but less than `trust.min-validity`.
    params: signer, validity, min_validity, shortfall (the web of trust's account)."""
    SIGNER_NOT_VALID = "signer-not-valid"
    """The web of trust does not make the signer valid.
    params: signer, validity, shortfall (the web of trust's account)."""
    KEY_TOO_YOUNG = "key-too-young"
    """The signer's key file is younger than `trust.min-key-age`.
    params: signer, age (seconds, null without history), need (seconds)."""
    NO_HISTORY = "no-history"
    """No main-line history for the statement, so `min-age` cannot be met."""
    ATTESTATION_TOO_YOUNG = "attestation-too-young"
    """The approval has not stood for `min-age` yet. params: age, need (seconds)."""
    SUPERSEDED = "superseded"
    """A newer statement by the same signer replaces it. params: by (registry/path)."""
    REPLAY = "replay"
    """An older statement (by the `date` signed) of a signer who has since signed a newer one
    about the same file, in any registry. params: by (registry/path), signed, newer (dates)."""
    WITHDRAWN = "withdrawn"
    """The signer withdrew their statement about the file (`attest --withdraw`): it counts
    neither for nor against. params: signer, signed (date)."""

    # -- why a requirement is not met ------------------------------------------------------
    TOO_FEW_APPROVALS = "too-few-approvals"
    """Fewer distinct valid signers approve than required.
    params: have, need, criteria (list), weak (list of {signer, criteria}: approvals of weaker
    criteria), young (list of {signer, age, need}: approvals still in quarantine)."""
    NO_ATTESTATIONS = "no-attestations"
    """No registry holds any statement about the file; params as too-few-approvals, plus
    sha256."""
    REJECTED = "rejected"
    """A valid signer rejects the file. params: rejections (list of {signer, criteria})."""
    CONFLICTING_HASH = "conflicting-hash"
    """Another sha256 is attested for the same file name.
    params: conflicts (list of {sha256, where})."""
    SIZE_MISMATCH = "size-mismatch"
    """The file's size differs from an attested size. params: size, attested (list)."""
    SIZES_DISAGREE = "sizes-disagree"
    """Attestations disagree about the file's size. params: sizes (list)."""
    LARGER_THAN_ATTESTED = "larger-than-attested"
    """A local file is larger than every attested size, and too large to hash whole for the
    report: it was not read to its end. params: limit (bytes)."""
    LOCAL_FILE_DIFFERS = "local-file-differs"
    """A local file differs from every attested file of its name.
    params: filename, sha256 (the local file's), size, attested (list of {sha256, size})."""
    NO_ATTESTED_NAME = "no-attested-name"
    """No statement names a local file's name, so it was not hashed.
    params: filename, project, version."""
    INPUT_PROBLEM = "input-problem"
    """A requirement could not be checked at all (unpinned, no hash, unreadable).
    params: requirement, reason (the input reader's words)."""

    MARKER_EXCLUDES = "marker-excludes"
    """The requirement's environment marker excludes the target: skipped. params: marker."""
    NO_FILE_FOR_TARGET = "no-file-for-target"
    """No file named for the requirement fits the target, so an installer could take none.
    params: files (how many are named), target (the target's options)."""

    # -- why an index leaves out a file its upstream lists ------------------------------------
    NO_UPSTREAM_HASH = "no-upstream-hash"
    """The upstream gives no sha256 for the file, so no attestation can match it."""
    NOT_A_RELEASE_FILE = "not-a-release-file"
    """The upstream's file name is not a wheel or sdist name. params: detail."""
    OTHER_PROJECT = "other-project"
    """The file name names another project than the page. params: named, page."""

    # -- what would make a file pass -------------------------------------------------------
    MORE_APPROVALS = "more-approvals"
    """More approvals from valid keys. params: missing, criteria (list); from explain also
    candidates (labels of valid keys not yet heard from; empty when there is none)."""
    WAIT = "wait"
    """Approvals already made count once they are old enough.
    params: wait, signers, min_age (seconds)."""
    WITHDRAW_REJECTION = "withdraw-rejection"
    """The rejecting signer must withdraw, or the file must not be deployed."""
    RESOLVE_CONFLICT = "resolve-conflict"
    """Find out which of two hashes for one file name is genuine."""


@dataclass(frozen=True)
class Reason:
    """One outcome: a stable code and the parameters its wording needs (JSON-ready values)."""

    code: Code
    """What happened."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Its details, by name; see each code's docstring."""

    def as_dict(self) -> dict[str, Any]:
        """`{"code": ..., "params": ...}` for JSON."""
        return {"code": self.code.value, "params": dict(self.params)}
