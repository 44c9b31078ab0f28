"""Where things live in a registry: sharded attestation paths and key paths.

Sharding follows the crates.io index so that no directory grows with PyPI: 1/, 2/ and 3/<c>/
for names of one to three characters, otherwise <first two>/<next two>/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from signoff.attest.names import (
    canonical_version,
    normalize_fingerprint,
    normalize_project,
    normalize_sha256,
)

REGISTRY_FILE = "registry.yaml"
KEYS_DIR = "keys"
ATTESTATIONS_DIR = "attestations"
STATEMENT_SUFFIX = ".yaml"
SIGNATURE_SUFFIX = ".yaml.asc"
_KEY_FILE_RE = re.compile(r"^([0-9A-F]{40})\.asc\Z")


def shard(project: str) -> str:
    """The shard directories for a normalised project name."""
    if len(project) <= 2:
        return str(len(project))
    if len(project) == 3:
        return f"3/{project[0]}"
    return f"{project[:2]}/{project[2:4]}"


def version_dir(project: str, version: str) -> str:
    """Directory holding every attested file of one release: one folder per release, named
    by its canonical version, however `version` spells it (1.0.0 and 1.0 both go to `1`)."""
    return f"{ATTESTATIONS_DIR}/{shard(project)}/{project}/{canonical_version(version)}"


def project_dir(project: str) -> str:
    """Directory holding every attested release of one project."""
    return f"{ATTESTATIONS_DIR}/{shard(project)}/{project}"


def file_dir(project: str, version: str, sha256: str) -> str:
    """Directory holding every attestation of one release file."""
    return f"{version_dir(project, version)}/{sha256}"


def statement_path(project: str, version: str, sha256: str, fpr: str) -> str:
    """Path of one signer's statement about one file."""
    return f"{file_dir(project, version, sha256)}/{fpr}{STATEMENT_SUFFIX}"


def key_path(fpr: str) -> str:
    """Path of one signer's public key."""
    return f"{KEYS_DIR}/{fpr}.asc"


@dataclass(frozen=True)
class AttestationPath:
    """The parts of a statement or signature path."""

    project: str
    """Normalised project."""
    version: str
    """Canonical version: the folder's name."""
    sha256: str
    """File digest."""
    fpr: str
    """Signer fingerprint from the file name."""
    is_signature: bool
    """True for the `.yaml.asc` file."""

    @property
    def statement(self) -> str:
        """Path of the statement this path belongs to."""
        return statement_path(self.project, self.version, self.sha256, self.fpr)

    @property
    def signature(self) -> str:
        """Path of the signature this path belongs to."""
        return self.statement + ".asc"


def parse_attestation_path(path: str) -> AttestationPath | None:
    """The parts of a well-formed, normalised attestation path; None for anything else."""
    parts = path.split("/")
    if not parts or parts[0] != ATTESTATIONS_DIR or len(parts) < 6:
        return None
    name = parts[-1]
    if name.endswith(SIGNATURE_SUFFIX):
        fpr_text, is_sig = name[: -len(SIGNATURE_SUFFIX)], True
    elif name.endswith(STATEMENT_SUFFIX):
        fpr_text, is_sig = name[: -len(STATEMENT_SUFFIX)], False
    else:
        return None
    project, version, sha256 = parts[-4], parts[-3], parts[-2]
    try:
        ok = (normalize_project(project) == project
              and canonical_version(version) == version
              and normalize_sha256(sha256) == sha256
              and normalize_fingerprint(fpr_text) == fpr_text)
    except ValueError:
        return None
    if not ok or "/".join(parts[1:-4]) != shard(project):
        return None
    return AttestationPath(project, version, sha256, fpr_text, is_sig)


def parse_key_path(path: str) -> str | None:
    """The fingerprint a `keys/<FPR>.asc` path names, or None."""
    parts = path.split("/")
    if len(parts) != 2 or parts[0] != KEYS_DIR:
        return None
    match = _KEY_FILE_RE.match(parts[1])
    return match.group(1) if match else None
