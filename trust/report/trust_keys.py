"""Output of `signoff trust keys` and `signoff trust explain`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from signoff.trust.outcomes import Reason
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


def keys_document(web: WebOfTrust) -> dict[str, Any]:
    """The JSON document of `trust keys --format json`."""
    rows = []
    for fpr in web.ordered():
        kt = web.result.keys[fpr]
        key = web.keyset.keys[fpr]
        standing = web.model.standing(fpr)
        rows.append({"fingerprint": fpr, "uids": [u.uid for u in key.uids],
                     "validity": kt.validity.value, "ownertrust": kt.ownertrust.value,
                     "depth": kt.depth, "paths": [list(p) for p in kt.paths],
                     "counted": standing.counted,
                     "why_not": describe(standing.why_not) if standing.why_not else None,
                     "reason": record(standing.why_not)})
    return {"keys": rows}


def keys_json(web: WebOfTrust) -> str:
    """`trust keys --format json`."""
    return json.dumps(keys_document(web), indent=2) + "\n"


def keys_text(web: WebOfTrust) -> str:
    """One line per key: fingerprint, validity, ownertrust, depth, primary user ID; then a note
    for each key that `min-key-age` keeps from counting."""
    lines = [f"{'fingerprint':<40}  {'validity':<9}  {'ownertrust':<10}  depth  user ID"]
    for fpr in web.ordered():
        kt = web.result.keys[fpr]
        depth = "-" if kt.depth is None else str(kt.depth)
        lines.append(f"{fpr}  {kt.validity.value:<9}  {kt.ownertrust.value:<10}  {depth:>5}  "
                     f"{web.keyset.keys[fpr].primary_uid}")
    if not web.keyset.keys:
        lines.append("(no keys in the registries' keys/)")
    lines += [f"note: {describe(why)}" for fpr in web.ordered() if (why := web.withdrawn(fpr))]
    return "\n".join(lines) + "\n"


def key_explanation_text(web: WebOfTrust, fpr: str) -> str:
    """The explanation of one key, as `trust explain` prints it."""
    key = web.keyset.get(fpr)
    lines = web.result.explain(fpr)
    if key is not None:
        lines.insert(1, "user IDs: " + "; ".join(u.uid for u in key.uids))
    why = web.withdrawn(fpr)
    if why:
        lines.append(f"does not count: {describe(why)}")
    return "\n".join(lines) + "\n"
