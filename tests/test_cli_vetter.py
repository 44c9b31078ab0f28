"""The vetter's workflow through the real command line: init, attest, add-key.

The first test runs the installed `signoff` command in subprocesses, as a vetter would.
"""

from __future__ import annotations

import json
from pathlib import Path

from signoff.attest.gpg import generate_key
from signoff.trust.demo.sample_dists import build_sdist, build_wheel
from tests.harness.cli import run_cli, run_installed
from tests.harness.git import git
from tests.harness.gnupg import gnupg_home


def test_init_attest_and_check_through_the_installed_command(tmp_path: Path) -> None:
    with gnupg_home() as home:
        fpr = generate_key(home, "Vera Vetter <vera@example.org>")
        env = {"GNUPGHOME": str(home)}
        reg = tmp_path / "reg"
        assert run_installed("registry", "init", str(reg), "--name", "test").returncode == 0
        wheel = build_wheel(tmp_path, "tinyhttp", "1.0").path
        done = run_installed("attest", str(wheel), "--criteria", "safe-to-deploy", "--comment",
                             "read it", cwd=reg, env=env)
        assert done.returncode == 0, done.stderr
        assert "with your public key" in done.stdout
        log = git(reg, "log", "-1", "--format=%B")
        assert log.startswith("Approved tinyhttp 1.0: tinyhttp-1.0-py3-none-any.whl")
        assert (reg / "keys" / f"{fpr}.asc").is_file()
        status = git(reg, "status", "--porcelain")
        assert status == ""
        by_hash = run_installed("attest", "--sha256", "ab" * 32, "--size", "10", "--filename",
                                "tinyhttp-1.0.tar.gz", "--reject", "--criteria", "safe-to-run",
                                "--registry", str(reg), env=env)
        assert by_hash.returncode == 0, by_hash.stderr
        policy = tmp_path / "policy.yaml"
        policy.write_text(f"signoff: policy/v1\nregistries: [{{path: reg}}]\n"
                          f"trust: {{roots: [{fpr}]}}\n"
                          "require: {criteria: safe-to-deploy, signers: 1}\n")
        assert run_installed("check", str(wheel), "--policy", str(policy)).returncode == 0
        sdist = build_sdist(tmp_path, "tinyhttp", "1.0").path
        failed = run_installed("check", str(sdist), "--policy", str(policy))
        assert failed.returncode == 1
        assert "no attestation for any file named tinyhttp-1.0.tar.gz" not in failed.stdout
        # The sdist differs from the one attested by hash alone: said so, with both hashes.
        as_json = run_installed("check", str(sdist), "--policy", str(policy), "--format", "json")
        reason = json.loads(as_json.stdout)["requirements"][0]["reason"]
        assert reason["code"] == "local-file-differs"
        assert reason["params"]["attested"] == [{"sha256": "ab" * 32, "size": 10}]


def test_attest_refuses_bad_arguments_with_exit_2(tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    run_cli("registry", "init", str(reg))
    with gnupg_home() as home:
        generate_key(home, "x <x@example.org>")
        env = {"GNUPGHOME": str(home)}
        cases = [
            ["attest", "--sha256", "xyz", "--size", "1", "--filename", "a-1.0.tar.gz"],
            ["attest", "--sha256", "ab" * 32, "--size", "1", "--filename", "../evil-1.0.tar.gz"],
            ["attest", "--sha256", "ab" * 32, "--size", "1", "--filename", "a-1.0.exe"],
            ["attest", str(tmp_path / "missing-1.0.tar.gz"), "--criteria", "safe-to-run"],
            ["attest", "--sha256", "ab" * 32, "--size", "1", "--filename", "a-1.0.tar.gz",
             "--criteria", "Not A Name"],
            ["attest", "--sha256", "ab" * 32, "--size", "1", "--filename", "a-1.0.tar.gz"],
        ]
        for args in cases:
            result = run_cli(*args, "--registry", str(reg), env=env)
            assert result.returncode == 2, (args, result.stdout, result.stderr)
            assert result.stderr.startswith("signoff: error: "), result.stderr
        head = git(reg, "rev-list", "--count", "HEAD")
        assert head.strip() == "1"  # nothing was committed


def test_registry_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("hi")
    result = run_installed("registry", "init", str(tmp_path))
    assert result.returncode == 2 and "not empty" in result.stderr
