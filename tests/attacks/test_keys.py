"""Key and signature substitution: what a key file may hold, and which keys may sign.

A key file is exactly one transferable public key whose fingerprint is its file name; anything
else in it is refused by every command that reads keys. A signature counts only when neither
the key that made it (primary or subkey) nor its primary key is revoked or expired.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from signoff.registry.layout import key_path
from tests.attacks import keycraft
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli, run_installed
from tests.harness.git import git
from tests.test_registry_safety import readers

TIMEOUT = 120


def _check(builder: RegistryBuilder, f: Path) -> tuple[int, str, str]:
    done = run_installed("check", str(f), "--policy", str(builder.tmp / "signoff-policy.yaml"),
                         "--state-dir", str(builder.tmp / "state"), "--format", "json",
                         timeout=TIMEOUT)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr


def _approved_by_alice(builder: RegistryBuilder) -> Path:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.policy(roots=["alice"], signers=1)
    return f


def _replace_key_file(builder: RegistryBuilder, name: str, data: bytes) -> None:
    builder.commit_raw({key_path(builder.key(name)): data}, "tamper with a key file")


def _assert_refused_key_file(builder: RegistryBuilder, f: Path, name: str, words: str) -> None:
    code, out, err = _check(builder, f)
    said = out + err  # the error may come as a JSON document (--format json) or on stderr
    assert code == 2, said
    assert f"keys/{builder.key(name)}.asc" in said and words in said, said


# -- what a key file may hold -----------------------------------------------------------------

def _with_hidden_key(builder: RegistryBuilder) -> bytes:
    hidden = keycraft.binary_key(builder, "mallory")  # never published in keys/
    return keycraft.armor(keycraft.binary_key(builder, "alice") + keycraft.compressed(hidden))


def test_a_key_hidden_in_a_compressed_packet_is_refused(builder: RegistryBuilder) -> None:
    """Attack: keys/ALICE.asc holds alice's key plus a compressed packet holding mallory's key.
    Gain: gpg imports mallory's key too, so mallory's signatures verify although keys/ has no
    file for mallory."""
    f = _approved_by_alice(builder)
    builder.key("mallory", publish=False)
    _replace_key_file(builder, "alice", _with_hidden_key(builder))
    _assert_refused_key_file(builder, f, "alice", "compressed data")


def test_every_key_reader_refuses_a_compressed_packet_alike(builder: RegistryBuilder) -> None:
    """Attack: the hidden key of the test above, reached through each command that reads keys
    (check, lock, versions, explain, trust keys, trust explain). Gain: one command that imports
    the key file unchecked lets mallory's signatures count there."""
    f = _approved_by_alice(builder)
    builder.key("mallory", publish=False)
    _replace_key_file(builder, "alice", _with_hidden_key(builder))
    policy = str(builder.tmp / "signoff-policy.yaml")
    for name, argv in readers(builder, f).items():
        done = run_cli(*argv, "--policy", policy, "--state-dir", str(builder.tmp / "state"))
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert f"{builder.key('alice')}.asc" in done.stderr, (name, done.stderr)
        assert "compressed data" in done.stderr and "Traceback" not in done.stderr, name


def test_validate_refuses_a_compressed_packet_in_a_key_file(builder: RegistryBuilder,
                                                            tmp_path: Path) -> None:
    """Attack: a pull request adds a key file with a hidden second key. Gain: once merged,
    the hidden key signs for the registry."""
    builder.key("alice")
    builder.key("mallory", publish=False)
    git(builder.registry.path, "branch", "-q", "base")
    _replace_key_file(builder, "alice", _with_hidden_key(builder))
    done = run_cli("registry", "validate", "--base", "base", "--head", "HEAD",
                   "--registry", str(builder.registry.path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"keys/{builder.key('alice')}.asc" in done.stdout + done.stderr


@pytest.mark.parametrize(("extra", "words"), [
    (lambda b: keycraft.packet(10, b"PGP"), "marker"),
    (lambda b: keycraft.packet(11, b"b\x00\x00\x00\x00\x00hello"), "literal data"),
    (lambda b: keycraft.packet(12, b"\x00\x00"), "trust"),
    (lambda b: keycraft.packet(21, b"\x00" * 16), "padding"),
    (lambda b: keycraft.binary_key(b, "mallory"), "second primary key"),
    (lambda b: keycraft.packet(5, b"\x04" + b"\x00" * 40), "secret key"),
    (lambda b: keycraft.compressed(keycraft.packet(10, b"PGP")), "compressed data"),
], ids=["marker", "literal", "trust", "padding", "second-key", "secret-packet",
        "compressed-marker"])
def test_a_packet_outside_the_key_grammar_is_refused(
        builder: RegistryBuilder, extra: Callable[[RegistryBuilder], bytes],
        words: str) -> None:
    """Attack: a key file carries a packet that has no place in a transferable public key
    (marker, literal, trust, padding, a second key, secret key material). Gain: whatever gpg
    makes of it (a second key, a confused import) is trusted as alice's key."""
    f = _approved_by_alice(builder)
    builder.key("mallory", publish=False)
    _replace_key_file(builder, "alice",
                      keycraft.armor(keycraft.binary_key(builder, "alice") + extra(builder)))
    _assert_refused_key_file(builder, f, "alice", words)


def test_a_key_file_holding_another_key_is_refused(builder: RegistryBuilder) -> None:
    """Attack: keys/ALICE.asc holds bob's key. Gain: bob's signatures pass as alice's."""
    f = _approved_by_alice(builder)
    _replace_key_file(builder, "alice", keycraft.armor(keycraft.binary_key(builder, "bob")))
    _assert_refused_key_file(builder, f, "alice", f"holds key {builder.key('bob')}")


@pytest.mark.parametrize(("tamper", "words"), [
    (lambda k: k + b"\ngarbage after the armor\n", "nothing may follow"),
    (lambda k: k + k, "more than one armor block"),
    (lambda k: b"Comment: before\n" + k, "must start with"),
    (lambda k: k.replace(b"\n=", b"\n=AAAA\n=", 1), "armor"),
], ids=["trailing-text", "two-blocks", "leading-text", "bad-checksum"])
def test_text_around_or_inside_the_armor_is_refused(
        builder: RegistryBuilder, tamper: Callable[[bytes], bytes], words: str) -> None:
    """Attack: a key file with text or a second block around its armor. Gain: a reader that
    stops at the first block and gpg, which reads them all, disagree on what the file holds."""
    f = _approved_by_alice(builder)
    key = keycraft.armor(keycraft.binary_key(builder, "alice"))
    _replace_key_file(builder, "alice", tamper(key))
    _assert_refused_key_file(builder, f, "alice", words)


# -- which keys may sign ---------------------------------------------------------------------

def _counted(stdout: str) -> list[bool]:
    doc = json.loads(stdout)
    return [bool(a["counted"]) for a in doc["files"][0]["attestations"]]


def test_a_revoked_signing_subkey_does_not_sign(builder: RegistryBuilder) -> None:
    """Attack: alice's signing subkey leaks; she revokes it and publishes the revocation, and
    the thief signs with it (here: a statement made with it before). Gain: gpg reports
    REVKEYSIG, still a good signature, and the approval counts."""
    builder.key("alice")
    keycraft.add_signing_subkey(builder, "alice")
    f = _approved_by_alice(builder)  # made by the subkey
    keycraft.revoke_subkey(builder, "alice")
    builder.publish("alice")
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False] and "revoked" in out


def test_validate_refuses_a_signature_by_a_revoked_subkey(builder: RegistryBuilder) -> None:
    """Attack: a pull request adds an approval signed by a subkey that the same pull request's
    key update revokes. Gain: validate passes it, and it is merged."""
    builder.key("alice")
    keycraft.add_signing_subkey(builder, "alice")
    builder.publish("alice")
    git(builder.registry.path, "branch", "-q", "base")
    builder.approve("alice", builder.wheel("tinyhttp", "1.0"))  # made by the subkey
    keycraft.revoke_subkey(builder, "alice")
    builder.publish("alice")
    done = run_cli("registry", "validate", "--base", "base", "--head", "HEAD",
                   "--registry", str(builder.registry.path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "revoked" in done.stdout + done.stderr


def test_an_expired_signing_subkey_does_not_sign(builder: RegistryBuilder) -> None:
    """Attack: a statement made by a signing subkey that has since expired. Gain: gpg says
    EXPKEYSIG, still good, and the approval counts after the key's owner let it lapse."""
    builder.key("alice")
    sub = keycraft.add_signing_subkey(builder, "alice")
    f = _approved_by_alice(builder)
    keycraft.gpg(builder.home, "--quick-set-expire", builder.key("alice"), "seconds=1", sub)
    builder.publish("alice")
    time.sleep(2)
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False] and "expired" in out


def test_a_revoked_primary_key_does_not_sign(builder: RegistryBuilder) -> None:
    """Attack: alice's primary key is revoked, and an old approval of hers stays. Gain: the
    approval of a compromised key counts."""
    f = _approved_by_alice(builder)
    keycraft.revoke_primary(builder, "alice")
    builder.publish("alice")
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False] and "revoked" in out


def test_an_expired_primary_key_does_not_sign(builder: RegistryBuilder) -> None:
    """Attack: alice let her key expire; her statements stay. Gain: an expired key's
    approval counts."""
    f = _approved_by_alice(builder)
    keycraft.gpg(builder.home, "--quick-set-expire", builder.key("alice"), "seconds=1")
    builder.publish("alice")
    time.sleep(2)
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False] and "expired" in out


def test_a_signature_by_a_key_not_in_keys_does_not_count(builder: RegistryBuilder) -> None:
    """Attack: mallory, whose key is not in keys/, signs a statement under her own name.
    Gain: a signature that nobody can check counts."""
    f = builder.wheel("tinyhttp", "1.0")
    builder.key("alice")
    builder.key("mallory", publish=False)
    builder.approve("mallory", f)  # publishes mallory's key: take it out again
    builder.commit_raw({key_path(builder.key("mallory")): None})
    builder.policy(roots=["alice"], signers=1)
    code, out, err = _check(builder, f)
    assert code == 1, err + out
    assert _counted(out) == [False] and "not in the registry" in out
    # Naming her key as a root does not help: a root in no registry's keys/ is a policy error.
    builder.policy(roots=["alice", "mallory"], signers=1)
    code, out, err = _check(builder, f)
    assert code == 2, err + out
    assert "is in no registry's keys/" in out


def test_a_signature_by_the_wrong_issuer_does_not_count(builder: RegistryBuilder) -> None:
    """Attack: bob's signature is put beside a statement that names alice, at alice's path.
    Gain: bob speaks for alice."""
    f = _approved_by_alice(builder)
    alice = builder.approve("alice", f)
    bob = builder.approve("bob", f)
    bob_sig = builder.registry.read_file(bob.path + ".asc")
    assert bob_sig is not None
    builder.commit_raw({alice.path + ".asc": bob_sig, bob.path: None, bob.path + ".asc": None})
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False]


def test_a_subkey_spliced_into_another_key_does_not_sign(builder: RegistryBuilder) -> None:
    """Attack: mallory splices her own signing subkey (with her binding signature) into
    alice's key file and signs a statement for alice with it. Gain: mallory signs as alice."""
    f = builder.wheel("tinyhttp", "1.0")
    builder.key("alice")
    builder.key("mallory", publish=False)
    keycraft.add_signing_subkey(builder, "mallory")
    mallory = keycraft.split_packets(keycraft.binary_key(builder, "mallory"))
    first_sub = next(i for i, p in enumerate(mallory) if keycraft.packet_tag(p) == 14)
    spliced = keycraft.binary_key(builder, "alice") + b"".join(mallory[first_sub:])
    builder.commit_raw({key_path(builder.key("alice")): keycraft.armor(spliced)})
    vouched = builder.approve("mallory", f)  # signed by mallory's subkey
    alice_path = vouched.path.replace(builder.key("mallory"), builder.key("alice"))
    statement = builder.registry.read_file(vouched.path)
    signature = builder.registry.read_file(vouched.path + ".asc")
    assert statement is not None and signature is not None
    builder.commit_raw({alice_path: statement.replace(builder.key("mallory").encode(),
                                                      builder.key("alice").encode()),
                        alice_path + ".asc": signature, vouched.path: None,
                        vouched.path + ".asc": None, key_path(builder.key("mallory")): None})
    builder.policy(roots=["alice"], signers=1)
    code, out, err = _check(builder, f)
    assert code == 1, err
    assert _counted(out) == [False]
