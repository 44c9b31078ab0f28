"""Registries named by URL, kept fresh, and read at a named ref; local bare repositories as
upstreams, never the network."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from signoff.attest.errors import PolicyError
from signoff.registry.clones import clone_path
from signoff.trust.policy.policy import load_policy
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git


def upstream_of(builder: RegistryBuilder) -> Path:
    """A bare upstream that the builder's registry pushes to."""
    bare = builder.tmp / "upstream.git"
    git(builder.tmp, "clone", "-q", "--bare", str(builder.registry.path), str(bare))
    return bare


def push(builder: RegistryBuilder, bare: Path, force: bool = False) -> None:
    git(builder.registry.path, "push", "-q", *(["--force"] if force else []), str(bare),
        "main:main")


def url_policy(builder: RegistryBuilder, bare: Path, entry: str = "") -> Path:
    """The builder's policy, reading the registry through its bare upstream."""
    policy = builder.policy(roots=["alice"], signers=1)
    text = policy.read_text().replace("  - path: registry\n",
                                      f"  - url: {bare.name}\n{entry}")
    policy.write_text(text)
    return policy


def test_a_rejection_pushed_upstream_is_seen_once_the_registry_is_refreshed(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.certify("alice", "bob")
    builder.approve("alice", f)
    bare = upstream_of(builder)
    policy = url_policy(builder, bare, "    refresh: 1s\n")
    first = run_cli("check", str(f), "--policy", str(policy))
    assert first.returncode == 0, first.stderr
    assert (clone_path(str(bare.resolve())) / "signoff" / "fetch.json").exists()

    builder.reject("bob", f)
    push(builder, bare)
    offline = run_cli("check", str(f), "--policy", str(policy), "--offline")
    assert offline.returncode == 0  # the cached clone, as it was: --offline never fetches
    time.sleep(1.1)
    refreshed = run_cli("check", str(f), "--policy", str(policy), "--format", "json")
    assert refreshed.returncode == 1
    doc = json.loads(refreshed.stdout)
    assert doc["registries"][0]["path"] == str(bare.resolve())
    assert "rejected" in refreshed.stdout


def test_fetch_forces_a_refresh_before_the_interval(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.certify("alice", "bob")
    builder.approve("alice", f)
    bare = upstream_of(builder)
    policy = url_policy(builder, bare)  # refresh: the default hour
    assert run_cli("check", str(f), "--policy", str(policy)).returncode == 0
    builder.reject("bob", f)
    push(builder, bare)
    assert run_cli("check", str(f), "--policy", str(policy)).returncode == 0  # not due yet
    assert run_cli("check", str(f), "--policy", str(policy), "--fetch").returncode == 1


def test_max_staleness_fails_closed_when_the_upstream_is_unreachable(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    bare = upstream_of(builder)
    policy = url_policy(builder, bare, "    refresh: 1s\n    max-staleness: 3s\n")
    assert run_cli("check", str(f), "--policy", str(policy)).returncode == 0
    bare.rename(bare.with_name("moved.git"))
    time.sleep(1.1)
    within = run_cli("check", str(f), "--policy", str(policy))
    assert within.returncode == 0
    assert "could not refresh" in within.stderr
    time.sleep(2.1)
    stale = run_cli("check", str(f), "--policy", str(policy))
    assert stale.returncode == 2
    assert "max-staleness" in stale.stderr and str(bare.resolve()) in stale.stderr
    assert "Traceback" not in stale.stderr
    offline = run_cli("check", str(f), "--policy", str(policy), "--offline")
    assert offline.returncode == 2 and "max-staleness" in offline.stderr


def test_a_registry_never_fetched_cannot_be_read_offline(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = url_policy(builder, upstream_of(builder))
    result = run_cli("check", str(f), "--policy", str(policy), "--offline")
    assert result.returncode == 2 and "never been fetched" in result.stderr


def test_an_upstream_rolled_back_is_refused(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    bare = upstream_of(builder)
    builder.certify("alice", "bob")
    builder.reject("bob", f)
    push(builder, bare)
    policy = url_policy(builder, bare)
    assert run_cli("check", str(f), "--policy", str(policy)).returncode == 1
    # The host serves an older head, without bob's rejection: a rollback.
    old = git(builder.registry.path, "rev-parse", "main~2").strip()
    git(builder.registry.path, "push", "-q", "--force", str(bare), f"{old}:refs/heads/main")
    result = run_cli("check", str(f), "--policy", str(policy), "--fetch")
    assert result.returncode == 2 and "rolled back" in result.stderr


def test_switching_branches_in_a_checkout_raises_no_alarm(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    g = builder.wheel("tinyhttp", "2.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    checkout = builder.registry.path
    git(checkout, "checkout", "-q", "-b", "review")
    builder.approve("alice", g)  # committed on the branch checked out, not on main
    assert run_cli("check", str(f), "--policy", str(policy)).returncode == 0
    assert run_cli("check", str(g), "--policy", str(policy)).returncode == 1  # main has no g

    on_branch = policy.read_text().replace("  - path: registry\n",
                                           "  - path: registry\n    ref: review\n")
    branch_policy = policy.with_name("branch-policy.yaml")
    branch_policy.write_text(on_branch)
    assert run_cli("check", str(g), "--policy", str(branch_policy)).returncode == 0
    git(checkout, "checkout", "-q", "main")
    for _ in range(2):  # main after the branch, and the branch after main: no rollback
        assert run_cli("check", str(f), "--policy", str(policy)).returncode == 0
        assert run_cli("check", str(g), "--policy", str(branch_policy)).returncode == 0


def test_an_unknown_ref_is_an_error_naming_the_registry(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    policy = builder.policy(roots=["alice"], signers=1)
    policy.write_text(policy.read_text().replace("  - path: registry\n",
                                                 "  - path: registry\n    ref: nosuch\n"))
    result = run_cli("check", str(f), "--policy", str(policy))
    assert result.returncode == 2 and "'nosuch'" in result.stderr and "registry" in result.stderr


@pytest.mark.parametrize(("entry", "message"), [
    ("  - path: r\n    url: u\n", "exactly one of path"),
    ("  - {}\n", "exactly one of path"),
    ("  - path: r\n    refresh: 1h\n", "refresh needs url"),
    ("  - url: u\n    ref: 'main~1'\n", "ref must be"),
    ("  - url: u\n    ref: '-x'\n", "ref must be"),
    ("  - url: '--upload-pack=x'\n", "url must be"),
    ("  - url: u\n    refresh: 2h\n    max-staleness: 1h\n", "at least refresh"),
    ("  - url: u\n    max-staleness: soon\n", "max-staleness"),
])
def test_bad_registry_entries_are_refused_with_their_line(tmp_path: Path, entry: str,
                                                          message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("signoff: policy/v1\nregistries:\n" + entry + "trust:\n  roots: ["
                    + "A" * 40 + "]\nrequire:\n  criteria: safe-to-deploy\n  signers: 1\n")
    with pytest.raises(PolicyError, match=message) as caught:
        load_policy(path)
    assert caught.value.line is not None and caught.value.line >= 3


def test_registry_entries_read_url_ref_refresh_and_staleness(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("signoff: policy/v1\nregistries:\n  - url: https://example.org/r.git\n"
                    "    ref: stable\n    refresh: 10m\n    max-staleness: 1d\n"
                    "  - url: ../up.git\n  - path: here\ntrust:\n  roots: [" + "A" * 40
                    + "]\nrequire:\n  criteria: safe-to-deploy\n  signers: 1\n")
    first, local, checkout = load_policy(path).registries
    assert (first.url, first.ref, first.refresh, first.max_staleness) == (
        "https://example.org/r.git", "stable", 600, 86400)
    assert local.url == str((tmp_path / "../up.git").resolve()) and local.refresh == 3600
    assert checkout.path == tmp_path / "here" and checkout.url is None and checkout.ref is None


@pytest.mark.parametrize("command", [
    ["check", "x.whl"], ["explain", "x==1.0"], ["versions", "x"], ["lock", "r.txt", "-o", "o"],
    ["trust", "keys"], ["trust", "explain", "A" * 40], ["site", "out"],
    ["index", "build", "out"], ["serve"]])
def test_every_reading_command_takes_fetch_and_offline(tmp_path: Path,
                                                       command: list[str]) -> None:
    result = run_cli(*command, "--fetch", "--offline", "--policy", str(tmp_path / "p.yaml"),
                     cwd=tmp_path)
    assert result.returncode == 2
    assert "No such option" not in result.stderr
    assert "--fetch and --offline" in result.stderr or "policy file not found" in result.stderr
