"""Trust manipulation: keys that try to make themselves, or each other, count.

The policy's only root is alice. A statement counts only when its signer is valid through
certifications that alice's trust reaches, as GnuPG's pgp trust model computes it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from signoff.registry.layout import key_path
from tests.attacks.kit import gpg, run, statements
from tests.builder import RegistryBuilder
from tests.wot_keyring_gen import _tsign


@pytest.fixture
def wheel(builder: RegistryBuilder) -> Path:
    builder.key("alice")
    builder.policy(roots=["alice"], signers=1)
    return builder.wheel("tinyhttp", "1.0")


def _tsign_now(b: RegistryBuilder, signer: str, target: str, depth: int) -> None:
    _tsign(b.home, b.key(signer), b.key(target), 120, depth, None, int(time.time()), None)
    b.publish(target)


def _not_counted(b: RegistryBuilder, wheel: Path, who: str) -> None:
    code, judged = statements(b, wheel)
    assert code == 1
    record = judged[b.key(who)]
    assert not record["counted"], record
    assert record["why_not"], record


def test_a_self_certified_key_does_not_count(builder: RegistryBuilder, wheel: Path) -> None:
    """Attack: mallory publishes her key with extra self-signed user IDs (one claiming to be
    alice) and approves. Gain: an approval by a key nobody trusted."""
    mallory = builder.key("mallory")
    gpg(builder.home, "--quick-add-uid", mallory, "alice <alice@example.org>")
    builder.publish("mallory")
    builder.approve("mallory", wheel)
    _not_counted(builder, wheel, "mallory")


def test_a_certification_by_an_untrusted_key_does_not_count(builder: RegistryBuilder,
                                                            wheel: Path) -> None:
    """Attack: mallory (valid to nobody) certifies eve, who approves. Gain: eve counts."""
    builder.certify("mallory", "eve")
    builder.approve("eve", wheel)
    _not_counted(builder, wheel, "eve")


def test_a_trust_signature_cannot_deepen_what_it_was_given(builder: RegistryBuilder,
                                                           wheel: Path) -> None:
    """Attack: alice made bob a trusted introducer with depth 1. bob gives carol a trust
    signature of depth 5, and carol certifies dave. Gain: dave counts, three hops from alice,
    though alice delegated one."""
    _tsign_now(builder, "alice", "bob", 1)
    _tsign_now(builder, "bob", "carol", 5)
    builder.certify("carol", "dave")
    builder.approve("dave", wheel)
    _not_counted(builder, wheel, "dave")
    builder.approve("carol", wheel)  # carol herself is valid: bob could introduce her
    code, judged = statements(builder, wheel)
    assert code == 0 and judged[builder.key("carol")]["counted"]


def test_a_cycle_of_trust_signatures_reaches_nobody(builder: RegistryBuilder,
                                                    wheel: Path) -> None:
    """Attack: mallory, eve and frank give each other full trust signatures of depth 5 in
    a ring. Gain: each is valid because the others vouch for it."""
    for signer, target in (("mallory", "eve"), ("eve", "frank"), ("frank", "mallory")):
        _tsign_now(builder, signer, target, 5)
    builder.approve("frank", wheel)
    _not_counted(builder, wheel, "frank")


def test_a_revoked_certification_does_not_count(builder: RegistryBuilder,
                                               wheel: Path) -> None:
    """Attack: alice certified bob and later revoked it; bob still approves. Gain: bob
    counts through the certification alice withdrew."""
    builder.certify("alice", "bob")
    time.sleep(1.1)  # GnuPG lets a certification stand against a revocation of the same second
    gpg(builder.home, "--default-key", builder.key("alice"), "--quick-revoke-sig",
        builder.key("bob"), builder.key("alice"))
    builder.publish("bob")
    builder.approve("bob", wheel)
    _not_counted(builder, wheel, "bob")


def test_an_expired_certification_does_not_count(builder: RegistryBuilder,
                                                 wheel: Path) -> None:
    """Attack: alice's certification of bob has expired. Gain: bob counts on it."""
    gpg(builder.home, "--default-cert-expire", "seconds=1", "--default-key",
        builder.key("alice"), "--quick-sign-key", builder.key("bob"))
    time.sleep(2.1)
    builder.publish("bob")
    builder.approve("bob", wheel)
    _not_counted(builder, wheel, "bob")


def test_a_key_file_named_with_another_fingerprint_stops_the_check(
        builder: RegistryBuilder, wheel: Path) -> None:
    """Attack: keys/<alice's fingerprint>.asc is replaced by mallory's key. Gain: statements
    signed by mallory verify as alice's, the root's."""
    mallory = builder.key("mallory", publish=False)
    builder.approve("alice", wheel)
    builder.commit_raw({key_path(builder.key("alice")): builder.user.export_public_key(mallory)})
    out = run("check", str(wheel), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert out.returncode == 2, out.stdout + out.stderr
    assert key_path(builder.key("alice")) in out.stderr and mallory in out.stderr
