"""Every size, count and depth cap signoff applies, in one documented object (python-tuf's habit).

A cap exists so that hostile or broken input (a registry, a pull request, a lock file) is
refused after a bounded amount of work, never swallowed whole. Code reads `LIMITS.<field>`;
no cap is written as a literal anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The caps, with their defaults."""

    attestation_bytes: int = 64 * 1024
    """An attestation is a short statement; anything larger is refused unread."""
    comment_chars: int = 16 * 1024
    """An attestation's `comment`, in characters."""
    signature_bytes: int = 16 * 1024
    """A detached armored signature (`.yaml.asc`); real ones are under 1 KiB."""
    key_file_bytes: int = 1024 * 1024
    """A `keys/<FPR>.asc` file: a key with many certifications is tens of KiB."""
    registry_header_bytes: int = 64 * 1024
    """`registry.yaml`, read to learn the registry's layout version."""
    registry_file_bytes: int = 1024 * 1024
    """One of the registry's own files (registry.yaml, templates) in a pull request."""
    policy_bytes: int = 1024 * 1024
    """A policy file."""
    input_bytes: int = 16 * 1024 * 1024
    """One deployment input: a requirements file, pylock.toml, uv.lock or pip's report."""
    differing_file_bytes: int = 1024 * 1024 * 1024
    """A local release file larger than every attested size is hashed whole up to this size,
    so that the report can give its hash; a larger one is refused unread."""
    include_depth: int = 32
    """Deepest chain of `-r`/`-c` includes followed in a requirements file."""
    include_files: int = 1000
    """Files parsed for one requirements file, counting a file each time an include names it."""
    trust_paths: int = 5
    """Certification paths kept per key for explanations."""
    write_lock_wait: int = 60
    """Seconds a write waits for another signoff command writing the same registry."""
    gpg_timeout_seconds: int = 600
    """Seconds one gpg run may take; a keyring of thousands of keys takes tens of seconds."""


LIMITS = Limits()
"""The caps in force."""
