"""The interface every signature verifier offers, and the choice between them.

`gpg` (the default and the reference) runs GnuPG in a throwaway home; `sequoia` verifies
in-process with pysequoia, installed by the `signoff[fast]` extra. Both only say whether a
signature is cryptographically good and which key made it; the key's status is judged apart
(`attest.gpg.judge_key_status`), from the same key states, whichever backend verified.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from signoff.attest.errors import GpgError
from signoff.attest.gpg import Keyring, SignatureCheck

BACKENDS = ("gpg", "sequoia")
ENV_VAR = "SIGNOFF_VERIFIER"
"""Environment variable choosing the backend when a command does not."""


class SignatureBackend(Protocol):
    """Verifies detached signatures against a fixed set of public keys."""

    def verify_signature(self, data: bytes, signature: bytes) -> SignatureCheck:
        """Cryptography only: good or not, by which key, when."""
        ...

    def close(self) -> None:
        """Release whatever the backend holds (gpg homes, agents)."""
        ...


def backend_name(name: str | None = None) -> str:
    """The backend to use: `name`, else $SIGNOFF_VERIFIER, else gpg; GpgError if unknown."""
    chosen = name or os.environ.get(ENV_VAR) or "gpg"
    if chosen not in BACKENDS:
        raise GpgError(f"unknown signature verifier {chosen!r}",
                       hint=f"choose one of {', '.join(BACKENDS)} ({ENV_VAR})")
    return chosen


def open_backend(keys: Mapping[str, bytes], name: str | None = None) -> SignatureBackend:
    """A verifier holding the given key files (each proven to hold exactly one key)."""
    if backend_name(name) == "sequoia":
        from signoff.attest.sequoia import SequoiaVerifier  # optional extra: import on use

        return SequoiaVerifier.from_keys(keys)
    return Keyring.from_keys(keys)
