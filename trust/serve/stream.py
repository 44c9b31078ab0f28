"""Passing an upstream file through while hashing it, cut off the moment it is not the file
that was vetted.

The last chunk is held back until the whole body has been hashed: a client never receives every
byte of a file whose sha256 does not match, and a body longer than the vetted size is cut at
that size.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator

log = logging.getLogger("signoff.serve")


class StreamMismatch(Exception):
    """The upstream's bytes are not the vetted file: the response is cut off."""


async def verified_stream(chunks: AsyncIterator[bytes], sha256: str, size: int, label: str
                          ) -> AsyncIterator[bytes]:
    """Yield the upstream's bytes, raising StreamMismatch before the last chunk if they do not
    hash to `sha256` or do not come to exactly `size` bytes."""
    digest = hashlib.sha256()
    seen = 0
    held = b""
    async for chunk in chunks:
        if not chunk:
            continue
        seen += len(chunk)
        if seen > size:
            log.warning("cut off %s: the upstream sent more than the vetted %d bytes",
                        label, size)
            raise StreamMismatch(f"{label}: more than the vetted {size} bytes")
        digest.update(chunk)
        if held:
            yield held
        held = chunk
    if seen != size or digest.hexdigest() != sha256:
        log.warning("cut off %s: the upstream's bytes (%d, sha256 %s) are not the vetted file "
                    "(%d, sha256 %s)", label, seen, digest.hexdigest(), size, sha256)
        raise StreamMismatch(f"{label}: the upstream's bytes are not the vetted file")
    if held:
        yield held
