"""Criteria vetters can rely on: registry.yaml declares them, attest refuses a typo, validate
warns about undeclared names, and a policy imports or maps a registry's criteria."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git

DECLARED = """criteria:
  crypto-reviewed:
    description: Every use of cryptography was read against the library's documentation.
    implies: [safe-to-deploy]
  docs-checked:
    description: The documentation matches the code.
"""


def _declare(builder: RegistryBuilder, text: str = DECLARED) -> None:
    path = builder.registry.path / "registry.yaml"
    path.write_text(path.read_text() + text)
    git(builder.registry.path, "commit", "-q", "-am", "declare criteria")


def _attest(builder: RegistryBuilder, *args: str, who: str = "alice",
            wheel: Path | None = None) -> tuple[int, str]:
    builder.key(who)
    target = wheel or builder.wheel("tinyhttp", "1.0")
    done = run_cli("attest", str(target), "--key", builder.key(who), *args,
                   "--registry", str(builder.registry.path),
                   env={"GNUPGHOME": str(builder.home)})
    return done.returncode, done.stderr


def test_a_typo_is_refused_with_the_nearest_name_and_nothing_is_signed(
        builder: RegistryBuilder) -> None:
    builder.key("alice")
    before = str(builder.registry.head_commit().id)
    code, err = _attest(builder, "--criteria", "safe-to-deply")
    assert code == 2
    assert "unknown criterion 'safe-to-deply'" in err
    assert "did you mean 'safe-to-deploy'?" in err and "--allow-unknown-criteria" in err
    assert str(builder.registry.head_commit().id) == before
    assert _attest(builder, "--criteria", "safe-to-deply", "--allow-unknown-criteria")[0] == 0


def test_declared_criteria_are_accepted_and_suggested(builder: RegistryBuilder) -> None:
    _declare(builder)
    assert _attest(builder, "--criteria", "crypto-reviewed,docs-checked")[0] == 0
    code, err = _attest(builder, "--criteria", "crypto-reviewd", who="bob")
    assert code == 2 and "did you mean 'crypto-reviewed'?" in err


def test_a_malformed_declaration_names_registry_yaml_and_its_line(
        builder: RegistryBuilder) -> None:
    _declare(builder, "criteria:\n  odd:\n    description: x\n    implies: [nonesuch]\n")
    code, err = _attest(builder, "--criteria", "safe-to-run")
    assert code == 2
    assert "registry.yaml:7: criteria.odd implies 'nonesuch'" in err


def test_validate_warns_about_undeclared_criteria_but_accepts(builder: RegistryBuilder,
                                                               tmp_path: Path) -> None:
    _declare(builder)
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "clone", "-q", "--bare", str(builder.registry.path), str(upstream))
    vetter = tmp_path / "vetter"
    git(tmp_path, "clone", "-q", str(upstream), str(vetter))
    builder.key("alice")
    done = run_cli("attest", str(builder.wheel("tinyhttp", "1.0")), "--key",
                   "alice@example.org", "--criteria", "docs-checked,fuzzed",
                   "--allow-unknown-criteria", "--registry", str(vetter),
                   env={"GNUPGHOME": str(builder.home)})
    assert done.returncode == 0, done.stderr
    args = ("registry", "validate", "--base", "origin/main", "--head", "HEAD", "--registry",
            str(vetter))
    text = run_cli(*args)
    assert text.returncode == 0, text.stdout
    assert "warning: attestations/" in text.stdout
    assert "criterion 'fuzzed' is neither built in nor declared in registry.yaml" in text.stdout
    assert "docs-checked" not in text.stdout
    doc = json.loads(run_cli(*args, "--format", "json").stdout)
    assert doc["ok"] is True and len(doc["warnings"]) == 1
    assert "::warning file=attestations/" in run_cli(*args, "--format", "github").stdout


@pytest.mark.parametrize(("entry", "expected"), [
    ("", 1),
    ("    criteria: import\n", 0),
    ("    criteria-map: {crypto-reviewed: safe-to-deploy}\n", 0),
    ("    criteria-map: {docs-checked: safe-to-deploy}\n", 1),
])
def test_a_policy_imports_or_maps_a_registrys_criteria(builder: RegistryBuilder, entry: str,
                                                       expected: int) -> None:
    _declare(builder)
    wheel = builder.wheel("tinyhttp", "1.0")
    assert _attest(builder, "--criteria", "crypto-reviewed", wheel=wheel)[0] == 0
    policy = builder.tmp / "policy.yaml"
    policy.write_text(f"signoff: policy/v1\nregistries:\n  - path: registry\n{entry}"
                      f"trust:\n  roots: [{builder.key('alice')}]\n"
                      "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
    done = run_cli("check", str(wheel), "--policy", str(policy), "--state-dir",
                   str(builder.tmp / "state"))
    assert done.returncode == expected, done.stdout + done.stderr


def test_an_import_that_redefines_a_policy_criterion_and_a_map_to_nothing_exit_2(
        builder: RegistryBuilder) -> None:
    _declare(builder)
    wheel = builder.wheel("tinyhttp", "1.0")
    assert _attest(builder, "--criteria", "crypto-reviewed", wheel=wheel)[0] == 0
    head = (f"signoff: policy/v1\nregistries:\n  - path: registry\n    {{entry}}\n"
            f"trust:\n  roots: [{builder.key('alice')}]\n"
            "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
    policy = builder.tmp / "policy.yaml"
    policy.write_text(head.format(entry="criteria: import")
                      + "criteria:\n  crypto-reviewed: {implies: []}\n")
    clash = run_cli("check", str(wheel), "--policy", str(policy))
    assert clash.returncode == 2
    assert "criterion 'crypto-reviewed' is declared here" in clash.stderr
    policy.write_text(head.format(entry="criteria-map: {crypto-reviewed: audited}"))
    unknown = run_cli("check", str(wheel), "--policy", str(policy))
    assert unknown.returncode == 2
    assert "'audited' is neither built in nor defined" in unknown.stderr
