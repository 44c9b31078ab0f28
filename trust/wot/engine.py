"""The web of trust: GnuPG 2.2's `pgp` trust model, computed by signoff so it can explain itself.

`compute_trust(keys, settings, now)` is a pure function. It replays GnuPG's `validate_keys`
(g10/trustdb.c) level by level:

- The policy's roots are ultimately trusted; they form the introducer list of depth 0.
- At each depth, every key that is neither revoked, expired nor already fully valid on every
  user ID is examined. On each usable user ID (not revoked, not expired) only certifications by
  the current introducer list count: for each signer, its newest verified certification or
  certification revocation on that user ID (a later packet wins a tie); a revocation, or an
  expired newest certification, cancels it. Class 0x11 ("persona") certifications are ignored,
  as GnuPG's default `--min-cert-level 2` does.
- An ultimate signer completes a user ID at once; a full one adds to the full count, a marginal
  one to the marginal count; any other signer only makes the user ID "undefined". Counts are
  kept from the depths before (they accumulate).
- `completes-needed` full or `marginals-needed` marginal counts make a user ID fully valid;
  fewer make it marginal. A key's validity is the best of its user IDs'.
- The keys that became fully valid at this depth, and were never introducers before, form the
  next depth's introducer list. At most `max-depth` depths are walked.
- Trust signatures: while examining a key, a trust signature (depth > 0) by an introducer gives
  the key a trust amount and a remaining depth: the signature's depth when the signer is
  ultimate or the signature asks for less than the signer has, else the signer's; the key keeps
  depth - 1. An amount of 120 or more raises the key's ownertrust to at least full, 60 or more
  to at least marginal, once it introduces. A trust signature's regexp is kept on the key, and
  later restricts the user IDs whose certifications by that key count at all.

## Where GnuPG's behaviour is matched, not its documentation

- "The newest trust signature wins" (the comment in validate_one_keyblock): the code compares
  against `pk->trust_timestamp`, which nothing ever sets, so in fact the *last* qualifying trust
  signature in key block order wins, whatever its date. signoff does the same.
- A trust signature raises ownertrust "never" as well: GnuPG only compares numbers
  (`ownertrust < min`) and never (3) is below marginal (4).
- A key signed only by marginally valid keys gets validity `unknown` (`-`), not `undefined`:
  only fully valid keys are introducers, so a marginally valid key's certifications are never
  even looked at. `undefined` (`q`) is for a key certified by a fully valid key that has no
  usable ownertrust.
- A root key that is revoked or expired introduces nobody, although validate_keys puts every
  ultimately trusted key in the first introducer list without looking at its state: when gpg
  checks a certification it cannot look up a revoked or expired signer (the certification
  shows as `?`, "no public key", in a listing of the certified key alone), so the
  certification is dropped. Found by the oracle test, not by reading the code.
- A trust signature's depth is only honoured along a chain that starts at a root: a key made
  an introducer by ownertrust alone has trust depth 0, so its own trust signatures count as
  plain certifications.
- Trust signatures that a key receives at a depth where it is not examined (because it was
  already fully valid on every user ID) are never seen.

Not modelled (GnuPG reads them from packets that the colon listing does not show):
non-revocable certifications, which GnuPG prefers over revocable ones regardless of date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from signoff.attest.limits import LIMITS
from signoff.attest.names import short_fpr
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.trust_settings import Ownertrust, TrustSettings, Validity
from signoff.trust.wot.keys import Certification, Key

MIN_CERT_LEVEL = 2
"""GnuPG's default `--min-cert-level`: class 0x11 (persona) certifications do not count."""

# GnuPG's numeric trust levels, so that its comparisons can be copied as they are.
_UNKNOWN, _UNDEFINED, _NEVER, _MARGINAL, _FULLY, _ULTIMATE = 0, 2, 3, 4, 5, 6
_OWNERTRUST_LEVEL = {Ownertrust.UNKNOWN: _UNKNOWN, Ownertrust.NEVER: _NEVER,
                     Ownertrust.MARGINAL: _MARGINAL, Ownertrust.FULL: _FULLY,
                     Ownertrust.ULTIMATE: _ULTIMATE}
_LEVEL_OWNERTRUST = {v: k for k, v in _OWNERTRUST_LEVEL.items()}
_LEVEL_VALIDITY = {_FULLY: Validity.FULL, _MARGINAL: Validity.MARGINAL,
                   _UNDEFINED: Validity.UNDEFINED}


@dataclass(frozen=True)
class SignerStanding:
    """How the policy's web of trust regards one signing key (see trust.standing.Standing)."""

    fingerprint: str
    """The key."""
    validity: Validity
    """Its validity under the policy."""
    counted: bool
    """True when its validity meets `min-validity`."""
    path: list[str] | None = None
    """Shortest certification path root first, ending at this key, when counted."""
    why_not: Reason | None = None
    """Why it does not count, when not counted."""


@dataclass(frozen=True)
class CertifierNote:
    """One signer's usable certification on a key, and what it gave."""

    signer: str
    """The signer's fingerprint (or long key id when it is not in the keyring)."""
    uid: str
    """The certified user ID."""
    signer_validity: Validity
    """The signer's own validity."""
    signer_ownertrust: Ownertrust
    """The signer's effective ownertrust (after trust signatures)."""
    counted_as: str | None
    """`ultimate`, `full`, `marginal` or `none` when the signer introduced; None otherwise."""


@dataclass(frozen=True)
class KeyTrust:
    """The web-of-trust result for one key."""

    fingerprint: str
    """The key."""
    validity: Validity
    """Its validity."""
    ownertrust: Ownertrust
    """Effective ownertrust: the policy's, raised by any trust signature it holds."""
    depth: int | None
    """Certification steps from a root (root 0), None when no introducer reached it."""
    paths: tuple[tuple[str, ...], ...]
    """Certification paths root first, ending at this key (valid keys)."""
    full_count: int = 0
    """Full certifications counted on its best user ID."""
    marginal_count: int = 0
    """Marginal certifications counted on its best user ID."""


@dataclass(frozen=True)
class TrustResult:
    """Every key's validity under the policy, with the evidence."""

    settings: TrustSettings
    """The settings it was computed with."""
    keys: dict[str, KeyTrust] = field(default_factory=dict)
    """Result per fingerprint."""
    now: int = 0
    """The time it was computed for."""
    walk: _Walk | None = field(default=None, repr=False, compare=False)
    """The computation's state, for explanations made on demand."""

    def certifiers(self, fpr: str) -> tuple[CertifierNote, ...]:
        """Every usable certification on the key by a key in the keyring, and what it gave."""
        if self.walk is None or fpr not in self.walk.prepared:
            return ()
        return self.walk.certifiers(self.walk.prepared[fpr], self.walk.final_validity)

    def validity(self, fpr: str) -> Validity:
        """The key's validity; unknown for a key not in the keyring."""
        found = self.keys.get(fpr)
        return found.validity if found else Validity.UNKNOWN

    def uid_validities(self, fpr: str) -> list[tuple[str, Validity]]:
        """Each user ID of the key with its own validity, as GnuPG's `uid` records give it."""
        if self.walk is None or fpr not in self.walk.prepared:
            return []
        key = self.walk.prepared[fpr].key
        out: list[tuple[str, Validity]] = []
        for index, uid in enumerate(key.uids):
            if key.revoked or uid.revoked:
                v = Validity.REVOKED
            elif key.expired(self.now) or uid.expired(self.now):
                v = Validity.EXPIRED
            elif fpr in self.settings.roots:
                v = Validity.ULTIMATE
            else:
                state = self.walk.uid_state.get((fpr, index))
                v = _LEVEL_VALIDITY.get(state[2], Validity.UNKNOWN) if state else \
                    Validity.UNKNOWN
            out.append((uid.uid, v))
        return out

    def shortest_path(self, fpr: str) -> list[str] | None:
        """The shortest certification path root first, or None."""
        found = self.keys.get(fpr)
        if found is None or not found.paths:
            return None
        shortest: tuple[str, ...] = found.paths[0]
        for path in found.paths:
            if len(path) < len(shortest):
                shortest = path
        return list(shortest)

    def standing(self, fpr: str) -> SignerStanding:
        """Whether a signer counts under `min-validity`, and why (not)."""
        found = self.keys.get(fpr)
        if found is None:
            return SignerStanding(fpr, Validity.UNKNOWN, False, None,
                                  Reason(Code.KEY_NOT_IN_REGISTRY, {"signer": fpr}))
        needed = max(1, self.settings.min_validity.rank)
        if found.validity.rank >= needed:
            return SignerStanding(fpr, found.validity, True, self.shortest_path(fpr))
        return SignerStanding(fpr, found.validity, False, None, self._why_not_counted(found))

    def _why_not_counted(self, kt: KeyTrust) -> Reason:
        fpr = kt.fingerprint
        if kt.validity == Validity.REVOKED:
            return Reason(Code.SIGNER_REVOKED, {"signer": fpr})
        if kt.validity == Validity.EXPIRED:
            return Reason(Code.SIGNER_EXPIRED, {"signer": fpr})
        shortfall = self.explain_shortfall(fpr)
        if kt.validity.rank > 0:
            return Reason(Code.BELOW_MIN_VALIDITY, {
                "signer": fpr, "validity": kt.validity.value,
                "min_validity": self.settings.min_validity.value, "shortfall": shortfall})
        return Reason(Code.SIGNER_NOT_VALID, {"signer": fpr, "validity": kt.validity.value,
                                              "shortfall": shortfall})

    def explain_shortfall(self, fpr: str) -> str:
        """What a key lacks to be fully valid, in one line."""
        kt = self.keys.get(fpr)
        if kt is None:
            return f"key {short_fpr(fpr)} is not in the registry's keys/"
        if kt.validity == Validity.REVOKED:
            return "key revoked"
        if kt.validity == Validity.EXPIRED:
            return "key expired"
        s = self.settings
        notes = self.certifiers(fpr)
        parts: list[str] = []
        if kt.validity in (Validity.MARGINAL, Validity.UNDEFINED) or kt.full_count or \
                kt.marginal_count:
            parts.append(f"{kt.marginal_count} of {s.marginals_needed} marginal certifications")
            if s.completes_needed > 1 or kt.full_count:
                parts.append(f"{kt.full_count} of {s.completes_needed} full certifications")
            full_introducers = [c.signer for c in notes
                                if c.counted_as in ("full", "ultimate")]
            nearest = short_fpr(full_introducers[0]) if full_introducers else "none"
            parts[-1] += f"; nearest fully valid introducer: {nearest}"
        for note in notes:
            if note.counted_as is not None and note.counted_as != "none":
                continue
            if note.counted_as == "none":
                parts.append(f"certified by {short_fpr(note.signer)}, which is fully valid but "
                             f"not an introducer (ownertrust {note.signer_ownertrust.value})")
            elif note.signer_validity == Validity.MARGINAL:
                parts.append(f"certified by {short_fpr(note.signer)}, which is only marginal")
            elif note.signer_validity.rank >= 2:
                signer = self.keys.get(note.signer)
                at = signer.depth if signer else None
                parts.append(f"certified by {short_fpr(note.signer)}, which is fully valid at "
                             f"depth {at}, the policy's max-depth {s.max_depth}")
            else:
                parts.append(f"certified by {short_fpr(note.signer)}, which is not valid itself "
                             f"({note.signer_validity.value})")
        if not parts:
            return "no certification from a valid introducer"
        return "; ".join(parts)

    def explain(self, fpr: str) -> list[str]:
        """A human explanation of the key's validity, one line each."""
        kt = self.keys.get(fpr)
        if kt is None:
            return [f"key {short_fpr(fpr)} is not in the registry's keys/"]
        lines = [f"{fpr}: {kt.validity.value} (ownertrust {kt.ownertrust.value}"
                 + (f", depth {kt.depth})" if kt.depth is not None else ")")]
        if kt.validity == Validity.ULTIMATE:
            lines.append("a root of the policy (trust.roots)")
        if kt.validity.rank >= 1:
            for path in kt.paths:
                lines.append("path: " + " -> ".join(self._hop(p) for p in path))
        if kt.validity.rank < 2:
            lines.append("missing: " + self.explain_shortfall(fpr))
        return lines

    def _hop(self, fpr: str) -> str:
        kt = self.keys.get(fpr)
        trust = kt.ownertrust.value if kt else "?"
        return f"{short_fpr(fpr)} ({trust})"


@dataclass
class _Introducer:
    ownertrust: int
    trust_depth: int = 0
    trust_value: int = 0
    regexp: str | None = None
    depth: int = 0


@dataclass
class _Prepared:
    key: Key
    dead: bool
    # (uid index, uid string, usable certs by signer in key-block order: (pos, cert))
    uids: list[tuple[int, str, list[tuple[int, Certification]]]]
    all_uids: int


def _usable_certs(key: Key, uid_index: int, now: int) -> list[tuple[int, Certification]]:
    """Per signer, the newest verified certification on this user ID, if it still stands."""
    latest: dict[str, tuple[int, Certification]] = {}
    for pos, cert in enumerate(key.uids[uid_index].certifications):
        if not cert.verified or cert.signer == key.fingerprint:
            continue
        cls = cert.sig_class
        if not (0x10 <= cls <= 0x13 or cls == 0x30):
            continue
        if 0x11 <= cls <= 0x13 and cls - 0x10 < MIN_CERT_LEVEL:
            continue
        held = latest.get(cert.signer)
        if held is None or cert.created >= held[1].created:
            latest[cert.signer] = (pos, cert)
    usable = [(pos, c) for pos, c in latest.values()
              if not (c.is_revocation or c.sig_class == 0x30)
              and (c.expires is None or c.expires > now)]
    usable.sort(key=lambda item: item[0])
    return usable


@lru_cache(maxsize=1024)
def _compiled(regexp: str) -> re.Pattern[str] | None:
    return _compile_gpg_regexp(regexp)


def _compile_gpg_regexp(expr: str) -> re.Pattern[str] | None:
    """GnuPG's sanitize_regexp then a case-insensitive search; None when it does not compile."""
    prefix, suffix, body = "", "", expr
    if len(expr) >= 12 and expr.startswith("<[^>]+[@.]") and expr.endswith(">$"):
        prefix, suffix, body = "<[^>]+[@.]", ">$", expr[10:-2]
    out: list[str] = []
    escaped = False
    for ch in body:
        if not escaped and ch == "\\":
            escaped = True
        elif not escaped and ch in "^[$()|*+?{":
            out.append("\\")
        else:
            escaped = False
        out.append(ch)
    try:
        return re.compile(prefix + "".join(out) + suffix, re.IGNORECASE)
    except re.error:
        return None


def regexp_matches(regexp: str, uid: str) -> bool:
    """Whether a trust signature's regexp admits a user ID, as GnuPG's check_regexp decides."""
    pattern = _compiled(regexp)
    return pattern is not None and pattern.search(uid) is not None


def compute_trust(keys: Iterable[Key], settings: TrustSettings, now: int) -> TrustResult:
    """Every key's validity under GnuPG's `pgp` model with the policy's settings, at `now`."""
    prepared: dict[str, _Prepared] = {}
    certified: dict[str, set[str]] = {}
    for key in keys:
        dead = key.revoked or key.expired(now)
        uids: list[tuple[int, str, list[tuple[int, Certification]]]] = []
        for i, u in enumerate(key.uids):
            if u.revoked or u.expired(now):
                continue
            usable = _usable_certs(key, i, now)
            uids.append((i, u.uid, usable))
            for _, cert in usable:
                certified.setdefault(cert.signer, set()).add(key.fingerprint)
        prepared[key.fingerprint] = _Prepared(key, dead, uids, len(key.uids))
    return _Walk(prepared, certified, settings, now).run()


class _Walk:
    """One run of validate_keys over prepared keys."""

    def __init__(self, prepared: dict[str, _Prepared], certified: dict[str, set[str]],
                 settings: TrustSettings, now: int) -> None:
        self.prepared = prepared
        self.certified = certified
        self.s = settings
        self.now = now
        # (fpr, uid index) -> [full, marginal, status]
        self.uid_state: dict[tuple[str, int], list[int]] = {}
        # fpr -> {uid index: {signer: counted level}}
        self.contributors: dict[str, dict[int, dict[str, int]]] = {}
        self.introducers: dict[str, _Introducer] = {}
        self.examined_depth: dict[str, int] = {}
        self.final_validity: dict[str, Validity] = {}

    def policy_ownertrust(self, fpr: str) -> int:
        if fpr in self.s.roots:
            return _ULTIMATE
        return _OWNERTRUST_LEVEL.get(self.s.introducers.get(fpr, Ownertrust.UNKNOWN), _UNKNOWN)

    def run(self) -> TrustResult:
        # A revoked or expired root introduces nobody: gpg cannot look up its key to check
        # the certifications it made (they show as `?`), so they are ignored.
        roots = [f for f in sorted(self.s.roots)
                 if f in self.prepared and not self.prepared[f].dead]
        klist = {f: _Introducer(_ULTIMATE) for f in roots}
        used = set(roots)
        skip = set(roots)
        for depth in range(self.s.max_depth):
            for intro in klist.values():
                minimum = (_FULLY if intro.trust_value >= 120 else
                           _MARGINAL if intro.trust_value >= 60 else 0)
                if intro.ownertrust < minimum:
                    intro.ownertrust = minimum
                intro.depth = depth
                # introducers are recorded once: `used` keeps them from coming back
            for fpr, intro in klist.items():
                self.introducers[fpr] = intro
            touched: set[str] = set()
            for signer in klist:
                touched |= self.certified.get(signer, set())
            next_klist: dict[str, _Introducer] = {}
            for target in sorted(touched):
                if target in skip:
                    continue
                prep = self.prepared[target]
                if prep.dead:
                    skip.add(target)
                    continue
                fully, flagged_full, trust = self.examine(prep, klist, depth)
                if flagged_full == prep.all_uids:
                    skip.add(target)
                if fully and target not in used:
                    used.add(target)
                    tv, td, rx = trust
                    next_klist[target] = _Introducer(self.policy_ownertrust(target), td, tv, rx)
            klist = next_klist
            if not klist:
                break
        return self.result()

    def examine(self, prep: _Prepared, klist: dict[str, _Introducer], depth: int
                ) -> tuple[bool, int, tuple[int, int, str | None]]:
        """validate_one_keyblock: (any uid fully valid now, uids flagged full, trust state)."""
        fpr = prep.key.fingerprint
        trust_value, trust_depth, regexp = 0, 0, None
        any_full = False
        flagged_full = 0
        for index, uid, certs in prep.uids:
            state = self.uid_state.get((fpr, index))
            full, marginal = (state[0], state[1]) if state else (0, 0)
            issigned = False
            for _, cert in certs:
                kr = klist.get(cert.signer)
                if kr is None:
                    continue
                if kr.regexp is not None and not regexp_matches(kr.regexp, uid):
                    continue
                if cert.trust_depth:
                    d = (cert.trust_depth if cert.trust_depth < kr.trust_depth
                         or kr.ownertrust == _ULTIMATE else kr.trust_depth)
                    if d:
                        trust_value, trust_depth = cert.trust_amount, d - 1
                        if cert.regexp is not None:
                            regexp = cert.regexp
                if kr.ownertrust == _ULTIMATE:
                    full = self.s.completes_needed
                elif kr.ownertrust == _FULLY:
                    full += 1
                elif kr.ownertrust == _MARGINAL:
                    marginal += 1
                self.contributors.setdefault(fpr, {}).setdefault(index, {})[cert.signer] = \
                    kr.ownertrust
                issigned = True
            if issigned:
                if full >= self.s.completes_needed or marginal >= self.s.marginals_needed:
                    status = _FULLY
                    any_full = True
                    flagged_full += 1
                elif full or marginal:
                    status = _MARGINAL
                else:
                    status = _UNDEFINED
                self.uid_state[(fpr, index)] = [full, marginal, status]
                self.examined_depth[fpr] = depth + 1
        return any_full, flagged_full, (trust_value, trust_depth, regexp)

    # -- results ------------------------------------------------------------------------------

    def result(self) -> TrustResult:
        validity: dict[str, Validity] = {}
        best_uid: dict[str, tuple[int, int, int]] = {}
        for fpr, prep in self.prepared.items():
            key = prep.key
            best = (0, 0, 0)
            best_status = _UNKNOWN
            for index, _, _ in prep.uids:
                st = self.uid_state.get((fpr, index))
                if st and st[2] > best_status:
                    best_status, best = st[2], (index, st[0], st[1])
            # uids that became unusable still hold nothing: gpg resets every count first
            best_uid[fpr] = best
            if key.revoked:
                validity[fpr] = Validity.REVOKED
            elif key.expired(self.now):
                validity[fpr] = Validity.EXPIRED
            elif fpr in self.s.roots:
                validity[fpr] = Validity.ULTIMATE
            else:
                validity[fpr] = _LEVEL_VALIDITY.get(best_status, Validity.UNKNOWN)
        self.final_validity = validity
        depth = self._depths()
        paths_cache: dict[str, tuple[str, ...] | None] = {}
        out: dict[str, KeyTrust] = {}
        for fpr in self.prepared:
            intro = self.introducers.get(fpr)
            ot = intro.ownertrust if intro else self.policy_ownertrust(fpr)
            index, full, marginal = best_uid[fpr]
            paths = self._paths(fpr, index, depth, paths_cache) \
                if validity[fpr].rank >= 1 else ()
            out[fpr] = KeyTrust(fpr, validity[fpr], _LEVEL_OWNERTRUST.get(ot, Ownertrust.UNKNOWN),
                                depth.get(fpr, self.examined_depth.get(fpr)), paths, full,
                                marginal)
        return TrustResult(self.s, out, self.now, self)

    def _depths(self) -> dict[str, int]:
        """Shortest certification distance from a root, through counted introductions."""
        depth: dict[str, int] = {f: 0 for f in self.s.roots if f in self.prepared}
        # contributors only ever come from an earlier depth, so one pass in depth order works
        order = sorted(self.contributors, key=lambda f: self.examined_depth.get(f, 0))
        for fpr in order:
            best: int | None = None
            for signers in self.contributors[fpr].values():
                for signer, level in signers.items():
                    if level >= _MARGINAL and signer in depth:
                        cand = depth[signer] + 1
                        best = cand if best is None or cand < best else best
            if best is not None and fpr not in depth:
                depth[fpr] = best
        return depth

    def _paths(self, fpr: str, uid_index: int, depth: dict[str, int],
               cache: dict[str, tuple[str, ...] | None]) -> tuple[tuple[str, ...], ...]:
        if fpr in self.s.roots:
            return ((fpr,),)
        signers = self.contributors.get(fpr, {}).get(uid_index, {})
        counted = sorted((depth[s], s) for s, lvl in signers.items()
                         if lvl >= _MARGINAL and s in depth)
        paths: list[tuple[str, ...]] = []
        for _, signer in counted[:LIMITS.trust_paths]:
            head = self._shortest(signer, depth, cache)
            if head is not None:
                paths.append((*head, fpr))
        return tuple(paths)

    def _shortest(self, fpr: str, depth: dict[str, int],
                  cache: dict[str, tuple[str, ...] | None]) -> tuple[str, ...] | None:
        if fpr in cache:
            return cache[fpr]
        if fpr in self.s.roots:
            cache[fpr] = (fpr,)
            return cache[fpr]
        best: tuple[str, ...] | None = None
        for signers in self.contributors.get(fpr, {}).values():
            for signer, level in signers.items():
                if level >= _MARGINAL and signer in depth and \
                        depth[signer] < depth.get(fpr, 1 << 30):
                    head = self._shortest(signer, depth, cache)
                    if head is not None and (best is None or len(head) + 1 < len(best)):
                        best = (*head, fpr)
        cache[fpr] = best
        return best

    def certifiers(self, prep: _Prepared, validity: dict[str, Validity]
                    ) -> tuple[CertifierNote, ...]:
        fpr = prep.key.fingerprint
        notes: list[CertifierNote] = []
        contributed = self.contributors.get(fpr, {})
        for index, uid, certs in prep.uids:
            for _, cert in certs:
                if cert.signer not in self.prepared:
                    continue
                level = contributed.get(index, {}).get(cert.signer)
                counted = None if level is None else (
                    "ultimate" if level == _ULTIMATE else "full" if level == _FULLY else
                    "marginal" if level == _MARGINAL else "none")
                intro = self.introducers.get(cert.signer)
                ot = intro.ownertrust if intro else self.policy_ownertrust(cert.signer)
                notes.append(CertifierNote(cert.signer, uid, validity[cert.signer],
                                           _LEVEL_OWNERTRUST.get(ot, Ownertrust.UNKNOWN),
                                           counted))
        return tuple(notes)
