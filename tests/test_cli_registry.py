"""The registry workflow through the real command line: a pull request validated, a fork synced."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git


def test_pull_request_validates_then_a_tampered_one_is_annotated(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", str(builder.registry.path), str(upstream))
    vetter = tmp_path / "vetter"
    git(tmp_path, "clone", "-q", str(upstream), str(vetter))
    git(vetter, "switch", "-q", "-c", "vet-tinyhttp")
    wheel = builder.wheel("tinyhttp", "1.0")
    env = {"GNUPGHOME": str(builder.home)}
    builder.key("alice")
    done = run_cli("attest", str(wheel), "--criteria", "safe-to-deploy", "--key",
                   builder.key("alice"), "--registry", str(vetter), env=env)
    assert done.returncode == 0, done.stderr
    ok = run_cli("registry", "validate", "--base", "origin/main", "--head", "HEAD",
                 "--registry", str(vetter), "--format", "json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    # Someone edits the statement after it was signed.
    statement = next((vetter / "attestations").rglob("*.yaml"))
    statement.write_text(statement.read_text().replace("safe-to-deploy", "safe-to-run"))
    git(vetter, "commit", "-q", "-am", "tweak")
    bad = run_cli("registry", "validate", "--base", "origin/main", "--head", "HEAD",
                  "--registry", str(vetter), "--format", "github")
    assert bad.returncode == 1
    assert bad.stdout.startswith("::error file=attestations/")


def test_fork_syncs_from_upstream_through_the_cli(builder: RegistryBuilder,
                                                  tmp_path: Path) -> None:
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", str(builder.registry.path), str(upstream))
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(upstream), str(fork))
    state = tmp_path / "state"
    env = {"GNUPGHOME": str(builder.home)}
    builder.key("alice")
    private = builder.wheel("internal-thing", "1.0")
    assert run_cli("attest", str(private), "--criteria", "safe-to-deploy", "--key",
                   builder.key("alice"), "--registry", str(fork), env=env).returncode == 0
    # Upstream gains an attestation meanwhile.
    public = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", public)
    git(builder.registry.path, "push", "-q", str(upstream), "main")
    synced = run_cli("registry", "sync", "--registry", str(fork), "--upstream",
                     upstream.as_uri(), "--state-dir", str(state))
    assert synced.returncode == 0, synced.stderr
    files = git(fork, "ls-files")
    assert "internal-thing" in files and "tinyhttp" in files
    # Upstream is force-pushed back: refused, then accepted on request.
    git(builder.registry.path, "push", "-q", "--force", str(upstream), "main~1:main")
    refused = run_cli("registry", "sync", "--registry", str(fork), "--state-dir", str(state))
    assert refused.returncode == 2 and "rolled back or rewritten" in refused.stderr
