"""One way to name a key: every command takes a fingerprint, a 16-hex key ID, or an email or
user ID, resolved against the keys concerned; unknown or ambiguous names exit 2 listing them."""

from __future__ import annotations

import pytest

from signoff.attest.gpg import generate_key
from signoff.attest.key_names import KeyCandidate, key_label, matching_keys
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli


def _spaced(fpr: str) -> str:
    return " ".join(fpr[i:i + 4] for i in range(0, 40, 4))


@pytest.mark.parametrize("form", ["fingerprint", "spaced", "keyid", "0xkeyid", "email", "uid"])
def test_attest_takes_every_form_of_key_name(builder: RegistryBuilder, form: str) -> None:
    alice = builder.key("alice", publish=False)
    builder.key("bob", publish=False)
    name = {"fingerprint": alice, "spaced": _spaced(alice), "keyid": alice[-16:].lower(),
            "0xkeyid": "0x" + alice[-16:], "email": "ALICE@example.org",
            "uid": "alice <alice@example.org>"}[form]
    wheel = builder.wheel("tinyhttp", "1.0")
    done = run_cli("attest", str(wheel), "--criteria", "safe-to-run", "--key", name,
                   "--registry", str(builder.registry.path),
                   env={"GNUPGHOME": str(builder.home)})
    assert done.returncode == 0, done.stderr
    assert f"as {alice[-16:]} (alice):" in done.stdout
    assert (builder.registry.path / "keys" / f"{alice}.asc").is_file()


def test_ambiguous_and_unknown_names_exit_2_listing_the_candidates(
        builder: RegistryBuilder) -> None:
    alice = builder.key("alice", publish=False)
    other = generate_key(builder.home, "alice <alice@work.example>")
    env = {"GNUPGHOME": str(builder.home)}
    wheel = builder.wheel("tinyhttp", "1.0")
    reg = str(builder.registry.path)
    before = str(builder.registry.head_commit().id)
    ambiguous = run_cli("attest", str(wheel), "--criteria", "safe-to-run", "--key", "alice",
                        "--registry", reg, env=env)
    assert ambiguous.returncode == 2
    assert "'alice' names 2 keys" in ambiguous.stderr
    assert f"{alice[-16:]} (alice)" in ambiguous.stderr
    assert f"{other[-16:]} (alice)" in ambiguous.stderr
    unknown = run_cli("registry", "add-key", "nobody@example.org", "--registry", reg, env=env)
    assert unknown.returncode == 2
    assert "no key 'nobody@example.org'" in unknown.stderr
    assert f"{alice[-16:]} (alice)" in unknown.stderr
    assert str(builder.registry.head_commit().id) == before


def test_add_key_by_email_and_trust_explain_by_key_id(builder: RegistryBuilder) -> None:
    alice = builder.key("alice")
    bob = builder.key("bob", publish=False)
    reg = str(builder.registry.path)
    added = run_cli("registry", "add-key", "bob@example.org", "--registry", reg,
                    env={"GNUPGHOME": str(builder.home)})
    assert added.returncode == 0, added.stderr
    assert f"keys/{bob}.asc ({bob[-16:]} (bob))" in added.stdout
    policy = builder.policy(["alice"], signers=1)
    state = str(builder.tmp / "state")
    for name in (bob[-16:], "bob@example.org", bob):
        explained = run_cli("trust", "explain", name, "--policy", str(policy),
                            "--state-dir", state)
        assert explained.returncode == 0, explained.stderr
        assert "bob <bob@example.org>" in explained.stdout
    as_json = run_cli("trust", "explain", "alice@example.org", "--policy", str(policy),
                      "--state-dir", state, "--format", "json")
    assert f'"fingerprint": "{alice}"' in as_json.stdout


def test_trust_explain_of_a_key_in_no_registry_exits_2(builder: RegistryBuilder) -> None:
    builder.key("alice")
    carol = builder.key("carol", publish=False)
    policy = builder.policy(["alice"], signers=1)
    done = run_cli("trust", "explain", carol, "--policy", str(policy),
                   "--state-dir", str(builder.tmp / "state"))
    assert done.returncode == 2
    assert "in the policy's registries" in done.stderr


def test_matching_prefers_an_exact_user_id_and_never_matches_a_key_id_prefix() -> None:
    a = KeyCandidate("A" * 24 + "0123456789ABCDEF", ("Ann <ann@example.org>",))
    b = KeyCandidate("B" * 24 + "FEDCBA9876543210", ("Ann (work) <ann@work.example>",))
    assert matching_keys("ann <ann@example.org>", [a, b]) == [a]
    assert matching_keys("ann@example.org", [a, b]) == [a]
    assert matching_keys("ann", [a, b]) == [a, b]
    assert matching_keys("0123456789ABCDEF", [a, b]) == [a]
    assert matching_keys("0123456789ABCDE", [a, b]) == []  # 15 hex: a user ID, matches none
    assert key_label(a.fingerprint, "Ann <ann@example.org>") == "0123456789ABCDEF (Ann)"
