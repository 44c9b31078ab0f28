"""The web-of-trust engine on hand-built keys: GnuPG's `pgp` model, scenario by scenario."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.trust_settings import Ownertrust, TrustSettings, Validity
from signoff.trust.report.words import describe
from signoff.trust.wot.engine import compute_trust
from signoff.trust.wot.keys import Certification, Key, UserId

NOW = 2_000_000_000
DAY = 86400


def fpr(name: str) -> str:
    """A stable made-up fingerprint for a name."""
    return hashlib.sha1(name.encode()).hexdigest().upper()


@dataclass
class Web:
    """Keys by name, and certifications made in order (each a second later than the last)."""

    domains: dict[str, str] = field(default_factory=dict)
    certs: dict[str, list[Certification]] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    expires: dict[str, int] = field(default_factory=dict)
    clock: int = NOW - 100 * DAY

    def key(self, name: str, domain: str = "example.org") -> str:
        """Declare a key (certifying declares it too)."""
        self.domains.setdefault(name, domain)
        self.certs.setdefault(name, [])
        return fpr(name)

    def certify(self, signer: str, target: str, *, depth: int = 0, amount: int = 0,
                regexp: str | None = None, revoke: bool = False,
                expires: int | None = None) -> None:
        """`signer` certifies (or revokes its certification of) `target`'s user ID."""
        self.key(signer)
        self.key(target)
        self.clock += 1
        self.certs[target].append(Certification(
            signer=fpr(signer), sig_class=0x30 if revoke else 0x10, created=self.clock,
            expires=expires, is_revocation=revoke, verified=True, trust_depth=depth,
            trust_amount=amount, regexp=regexp))

    def keys(self) -> list[Key]:
        """The keys as the engine takes them."""
        return [Key(fpr(n), (UserId(f"{n} <{n}@{self.domains[n]}>", False, None,
                                    tuple(self.certs[n])),),
                    NOW - 200 * DAY, self.expires.get(n), n in self.revoked)
                for n in self.certs]


def trust(web: Web, roots: tuple[str, ...] = ("root",), **kw: object) -> dict[str, Validity]:
    """Validity by key name."""
    introducers = kw.pop("introducers", {})
    assert isinstance(introducers, dict)
    s = TrustSettings(roots=frozenset(fpr(r) for r in roots),
                      introducers={fpr(n): o for n, o in introducers.items()}, **kw)  # type: ignore[arg-type]
    result = compute_trust(web.keys(), s, NOW)
    return {n: result.validity(fpr(n)) for n in web.certs}


def test_three_marginal_introducers_make_a_key_full_and_two_do_not() -> None:
    web = Web()
    marginals = {m: Ownertrust.MARGINAL for m in ("m1", "m2", "m3")}
    for m in marginals:
        web.certify("root", m)
    web.certify("m1", "three")
    web.certify("m2", "three")
    web.certify("m3", "three")
    web.certify("m1", "two")
    web.certify("m2", "two")
    v = trust(web, introducers=marginals)
    assert v["three"] == Validity.FULL
    assert v["two"] == Validity.MARGINAL
    s = TrustSettings(roots=frozenset({fpr("root")}),
                      introducers={fpr(n): o for n, o in marginals.items()})
    why = compute_trust(web.keys(), s, NOW).standing(fpr("two")).why_not
    assert why is not None and why.code is Code.BELOW_MIN_VALIDITY
    assert why.params["validity"] == "marginal"
    assert "2 of 3 marginal certifications" in why.params["shortfall"]
    assert "only marginally valid" in describe(why)


def test_a_chain_longer_than_max_depth_is_not_valid() -> None:
    web = Web()
    web.certify("root", "a")
    web.certify("a", "b")
    web.certify("b", "c")
    full = {n: Ownertrust.FULL for n in ("a", "b", "c")}
    assert trust(web, introducers=full, max_depth=2) == {
        "root": Validity.ULTIMATE, "a": Validity.FULL, "b": Validity.FULL,
        "c": Validity.UNKNOWN}
    assert trust(web, introducers=full, max_depth=3)["c"] == Validity.FULL


def test_a_key_signed_only_by_a_marginally_valid_key_gets_no_validity() -> None:
    """GnuPG gives `-`, not `q`: a marginally valid key introduces nobody (see wot.py)."""
    web = Web()
    web.certify("root", "m1")
    web.certify("m1", "half")     # one marginal introducer: half is only marginally valid
    web.certify("half", "target")
    v = trust(web, introducers={"m1": Ownertrust.MARGINAL, "half": Ownertrust.FULL})
    assert v["half"] == Validity.MARGINAL
    assert v["target"] == Validity.UNKNOWN


def test_a_key_signed_by_a_fully_valid_key_without_ownertrust_is_undefined() -> None:
    web = Web()
    web.certify("root", "plain")
    web.certify("plain", "target")
    v = trust(web)
    assert v["plain"] == Validity.FULL
    assert v["target"] == Validity.UNDEFINED


def test_revoking_a_certification_removes_the_trust_it_gave() -> None:
    web = Web()
    web.certify("root", "a")
    assert trust(web)["a"] == Validity.FULL
    web.certify("root", "a", revoke=True)
    assert trust(web)["a"] == Validity.UNKNOWN
    web.certify("root", "a")  # a newer certification stands again
    assert trust(web)["a"] == Validity.FULL


def test_an_expired_newest_certification_does_not_fall_back_to_an_older_one() -> None:
    web = Web()
    web.certify("root", "a")
    web.certify("root", "a", expires=NOW - DAY)
    assert trust(web)["a"] == Validity.UNKNOWN


def test_a_sybil_clique_with_no_path_from_a_root_gets_nothing() -> None:
    web = Web()
    web.key("root")
    sybils = [f"sybil{i}" for i in range(8)]
    for a in sybils:
        for b in sybils:
            if a != b:
                web.certify(a, b, depth=3, amount=120)
    v = trust(web, introducers={s: Ownertrust.FULL for s in sybils})
    assert all(v[s] == Validity.UNKNOWN for s in sybils)


def test_a_depth_one_trust_signature_lets_its_holder_introduce_and_not_one_step_further() -> None:
    web = Web()
    web.certify("root", "ca", depth=1, amount=120)
    web.certify("ca", "member", depth=1, amount=120)
    web.certify("member", "friend")
    v = trust(web)
    assert v["ca"] == Validity.FULL
    assert v["member"] == Validity.FULL        # ca introduces, thanks to the trust signature
    assert v["friend"] == Validity.UNDEFINED   # member does not: depth 1 stopped at ca
    web2 = Web()
    web2.certify("root", "ca", depth=2, amount=120)
    web2.certify("ca", "member", depth=1, amount=120)
    web2.certify("member", "friend")
    assert trust(web2)["friend"] == Validity.FULL


def test_a_trust_signature_regexp_restricts_the_user_ids_its_holder_can_introduce() -> None:
    web = Web()
    web.key("inside", domain="a.example")
    web.key("outside", domain="b.example")
    web.certify("root", "ca", depth=1, amount=120, regexp=r"<[^>]+[@.]a\.example>$")
    web.certify("ca", "inside")
    web.certify("ca", "outside")
    v = trust(web)
    assert v["inside"] == Validity.FULL
    assert v["outside"] == Validity.UNKNOWN


def test_revoked_and_expired_keys_get_no_validity_and_a_dead_root_introduces_nobody() -> None:
    web = Web()
    web.certify("root", "gone")
    web.certify("root", "old")
    web.certify("root2", "orphan")
    web.revoked.add("gone")
    web.expires["old"] = NOW - DAY
    web.revoked.add("root2")
    v = trust(web, roots=("root", "root2"))
    assert v["gone"] == Validity.REVOKED
    assert v["old"] == Validity.EXPIRED
    assert v["root2"] == Validity.REVOKED
    assert v["orphan"] == Validity.UNKNOWN


def test_standing_gives_the_path_or_says_why_not() -> None:
    web = Web()
    web.certify("root", "intro")
    web.certify("intro", "signer")
    web.certify("nobody", "stranger")
    s = TrustSettings(roots=frozenset({fpr("root")}),
                      introducers={fpr("intro"): Ownertrust.FULL})
    result = compute_trust(web.keys(), s, NOW)
    ok = result.standing(fpr("signer"))
    assert ok.counted and ok.path == [fpr("root"), fpr("intro"), fpr("signer")]
    assert ok.why_not is None
    missing = result.standing("F" * 40)
    assert (missing.validity, missing.counted) == (Validity.UNKNOWN, False)
    assert missing.why_not == Reason(Code.KEY_NOT_IN_REGISTRY, {"signer": "F" * 40})
    assert describe(missing.why_not) == f"key {'F' * 16} is not in the registry's keys/"
    stranger = result.standing(fpr("stranger"))
    assert not stranger.counted and stranger.why_not is not None
    assert stranger.why_not.code is Code.SIGNER_NOT_VALID
    assert "not valid itself" in stranger.why_not.params["shortfall"]
    lines = result.explain(fpr("signer"))
    assert any(line.startswith("path: ") and "(full)" in line for line in lines)


# -- property ---------------------------------------------------------------------------------

NAMES = [f"k{i}" for i in range(8)]


@st.composite
def webs(draw: st.DrawFn) -> tuple[Web, TrustSettings]:
    """Random plain certifications among eight keys, with random roots and introducers."""
    web = Web()
    for n in NAMES:
        web.key(n)
    edges = draw(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES))
                          .filter(lambda e: e[0] != e[1]), max_size=30))
    for signer, target in edges:
        web.certify(signer, target)
    roots = draw(st.sets(st.sampled_from(NAMES), min_size=1, max_size=2))
    introducers = draw(st.dictionaries(st.sampled_from(NAMES), st.sampled_from(
        [Ownertrust.FULL, Ownertrust.MARGINAL, Ownertrust.NEVER])))
    web.revoked |= draw(st.sets(st.sampled_from(NAMES), max_size=1))
    s = TrustSettings(roots=frozenset(fpr(r) for r in roots),
                      introducers={fpr(n): o for n, o in introducers.items()},
                      marginals_needed=draw(st.integers(1, 3)),
                      completes_needed=draw(st.integers(1, 2)),
                      max_depth=draw(st.integers(1, 5)))
    return web, s


@settings(max_examples=300, deadline=None)
@given(webs(), st.data())
def test_removing_a_certification_never_raises_any_keys_validity(
        case: tuple[Web, TrustSettings], data: st.DataObject) -> None:
    """Monotonicity over plain certifications.

    Not true of GnuPG's model with trust signatures: the last trust signature wins, so removing
    one can let an earlier, stronger one count; this property is stated for plain ones.
    """
    web, s = case
    with_all = compute_trust(web.keys(), s, NOW)
    targets = [n for n in NAMES if web.certs[n]]
    if not targets:
        return
    target = data.draw(st.sampled_from(targets))
    index = data.draw(st.integers(0, len(web.certs[target]) - 1))
    del web.certs[target][index]
    without = compute_trust(web.keys(), s, NOW)
    for n in NAMES:
        before, after = with_all.validity(fpr(n)), without.validity(fpr(n))
        assert after.rank <= before.rank, f"{n}: {before} -> {after} without cert {index}"
