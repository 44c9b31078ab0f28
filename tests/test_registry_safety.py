"""Every command that reads registries opens them the same way: a rolled-back registry and a
broken maintainers rule are refused by all of them alike (exit 2, the same message)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git


def readers(builder: RegistryBuilder, f: Path) -> dict[str, list[str]]:
    """Every registry-reading command, with arguments that name the approved file."""
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    req = builder.tmp / "requirements.txt"
    req.write_text(f"tinyhttp==1.0 --hash=sha256:{sha}\n")
    return {
        "check": ["check", str(f)],
        "lock": ["lock", str(req), "-o", str(builder.tmp / "locked.txt")],
        "versions": ["versions", "tinyhttp"],
        "explain": ["explain", "tinyhttp==1.0"],
        "trust keys": ["trust", "keys"],
        "trust explain": ["trust", "explain", builder.key("alice")],
    }


def test_every_reader_refuses_a_rolled_back_registry_alike(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    withdrawn = builder.wheel("tinyhttp", "1.1")
    builder.approve("alice", withdrawn)
    policy = str(builder.policy(roots=["alice"], signers=1))
    commands = readers(builder, f)
    for name, argv in commands.items():
        state = str(builder.tmp / "state" / name.replace(" ", "-"))
        done = run_cli(*argv, "--policy", policy, "--state-dir", state)
        code, err = done.returncode, done.stderr
        assert code == 0, (name, err)
    git(builder.registry.path, "reset", "-q", "--hard", "HEAD~1")
    refusals = {}
    for name, argv in commands.items():
        state = str(builder.tmp / "state" / name.replace(" ", "-"))
        done = run_cli(*argv, "--policy", policy, "--state-dir", state)
        code, err = done.returncode, done.stderr
        assert code == 2, (name, err)
        assert "rolled back or rewritten" in err and "--accept-rewrite" in err, (name, err)
        refusals[name] = err.replace(state, "STATE")
    assert len(set(refusals.values())) == 1, refusals
    for name, argv in commands.items():
        state = str(builder.tmp / "state" / name.replace(" ", "-"))
        done = run_cli(*argv, "--policy", policy, "--state-dir", state,
                        "--accept-rewrite")
        code, err = done.returncode, done.stderr
        assert code == 0, (name, err)
        assert "accepted a rewritten history" in err, (name, err)


def test_every_reader_refuses_a_maintainers_rule_violation_alike(
        builder: RegistryBuilder) -> None:
    maint = builder.key("maint")
    since = str(builder.registry.head_commit().id)
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)  # an unsigned commit on the main line after `since`
    policy = builder.tmp / "signoff-policy.yaml"
    policy.write_text(
        "signoff: policy/v1\nregistries:\n"
        f"  - path: registry\n    maintainers: [{maint}]\n    since: {since}\n"
        f"trust:\n  roots: [{builder.key('alice')}]\n"
        "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
    refusals = {}
    for name, argv in readers(builder, f).items():
        done = run_cli(*argv, "--policy", str(policy),
                        "--state-dir", str(builder.tmp / "state"))
        code, err = done.returncode, done.stderr
        assert code == 2, (name, err)
        assert "maint" in err.lower(), (name, err)
        refusals[name] = err
    assert len(set(refusals.values())) == 1, refusals
    assert not (builder.tmp / "locked.txt").exists()
