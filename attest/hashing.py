"""Streaming sha256 and size of a release file, never reading past a given bound."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from signoff.attest.errors import InputError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileDigest:
    """What hashing a file found."""

    sha256: str
    """Lower-case hex digest of the bytes read."""
    size: int
    """Bytes read: the file's size unless `truncated`."""
    truncated: bool = False
    """The file held more than the limit; only limit + 1 bytes were read and hashed."""


def hash_file(path: Path, limit: int | None = None) -> FileDigest:
    """sha256 and size of `path`, reading at most `limit + 1` bytes when a limit is given."""
    digest = hashlib.sha256()
    size = 0
    budget = None if limit is None else limit + 1
    try:
        with path.open("rb") as f:
            while budget is None or size < budget:
                want = _CHUNK if budget is None else min(_CHUNK, budget - size)
                chunk = f.read(want)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", file=path) from e
    truncated = limit is not None and size > limit
    return FileDigest(digest.hexdigest(), size, truncated)
