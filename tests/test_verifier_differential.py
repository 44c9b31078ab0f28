"""gpg and pysequoia must give the same verdict on every signature: the in-process verifier
may only replace gpg where they agree. The corpus covers good, bad, tampered, expired-key,
revoked-key, revoked-subkey, expired-subkey, unknown-key and wrong-key signatures; both verdicts
are judged with the same key states and the same now, as `check` does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from signoff.attest.gpg import Keyring, SignatureCheck, judge_key_status
from signoff.attest.sequoia import SequoiaVerifier
from tests.attacks import keycraft
from tests.builder import RegistryBuilder

DATA = b"signoff: attestation/v1\nsubject: {}\n"


def _sign(builder: RegistryBuilder, who: str, data: bytes = DATA) -> bytes:
    return keycraft.gpg(builder.home, "--armor", "--detach-sign", "--local-user",
                        builder.key(who), "--digest-algo", "SHA256", stdin=data)


def _key(builder: RegistryBuilder, who: str) -> bytes:
    return keycraft.armor(keycraft.binary_key(builder, who))


@pytest.fixture
def corpus(builder: RegistryBuilder) -> Iterator[tuple[dict[str, bytes],
                                                       dict[str, tuple[bytes, bytes]]]]:
    """Key files and (data, signature) cases."""
    cases: dict[str, tuple[bytes, bytes]] = {}
    good = _sign(builder, "alice")
    cases["good"] = (DATA, good)
    cases["bad: data changed"] = (DATA + b"x", good)
    tampered = bytearray(good)
    tampered[len(tampered) // 2] ^= 0x01
    cases["tampered signature bytes"] = (DATA, bytes(tampered))
    cases["two signatures"] = (DATA, keycraft.gpg(
        builder.home, "--armor", "--detach-sign", "--local-user", builder.key("alice"),
        "--local-user", builder.key("bob"), stdin=DATA))
    cases["unknown key"] = (DATA, _sign(builder, "mallory"))
    # Good, but by bob: a statement naming alice is refused on the primary fingerprint.
    cases["good, wrong key"] = (DATA, _sign(builder, "bob"))
    keycraft.add_signing_subkey(builder, "carol")
    cases["good, by subkey"] = (DATA, _sign(builder, "carol"))
    keycraft.add_signing_subkey(builder, "dave")
    cases["revoked subkey"] = (DATA, _sign(builder, "dave"))
    keycraft.revoke_subkey(builder, "dave")
    sub = keycraft.add_signing_subkey(builder, "erin")
    cases["expired subkey"] = (DATA, _sign(builder, "erin"))
    keycraft.gpg(builder.home, "--quick-set-expire", builder.key("erin"), "seconds=1", sub)
    cases["revoked primary"] = (DATA, _sign(builder, "frank"))
    keycraft.revoke_primary(builder, "frank")
    cases["expired primary"] = (DATA, _sign(builder, "grace"))
    keycraft.gpg(builder.home, "--quick-set-expire", builder.key("grace"), "seconds=1")
    time.sleep(2)
    keys = {f"keys/{builder.key(w)}.asc": _key(builder, w)
            for w in ("alice", "bob", "carol", "dave", "erin", "frank", "grace")}
    yield keys, cases


def _verdict(check: SignatureCheck) -> tuple[object, ...]:
    return ((check.good, check.primary_fpr, check.signing_fpr, check.timestamp)
            if check.good else (False,))


def test_gpg_and_sequoia_agree_on_every_signature(
        builder: RegistryBuilder,
        corpus: tuple[dict[str, bytes], dict[str, tuple[bytes, bytes]]]) -> None:
    """Both backends, judged alike, give the same verdict and signer on every case."""
    keys, cases = corpus
    now = int(time.time())
    with Keyring.from_keys(keys) as ring:
        states = ring.key_states()
        sequoia = SequoiaVerifier.from_keys(keys)
        verdicts = {}
        for name, (data, signature) in cases.items():
            by_gpg = judge_key_status(ring.verify_signature(data, signature), states, now)
            by_sequoia = judge_key_status(sequoia.verify_signature(data, signature), states, now)
            assert _verdict(by_gpg) == _verdict(by_sequoia), (name, by_gpg, by_sequoia)
            verdicts[name] = by_gpg.primary_fpr if by_gpg.good else None
    expected_good = {"good": "alice", "good, by subkey": "carol", "good, wrong key": "bob"}
    assert verdicts == {name: builder.key(expected_good[name]) if name in expected_good
                        else None for name in cases}, verdicts
