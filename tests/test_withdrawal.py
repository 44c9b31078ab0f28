"""Withdrawal: `attest --withdraw` takes back a signer's statement without vetoing the file.

Through the real command line: attest, registry validate, check and explain."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git


class Vetting:
    """The builder's registry, with alice and bob as vetters trusted by the policy's root."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.b = builder
        self.reg = str(builder.registry.path)
        self.env = {"GNUPGHOME": str(builder.home)}
        self.wheel = builder.wheel("tinyhttp", "1.0")
        self.state = str(builder.tmp / "state")

    def trusted_policy(self, signers: int) -> Path:
        """A policy whose root certified alice and bob."""
        for who in ("alice", "bob"):
            self.b.key(who)
            self.b.certify("root", who)
        return self.b.policy(["root"], signers=signers)

    def attest(self, who: str, *flags: str, registry: str | None = None) -> int:
        done = run_cli("attest", str(self.wheel), "--key", f"{who}@example.org", *flags,
                       "--registry", registry or self.reg, env=self.env)
        assert done.returncode in (0, 2), done.stderr
        self.last_error = done.stderr
        return done.returncode

    def check(self, policy: Path) -> tuple[int, dict[str, object]]:
        done = run_cli("check", str(self.wheel), "--policy", str(policy), "--state-dir",
                       self.state, "--format", "json")
        return done.returncode, json.loads(done.stdout)

    def explain(self, policy: Path, *flags: str) -> str:
        done = run_cli("explain", str(self.wheel), "--policy", str(policy), "--state-dir",
                       self.state, *flags)
        return done.stdout


def _codes(doc: object) -> set[str]:
    """Every reason code anywhere in a JSON document."""
    found: set[str] = set()
    if isinstance(doc, dict):
        if isinstance(doc.get("code"), str):
            found.add(doc["code"])
        for value in doc.values():
            found |= _codes(value)
    elif isinstance(doc, list):
        for value in doc:
            found |= _codes(value)
    return found


def test_a_withdrawn_approval_no_longer_counts_and_explain_says_so(
        builder: RegistryBuilder) -> None:
    v = Vetting(builder)
    policy = v.trusted_policy(signers=2)
    assert v.attest("alice", "--criteria", "safe-to-deploy") == 0
    assert v.attest("bob", "--criteria", "safe-to-deploy") == 0
    assert v.check(policy)[0] == 0
    assert v.attest("alice", "--withdraw") == 0
    statement = next((builder.registry.path / "attestations").rglob(
        f"{builder.key('alice')}.yaml")).read_text()
    assert "verdict: withdrawn" in statement and "criteria: []" in statement
    code, doc = v.check(policy)
    assert code == 1
    assert "too-few-approvals" in _codes(doc) and "rejected" not in _codes(doc)
    assert "withdrawn" in _codes(json.loads(v.explain(policy, "--format", "json")))
    text = v.explain(policy)
    assert f"attestation by {builder.key('alice')[-16:]} (alice) (withdrawn)" in text
    assert "not counted: withdrawn by" in text


def test_withdrawing_a_rejection_lifts_the_block(builder: RegistryBuilder) -> None:
    v = Vetting(builder)
    policy = v.trusted_policy(signers=1)
    assert v.attest("bob", "--criteria", "safe-to-deploy") == 0
    assert v.attest("alice", "--reject", "--criteria", "safe-to-deploy") == 0
    code, doc = v.check(policy)
    assert code == 1 and "rejected" in _codes(doc)
    assert v.attest("alice", "--withdraw") == 0
    assert v.check(policy)[0] == 0


def test_validate_accepts_a_withdrawal_by_the_same_signer(builder: RegistryBuilder,
                                                          tmp_path: Path) -> None:
    v = Vetting(builder)
    builder.key("alice")
    assert v.attest("alice", "--criteria", "safe-to-deploy") == 0
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", v.reg, str(upstream))
    vetter = tmp_path / "vetter"
    git(tmp_path, "clone", "-q", str(upstream), str(vetter))
    git(vetter, "switch", "-q", "-c", "withdraw")
    assert v.attest("alice", "--withdraw", registry=str(vetter)) == 0
    done = run_cli("registry", "validate", "--base", "origin/main", "--head", "HEAD",
                   "--registry", str(vetter), "--format", "json")
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["ok"] is True


def test_withdraw_refuses_criteria_reject_and_a_file_never_attested(
        builder: RegistryBuilder) -> None:
    v = Vetting(builder)
    builder.key("alice")
    before = str(builder.registry.head_commit().id)
    assert v.attest("alice", "--withdraw") == 2
    assert "nothing to withdraw" in v.last_error
    assert v.attest("alice", "--criteria", "safe-to-deploy") == 0
    assert v.attest("alice", "--withdraw", "--criteria", "safe-to-run") == 2
    assert "names no --criteria" in v.last_error
    assert v.attest("alice", "--withdraw", "--reject") == 2
    assert "not both" in v.last_error
    assert str(builder.registry.head_commit().id) != before


def test_a_withdrawal_outranks_the_same_signers_approval_in_another_registry(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    v = Vetting(builder)
    v.trusted_policy(signers=1)
    assert v.attest("alice", "--criteria", "safe-to-deploy") == 0
    mirror = tmp_path / "mirror"  # a second registry that still holds the approval
    git(tmp_path, "clone", "-q", v.reg, str(mirror))
    assert v.attest("alice", "--withdraw") == 0
    policy = builder.tmp / "two.yaml"
    policy.write_text(f"signoff: policy/v1\nregistries:\n  - path: registry\n"
                      f"  - path: {mirror}\n"
                      f"trust:\n  roots: [{builder.key('root')}]\n"
                      "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
    code, doc = v.check(policy)
    assert code == 1
    assert {"withdrawn", "replay"} <= _codes(doc)
