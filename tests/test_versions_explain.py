"""`signoff versions` and `signoff explain` through the real command line."""

from __future__ import annotations

import json

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli


def test_versions_newest_picks_vetted_2_0_over_unvetted_2_0_1(builder: RegistryBuilder) -> None:
    old = builder.wheel("foobar", "1.9")
    vetted = builder.wheel("foobar", "2.0")
    unvetted = builder.wheel("foobar", "2.0.1")
    for f in (old, vetted):
        builder.approve("alice", f)
        builder.approve("bob", f)
    builder.approve("alice", unvetted)
    policy = builder.policy(roots=["alice", "bob"], signers=2)
    newest = run_cli("versions", "FooBar", "==2.0.*", "--newest", "--policy", str(policy))
    assert newest.returncode == 0, newest.stderr
    assert newest.stdout.strip() == "2"  # the canonical spelling: 2.0 is release 2
    listing = run_cli("versions", "foobar==2.0.*", "--policy", str(policy), "--format", "json")
    doc = json.loads(listing.stdout)
    assert [v["version"] for v in doc["versions"]] == ["2", "2.0.1"]
    assert [v["status"] for v in doc["versions"]] == ["pass", "fail"]
    assert doc["newest"] == "2"
    anything = run_cli("versions", "foobar", "--newest", "--policy", str(policy))
    assert anything.stdout.strip() == "2"


def test_versions_newest_with_nothing_vetted_exits_1(builder: RegistryBuilder) -> None:
    builder.approve("alice", builder.wheel("foobar", "3.0"))
    policy = builder.policy(roots=["alice", "bob"], signers=2)
    result = run_cli("versions", "foobar", "--newest", "--policy", str(policy))
    assert result.returncode == 1
    assert result.stdout == "" and "passes the policy" in result.stderr


def test_explain_shows_every_requirement_and_what_would_fix_it(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.approve("bob", f, criteria=["safe-to-run"])
    builder.key("carol")
    policy = builder.policy(roots=["alice", "bob", "carol"], signers=2)
    result = run_cli("explain", "tinyhttp==1.0", "--policy", str(policy))
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "signature: good" in out
    assert "criterion safe-to-deploy (implies safe-to-run)" in out
    assert "MISSED approvals: 1 of 2" in out
    assert "met    rejections" in out
    assert "one more approval for safe-to-deploy" in out
    assert builder.key("carol")[-16:] in out  # carol is valid and has not attested


def test_explain_of_an_unknown_release_exits_2(builder: RegistryBuilder) -> None:
    policy = builder.policy(roots=["alice"], signers=1)
    result = run_cli("explain", "nothing==1.0", "--policy", str(policy))
    assert result.returncode == 2
    assert "no attested file of nothing 1.0" in result.stderr


def test_explain_takes_a_deployment_input(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=2)
    result = run_cli("explain", str(builder.dist), "--policy", str(policy))
    assert result.returncode == 1, result.stderr
    assert "tinyhttp 1.0  tinyhttp-1.0-py3-none-any.whl" in result.stdout
    assert "MISSED approvals: 1 of 2" in result.stdout
