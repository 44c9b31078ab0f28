"""Output of `signoff trust keys` and `signoff trust explain`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from signoff.trust.outcomes import Reason
from signoff.trust.report.interface import Renderer
from signoff.trust.report.words import describe, record
from signoff.trust.wot.engine import TrustResult
from signoff.trust.wot.keys import KeySet
from signoff.trust.wot.standing import TrustModel


@dataclass(frozen=True)
class WebOfTrust:
    """The keys of a policy's registries, their validity, and whether each signer counts."""

    keyset: KeySet
    """Every key in the registries' keys/."""
    result: TrustResult
    """Validity under the policy's web of trust."""
    model: TrustModel
    """The final say on each signer: the web of trust with `min-key-age` applied."""

    def withdrawn(self, fpr: str) -> Reason | None:
        """Why a key that the web of trust makes count does not count after all (key age)."""
        if not self.result.standing(fpr).counted:
            return None
        final = self.model.standing(fpr)
        return None if final.counted else final.why_not

    def ordered(self) -> list[str]:
        """Most valid first, then nearest to a root, then by user ID."""
        def order(fpr: str) -> tuple[int, int, str]:
            kt = self.result.keys[fpr]
            return (-kt.validity.rank, kt.depth if kt.depth is not None else 1 << 20,
                    self.keyset.keys[fpr].primary_uid.lower())
        return sorted(self.keyset.keys, key=order)


@dataclass(frozen=True)
class KeyQuestion:
    """`trust explain FPR`: one key of the web of trust."""

    web: WebOfTrust
    """The web of trust it is asked about."""
    fingerprint: str
    """The key."""


def key_record(web: WebOfTrust, fpr: str) -> dict[str, Any]:
    """One key's validity, ownertrust, depth, paths and standing as JSON-ready data."""
    kt = web.result.keys.get(fpr)
    key = web.keyset.get(fpr)
    standing = web.model.standing(fpr)
    return {"fingerprint": fpr, "uids": [u.uid for u in key.uids] if key else [],
            "validity": web.result.validity(fpr).value,
            "ownertrust": kt.ownertrust.value if kt else None,
            "depth": kt.depth if kt else None,
            "paths": [list(p) for p in kt.paths] if kt else [],
            "counted": standing.counted,
            "why_not": describe(standing.why_not) if standing.why_not else None,
            "reason": record(standing.why_not)}


class KeysJson(Renderer[WebOfTrust]):
    """`trust keys --format json`."""

    def render(self, result: WebOfTrust) -> str:
        """The document."""
        doc = {"keys": [key_record(result, fpr) for fpr in result.ordered()]}
        return json.dumps(doc, indent=2) + "\n"


class KeysText(Renderer[WebOfTrust]):
    """One line per key: fingerprint, validity, ownertrust, depth, primary user ID; then a note
    for each key that `min-key-age` keeps from counting."""

    def render(self, result: WebOfTrust) -> str:
        """The table."""
        web = result
        lines = [f"{'fingerprint':<40}  {'validity':<9}  {'ownertrust':<10}  depth  user ID"]
        for fpr in web.ordered():
            kt = web.result.keys[fpr]
            depth = "-" if kt.depth is None else str(kt.depth)
            lines.append(f"{fpr}  {kt.validity.value:<9}  {kt.ownertrust.value:<10}  "
                         f"{depth:>5}  {web.keyset.keys[fpr].primary_uid}")
        if not web.keyset.keys:
            lines.append("(no keys in the registries' keys/)")
        lines += [f"note: {describe(why)}" for fpr in web.ordered()
                  if (why := web.withdrawn(fpr))]
        return "\n".join(lines) + "\n"


class KeyExplanationText(Renderer[KeyQuestion]):
    """Why one key is valid (its certification paths), or what it lacks."""

    def render(self, result: KeyQuestion) -> str:
        """The explanation."""
        web, fpr = result.web, result.fingerprint
        key = web.keyset.get(fpr)
        lines = web.result.explain(fpr)
        if key is not None:
            lines.insert(1, "user IDs: " + "; ".join(u.uid for u in key.uids))
        why = web.withdrawn(fpr)
        if why:
            lines.append(f"does not count: {describe(why)}")
        return "\n".join(lines) + "\n"


class KeyExplanationJson(Renderer[KeyQuestion]):
    """`trust explain --format json`: the key's record and the explanation's lines."""

    def render(self, result: KeyQuestion) -> str:
        """The document."""
        doc = {**key_record(result.web, result.fingerprint),
               "explanation": result.web.result.explain(result.fingerprint)}
        return json.dumps(doc, indent=2) + "\n"
