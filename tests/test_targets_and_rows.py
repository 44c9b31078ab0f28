"""Targets with pip's semantics, the one-row report, and no silent mistakes (issue 10)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from signoff.attest.errors import InputError
from signoff.attest.model import Verdict
from signoff.registry.sign import subject_for_file, vouch
from signoff.trust.decide.target import target_from_interpreter, target_from_options
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli

FPR_NOWHERE = "0123456789ABCDEF0123456789ABCDEF01234567"


# -- targets ---------------------------------------------------------------------------------


def test_platform_expansion_follows_pip() -> None:
    legacy = target_from_options("3.11", ["manylinux2014_x86_64"], "cp", ["cp311"])
    assert legacy is not None
    assert legacy.accepts("a-1.0-cp311-cp311-manylinux1_x86_64.whl")  # pip expands 2014 to 1
    assert legacy.accepts("a-1.0-py3-none-any.whl") and legacy.accepts("a-1.0.tar.gz")
    assert not legacy.accepts("a-1.0-cp312-cp312-manylinux2014_x86_64.whl")
    # pip does not expand the PEP 600 names: manylinux_2_28 takes no manylinux_2_17 wheel.
    modern = target_from_options("3.11", ["manylinux_2_28_x86_64"], None, [])
    assert modern is not None
    assert not modern.accepts("a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")
    mac = target_from_options("3.12", ["macosx_14_0_arm64"], None, [])
    assert mac is not None
    assert mac.accepts("a-1.0-cp312-cp312-macosx_11_0_arm64.whl")
    assert not mac.accepts("a-1.0-cp312-cp312-macosx_11_0_x86_64.whl")
    assert mac.accepts("a-1.0-cp38-abi3-macosx_11_0_arm64.whl")


def test_markers_are_evaluated_for_each_platform_named() -> None:
    both = target_from_options("3.9", ["win_amd64", "manylinux_2_17_x86_64"], None, [])
    assert both is not None
    assert both.marker_holds('sys_platform == "win32"')
    assert both.marker_holds('platform_system == "Linux"')
    assert not both.marker_holds('sys_platform == "darwin"')
    assert not both.marker_holds('python_version >= "3.10"')
    assert both.marker_holds(None)


def test_no_option_means_no_target_and_both_kinds_are_refused() -> None:
    assert target_from_options(None, [], None, []) is None
    with pytest.raises(InputError, match="--python-version"):
        target_from_options("three", [], None, [])
    here = target_from_interpreter(Path(sys.executable))
    assert here.marker_holds(f'sys_platform == "{sys.platform}"')
    with pytest.raises(InputError, match="cannot run"):
        target_from_interpreter(Path("/nonexistent/python"))


# -- the report ------------------------------------------------------------------------------


def _scene(builder: RegistryBuilder) -> tuple[Path, str]:
    wheel = builder.wheel("tinyhttp", "1.0")
    sdist = builder.sdist("tinyhttp", "1.0")
    other = builder.wheel("leftpad", "2.0")
    vouch(builder.registry, builder.user, subject_for_file(wheel), verdict=Verdict.APPROVED,
          criteria=("safe-to-deploy",), key=builder.key("alice"), comment="Read every line.")
    vouch(builder.registry, builder.user, subject_for_file(sdist), verdict=Verdict.REJECTED,
          criteria=("safe-to-deploy",), key=builder.key("alice"),
          comment="suspicious telemetry in setup.py")
    builder.approve("alice", other)
    policy = builder.policy(roots=["alice"], signers=1)
    req = builder.tmp / "requirements.txt"
    digests = {p: __import__("hashlib").sha256(p.read_bytes()).hexdigest()
               for p in (wheel, sdist, other)}
    req.write_text(f"tinyhttp==1.0 --hash=sha256:{digests[wheel]} "
                   f"--hash=sha256:{digests[sdist]}\n"
                   f"leftpad==2.0 --hash=sha256:{digests[other]}\n")
    return req, str(policy)


def test_one_row_per_requirement_with_names_and_comments(builder: RegistryBuilder) -> None:
    req, policy = _scene(builder)
    done = run_cli("check", str(req), "--policy", policy, "--color", "never",
                   env={"COLUMNS": "160"})
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("2 requirements: 1 pass, 0 exempt, 1 fail under policy ")
    tiny = next(line for line in lines if "tinyhttp" in line)
    assert "1/2" in tiny and "fail" in tiny and "tinyhttp-1.0.tar.gz: rejected by" in tiny
    left = next(line for line in lines if "leftpad" in line)
    assert "leftpad-2.0-py3-none-any.whl" in left  # a pass names its files, not hashes
    assert "suspicious telemetry" not in done.stdout  # comments only with --verbose
    assert "\x1b[" not in done.stdout

    verbose = run_cli("check", str(req), "--policy", policy, "--verbose", "--color", "always")
    assert "“suspicious telemetry in setup.py”" in verbose.stdout
    assert "\x1b[" in verbose.stdout
    quiet = run_cli("check", str(req), "--policy", policy, "--quiet")
    assert "leftpad" not in quiet.stdout and "tinyhttp" in quiet.stdout
    assert run_cli("check", str(req), "--policy", policy, "-q", "-v").returncode == 2

    narrow = run_cli("check", str(req), "--policy", policy, env={"COLUMNS": "60"})
    *table, summary = narrow.stdout.splitlines()
    assert max(len(line) for line in table) <= 60
    # the summary stays one line: the policy's path cannot be broken
    assert summary.startswith("2 requirements: ") and summary.endswith("signoff-policy.yaml")

    data = json.loads(run_cli("check", str(req), "--policy", policy, "--format", "json").stdout)
    row = data["requirements"][0]
    assert (row["status"], row["files_vetted"], row["files_installable"]) == ("fail", 1, 2)
    sdist = next(f for f in row["files"] if f["filename"] == "tinyhttp-1.0.tar.gz")
    assert sdist["attestations"][0]["comment"] == "suspicious telemetry in setup.py"

    explained = run_cli("explain", "tinyhttp==1.0", "--policy", policy)
    assert "comment: suspicious telemetry in setup.py" in explained.stdout


def test_no_color_is_honoured(builder: RegistryBuilder) -> None:
    from signoff.trust.cli.options import ColorChoice, use_color

    assert not use_color(ColorChoice.NEVER)
    assert use_color(ColorChoice.ALWAYS)
    req, policy = _scene(builder)
    done = run_cli("check", str(req), "--policy", policy, env={"NO_COLOR": "1"})
    assert "\x1b[" not in done.stdout


# -- no silent mistakes ----------------------------------------------------------------------


def test_a_trusted_key_in_no_registry_is_an_error_naming_the_line(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1,
                            trust_extra=f"  introducers:\n    {FPR_NOWHERE}: full\n")
    done = run_cli("check", str(f), "--policy", str(policy))
    assert done.returncode == 2
    assert f"{policy}:7" in done.stderr and FPR_NOWHERE in done.stderr
    assert "trust.introducers" in done.stderr and "in no registry's keys/" in done.stderr
    policy.write_text(policy.read_text().replace(builder.key("alice"), FPR_NOWHERE)
                      .replace(f"  introducers:\n    {FPR_NOWHERE}: full\n", ""))
    done = run_cli("explain", "tinyhttp==1.0", "--policy", str(policy))
    assert done.returncode == 2 and "trust.roots[0]" in done.stderr
    assert f"{policy}:5" in done.stderr


def test_check_and_explain_give_the_same_fix_wait(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.approve("bob", f)
    policy = builder.policy(roots=["alice", "bob"], signers=2,
                            require_extra="  min-age: 7d\n")
    done = run_cli("check", str(f), "--policy", str(policy), "--verbose",
                   env={"COLUMNS": "200"})
    assert done.returncode == 1
    assert "→ wait 6 days" in done.stdout or "→ wait 7 days" in done.stdout
    assert "more approval" not in done.stdout
    # Each approval's quarantine is said once (alice's and bob's), the fix once.
    assert done.stdout.count("policy needs 7 days") == 2, done.stdout
    assert done.stdout.count("→ wait") == 1
    explained = run_cli("explain", "tinyhttp==1.0", "--policy", str(policy))
    to_pass = explained.stdout.split("to pass:")[1]
    assert "wait 6 days" in to_pass or "wait 7 days" in to_pass
    assert "more approval" not in to_pass


def test_an_invalid_marker_is_an_error_naming_the_input(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    lock = builder.tmp / "pylock.toml"
    digest = __import__("hashlib").sha256(f.read_bytes()).hexdigest()
    lock.write_text('lock-version = "1.0"\ncreated-by = "hand"\n\n[[packages]]\n'
                    'name = "tinyhttp"\nversion = "1.0"\nmarker = "sys_platform =="\n'
                    f'wheels = [{{ name = "{f.name}", url = "https://h.invalid/{f.name}", '
                    f'hashes = {{ sha256 = "{digest}" }} }}]\n')
    assert run_cli("check", str(lock), "--policy", str(policy)).returncode == 0
    done = run_cli("check", str(lock), "--policy", str(policy), "--platform", "win_amd64")
    assert done.returncode == 2
    assert f"{lock}: packages[0] (tinyhttp==1.0): invalid environment marker" in done.stderr


def test_a_pylock_whose_vetted_files_fit_no_target_fails_the_lock(
        builder: RegistryBuilder) -> None:
    from signoff.trust.demo.sample_dists import build_wheel

    win = build_wheel(builder.dist, "fastcore", "2.0", tag="cp38-abi3-win_amd64")
    builder.approve("alice", win.path)
    policy = builder.policy(roots=["alice"], signers=1)
    lock = builder.tmp / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "hand"\n\n[[packages]]\n'
                    'name = "fastcore"\nversion = "2.0"\n'
                    f'wheels = [{{ name = "{win.filename}", url = "https://h.invalid/w.whl", '
                    f'hashes = {{ sha256 = "{win.sha256}" }} }}]\n')
    out = builder.tmp / "pylock.vetted.toml"
    windows = run_cli("lock", str(lock), "-o", str(out), "--policy", str(policy),
                      "--platform", "win_amd64", "--python-version", "3.11")
    assert windows.returncode == 0, windows.stdout + windows.stderr
    linux = run_cli("lock", str(lock), "-o", str(out), "--policy", str(policy),
                    "--platform", "manylinux_2_17_x86_64", "--python-version", "3.11")
    assert linux.returncode == 1
    assert "none of its 1 files fits the target" in out.read_text()
