"""The seam between the web of trust and evaluation: does a signer count, and why (not)?"""

from __future__ import annotations

from typing import Protocol

from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.trust_settings import Validity
from signoff.trust.wot.engine import SignerStanding


class Standing(Protocol):
    """How the policy's trust settings regard one signing key."""

    @property
    def fingerprint(self) -> str:
        """The key."""
        ...

    @property
    def validity(self) -> Validity:
        """Its validity under the policy."""
        ...

    @property
    def counted(self) -> bool:
        """True when its attestations count."""
        ...

    @property
    def path(self) -> list[str] | None:
        """The certification path that made it valid, root first."""
        ...

    @property
    def why_not(self) -> Reason | None:
        """Why it does not count."""
        ...


class TrustModel(Protocol):
    """Anything that can say how a signer stands: roots only, or the full web of trust."""

    def standing(self, fpr: str) -> Standing:
        """The standing of the key with this primary fingerprint."""
        ...


class KeyTooYoung:
    """Wraps a trust model so that keys newer than `trust.min-key-age` do not count."""

    def __init__(self, inner: TrustModel, key_ages: dict[str, int | None], min_age: int) -> None:
        self.inner = inner
        self.key_ages = key_ages
        self.min_age = min_age

    def standing(self, fpr: str) -> Standing:
        """The inner standing, withdrawn while the key's file is younger than the minimum."""
        standing = self.inner.standing(fpr)
        if not standing.counted or self.min_age <= 0:
            return standing
        age = self.key_ages.get(fpr)
        if age is not None and age >= self.min_age:
            return standing
        return SignerStanding(fpr, standing.validity, False, standing.path, Reason(
            Code.KEY_TOO_YOUNG, {"signer": fpr, "age": age, "need": self.min_age}))

