"""Normalised names: PEP 503 projects, PEP 440 versions, OpenPGP fingerprints, sha256 digests."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

# PEP 508 names: letters, digits, and . _ - inside.
# ASCII only: with IGNORECASE alone, [A-Z] also matches the dotless i and the Kelvin sign.
# \Z, not $: $ also matches before a final newline.
_PROJECT_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z",
                         re.IGNORECASE | re.ASCII)
_FPR_RE = re.compile(r"^[0-9A-F]{40}\Z")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")


def normalize_project(name: str) -> str:
    """PEP 503 form of a project name; ValueError if it is not a valid name."""
    if not _PROJECT_RE.match(name):
        raise ValueError(f"not a valid project name: {name!r}")
    return str(canonicalize_name(name))


def normalize_version(version: str) -> str:
    """PEP 440 normal form of a version, trailing zeros kept (`1.0.0` stays `1.0.0`), as a
    deployment input or a statement spells it; ValueError if it is not a valid version."""
    return str(canonicalize_version(_parse_version(version), strip_trailing_zero=False))


def canonical_version(version: str) -> str:
    """The one spelling of a release's version, its registry folder: the normal form with
    trailing zero release segments stripped (1.0, 1.0.0 and v1.0.0.0 are all `1`; 1.0-post1
    is `1.post1`). PEP 440 calls all those spellings one version and pip installs the same
    file for each. This is packaging's `canonicalize_version`, the rule PyPI uses to refuse
    a second upload of an equal version. ValueError if it is not valid."""
    return str(canonicalize_version(_parse_version(version)))


def same_version(text: str, version: str) -> bool:
    """True when `text` is some spelling of the (valid) version `version`."""
    try:
        return Version(text) == Version(version)
    except InvalidVersion:
        return False


def _parse_version(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as e:
        raise ValueError(f"not a valid PEP 440 version: {version!r}") from e


def normalize_fingerprint(fpr: str) -> str:
    """Upper-case 40-hex primary-key fingerprint; ValueError otherwise."""
    cleaned = fpr.replace(" ", "").upper()
    if not _FPR_RE.match(cleaned):
        raise ValueError(f"not a 40-hex OpenPGP fingerprint: {fpr!r}")
    return cleaned


def normalize_sha256(digest: str) -> str:
    """Lower-case 64-hex sha256; ValueError otherwise."""
    cleaned = digest.strip().lower()
    if not _SHA256_RE.match(cleaned):
        raise ValueError(f"not a 64-hex sha256 digest: {digest!r}")
    return cleaned


def short_fpr(fpr: str) -> str:
    """The last 16 hex digits, the long key id, for human text."""
    return fpr[-16:]
