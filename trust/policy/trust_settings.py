"""The policy's `trust:` section as a value: who is trusted, and how much is needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Ownertrust(StrEnum):
    """How far the policy trusts a key to introduce others (GnuPG's ownertrust)."""

    ULTIMATE = "ultimate"
    FULL = "full"
    MARGINAL = "marginal"
    NEVER = "never"
    UNKNOWN = "unknown"


class Validity(StrEnum):
    """GnuPG's key validity, `u f m q n - e r` in its colon listings."""

    ULTIMATE = "ultimate"
    FULL = "full"
    MARGINAL = "marginal"
    UNDEFINED = "undefined"
    NEVER = "never"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def rank(self) -> int:
        """Order for `min-validity`: ultimate 3, full 2, marginal 1, everything else 0."""
        return {Validity.ULTIMATE: 3, Validity.FULL: 2, Validity.MARGINAL: 1}.get(self, 0)

    @property
    def gpg_letter(self) -> str:
        """The letter GnuPG prints in field 2 of a `pub` colon record."""
        return {
            Validity.ULTIMATE: "u", Validity.FULL: "f", Validity.MARGINAL: "m",
            Validity.UNDEFINED: "q", Validity.NEVER: "n", Validity.UNKNOWN: "-",
            Validity.EXPIRED: "e", Validity.REVOKED: "r",
        }[self]


@dataclass(frozen=True)
class TrustSettings:
    """Inputs of the web-of-trust computation that come from the policy."""

    roots: frozenset[str] = frozenset()
    """Fingerprints with ultimate ownertrust: the organisation's own keys."""
    introducers: dict[str, Ownertrust] = field(default_factory=dict)
    """Ownertrust given to other keys: full, marginal or never."""
    marginals_needed: int = 3
    """Marginally trusted certifications that make a key fully valid."""
    completes_needed: int = 1
    """Fully trusted certifications that make a key fully valid."""
    max_depth: int = 5
    """Longest certification chain from a root."""
    min_validity: Validity = Validity.FULL
    """The validity a signer needs for its attestations to count."""
    min_key_age: int = 0
    """Seconds a key file must have stood on the registry's main line before the key counts."""
