"""End-to-end scenarios of the foundation: vouch with real gpg into a real git registry, check."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.registry.layout import statement_path
from signoff.trust.outcomes import Code, Reason
from signoff.trust.report.words import describe
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli, run_installed
from tests.harness.gnupg import remove_home


def only(report_files: list[dict[str, object]]) -> dict[str, object]:
    assert len(report_files) == 1
    return report_files[0]


def test_two_roots_approve_and_policy_needs_two_passes(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.approve("bob", f)
    builder.policy(roots=["alice", "bob"], signers=2)
    report = builder.check(f)
    assert report.passed
    assert report.verdicts[0].counted_signers == 2


def test_one_approval_when_two_are_needed_fails_saying_1_of_2(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    assert verdict.reasons == [Reason(Code.TOO_FEW_APPROVALS, {
        "have": 1, "need": 2, "criteria": ["safe-to-deploy"], "weak": [], "young": []})]
    assert verdict.fixes == [Reason(Code.MORE_APPROVALS,
                                    {"missing": 1, "criteria": ["safe-to-deploy"]})]
    assert describe(verdict.reasons[0]) == "1 of 2 trusted approvals for safe-to-deploy"
    assert describe(verdict.fixes[0]) == ("one more approval for safe-to-deploy from a key "
                                          "valid under this policy")


def test_a_counted_signer_rejecting_fails_the_file(builder: RegistryBuilder) -> None:
    f = builder.wheel("leftpad", "2.0")
    builder.approve("alice", f)
    builder.approve("bob", f)
    builder.reject("carol", f)
    builder.policy(roots=["alice", "bob", "carol"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    assert [r.code for r in verdict.reasons] == [Code.REJECTED]
    assert verdict.reasons[0].params["rejections"] == [
        {"signer": builder.key("carol"), "criteria": ["safe-to-deploy"]}]
    assert describe(verdict.reasons[0]).startswith("rejected by ")


def test_a_rejection_by_an_uncounted_signer_does_not_fail(builder: RegistryBuilder) -> None:
    f = builder.wheel("leftpad", "2.0")
    builder.approve("alice", f)
    builder.approve("bob", f)
    builder.reject("mallory", f)
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert verdict.passed
    mallory = [j for j in verdict.attestations if j.signer == builder.key("mallory")]
    assert mallory and not mallory[0].counted


def test_attestation_moved_to_another_hash_directory_does_not_count(
        builder: RegistryBuilder) -> None:
    good = builder.wheel("tinyhttp", "1.0")
    other = builder.wheel("tinyhttp", "1.1")
    builder.approve("alice", good)
    done = builder.approve("bob", other)
    stmt = builder.registry.read_file(done.path)
    sig = builder.registry.read_file(done.path + ".asc")
    assert stmt is not None and sig is not None
    moved = statement_path("tinyhttp", "1.0", _sha(good), builder.key("bob"))
    builder.commit_raw({moved: stmt, moved + ".asc": sig})
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(good).verdicts[0]
    assert not verdict.passed
    bob = next(j for j in verdict.attestations if j.signer == builder.key("bob"))
    assert not bob.counted and bob.why_not and bob.why_not.code is Code.SUBJECT_MISMATCH


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_statement_edited_after_signing_does_not_count(builder: RegistryBuilder) -> None:
    f = builder.wheel("fastjson", "1.2")
    builder.approve("alice", f)
    done = builder.approve("bob", f, criteria=["safe-to-run"])
    stmt = builder.registry.read_file(done.path)
    assert stmt is not None
    builder.commit_raw({done.path: stmt.replace(b"[safe-to-run]", b"[safe-to-deploy]")})
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    bob = next(j for j in verdict.attestations if j.signer == builder.key("bob"))
    assert bob.why_not and bob.why_not.code is Code.BAD_SIGNATURE
    assert "BAD signature" in bob.why_not.params["problem"]


def test_signature_by_a_key_not_in_keys_does_not_count(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    done = builder.approve("bob", f)
    builder.commit_raw({f"keys/{builder.key('bob')}.asc": None})
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    bob = next(j for j in verdict.attestations if j.path == done.path)
    assert bob.why_not and bob.why_not.code is Code.BAD_SIGNATURE
    assert "not in the registry's keys/" in describe(bob.why_not)


def test_signer_field_that_does_not_match_the_signing_key_does_not_count(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    done = builder.approve("mallory", f)
    bob = builder.key("bob")
    stmt = builder.registry.read_file(done.path)
    sig = builder.registry.read_file(done.path + ".asc")
    assert stmt is not None and sig is not None
    # mallory's statement and signature, placed at bob's path: the file name claims bob.
    forged = done.path.replace(builder.key("mallory"), bob)
    builder.commit_raw({forged: stmt, forged + ".asc": sig})
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    forged_entry = next(j for j in verdict.attestations if j.path == forged)
    assert forged_entry.why_not and forged_entry.why_not.code is Code.SIGNER_MISMATCH


def test_safe_to_deploy_satisfies_safe_to_run_and_not_the_reverse(
        builder: RegistryBuilder) -> None:
    deploy = builder.wheel("a-deploy", "1.0")
    run = builder.wheel("a-run", "1.0")
    builder.approve("alice", deploy, ["safe-to-deploy"])
    builder.approve("alice", run, ["safe-to-run"])
    builder.policy(roots=["alice"], signers=1, criteria="safe-to-run")
    assert builder.check(deploy).passed
    assert builder.check(run).passed
    builder.policy(roots=["alice"], signers=1, criteria="safe-to-deploy")
    assert builder.check(deploy).passed
    verdict = builder.check(run).verdicts[0]
    assert not verdict.passed
    assert [r.code for r in verdict.reasons] == [Code.TOO_FEW_APPROVALS]
    assert verdict.reasons[0].params["weak"] == [
        {"signer": builder.key("alice"), "criteria": ["safe-to-run"]}]
    assert "approved only safe-to-run" in describe(verdict.reasons[0])


def test_requirements_hash_with_no_attestations_fails_naming_the_file(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.policy(roots=["alice"], signers=1)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"tinyhttp==1.0 --hash=sha256:{_sha(f)}\n"
                    f"leftpad==2.0 \\\n    --hash=sha256:{'ab' * 32}\n")
    result = run_cli("check", "-r", str(reqs), "--policy", str(tmp_path / "signoff-policy.yaml"),
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    by_project = {f["project"]: f for f in doc["files"]}
    assert by_project["tinyhttp"]["status"] == "pass"
    leftpad = by_project["leftpad"]
    assert leftpad["status"] == "fail"
    assert leftpad["source"].startswith(str(reqs))
    assert any("no attestations" in r for r in leftpad["reasons"])


def test_json_output_has_the_documented_shape(builder: RegistryBuilder, tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    result = run_cli("check", str(f), "--policy", str(policy), "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["conclusion"] == "pass"
    assert doc["policy"] == str(policy)
    assert doc["registries"][0]["head"] == str(builder.registry.head_commit().id)
    entry = only(doc["files"])
    for key in ("project", "version", "filename", "sha256", "size", "source", "status",
                "reasons", "attestations"):
        assert key in entry
    att = entry["attestations"][0]  # type: ignore[index]
    assert {"signer", "verdict", "criteria", "counted", "why_not"} <= set(att)
    assert att["counted"] is True and att["why_not"] is None


def test_uncommitted_files_are_ignored_without_scanning_the_work_tree(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    (builder.registry.path / "stray.txt").write_text("not committed")
    result = run_cli("check", str(f), "--policy", str(policy))
    assert result.returncode == 0
    assert "uncommitted" not in result.stderr  # check reads a ref, never the work tree


def test_malformed_policy_yaml_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("signoff: policy/v1\nregistries: [\n")
    result = run_cli("check", str(tmp_path), "--policy", str(policy))
    assert result.returncode == 2
    assert f"{policy}:" in result.stderr and "malformed YAML" in result.stderr


def test_unknown_policy_key_exits_2_naming_file_and_line(builder: RegistryBuilder) -> None:
    policy = builder.policy(roots=["alice"], signers=1, extra="colour: blue\n")
    result = run_cli("check", str(builder.dist), "--policy", str(policy))
    assert result.returncode == 2
    assert f"{policy}:9:" in result.stderr and "unknown key 'colour'" in result.stderr


def test_missing_registry_exits_2(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("signoff: policy/v1\nregistries:\n  - path: nowhere\ntrust:\n  roots: ["
                      + "A" * 40 + "]\nrequire:\n  criteria: safe-to-deploy\n  signers: 1\n")
    result = run_cli("check", str(tmp_path), "--policy", str(policy))
    assert result.returncode == 2
    assert "nowhere" in result.stderr and "registry not found" in result.stderr


def test_gpg_missing_from_path_exits_2(builder: RegistryBuilder, tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    # A PATH holding git but no gpg.
    bare = tmp_path / "bin"
    bare.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bare / "git").symlink_to(git)
    result = run_installed("check", str(f), "--policy", str(policy), env={"PATH": str(bare)})
    assert result.returncode == 2
    assert "gpg was not found on PATH" in result.stderr


@pytest.fixture
def demo_dir(tmp_path: Path) -> Iterator[Path]:
    """Where a test builds the demo; its GnuPG home (outside, linked as gnupg/) goes after."""
    folder = tmp_path / "demo"
    try:
        yield folder
    finally:
        if (folder / "gnupg").is_symlink():
            remove_home((folder / "gnupg").resolve())


def test_demo_runs_and_exits_as_documented(demo_dir: Path) -> None:
    result = run_installed("demo", "--dir", str(demo_dir))  # as `make demo` runs it
    assert result.returncode == 0, result.stderr
    assert "requirements:" in result.stdout and " fail" in result.stdout
    assert (demo_dir / "registry" / "registry.yaml").is_file()
    assert (demo_dir / "signoff-policy.yaml").is_file()
    # The demo leaves a policy a user can run again: it fails (exit 1) as shown.
    again = run_cli("check", str(demo_dir / "dist"), "--policy",
                    str(demo_dir / "signoff-policy.yaml"), "--format", "json")
    assert again.returncode == 1
    files = {f["filename"]: f for f in json.loads(again.stdout)["files"]}
    statuses = {name: f["status"] for name, f in files.items()}
    assert statuses == {
        "tinyhttp-1.0.0-py3-none-any.whl": "pass",   # alice and bob, both certified by the root
        "tinyhttp-1.0.0.tar.gz": "fail",             # alice only: 1 of 2
        "leftpad-2.0-py3-none-any.whl": "pass",      # carol's rejection does not count
        "leftpad-2.0.1-py3-none-any.whl": "fail",    # only safe-to-run
        "evilpkg-0.1-py3-none-any.whl": "fail",      # bob rejects
        "fastjson-1.2-py3-none-any.whl": "fail",     # bob's statement edited after signing
        "internal_tools-0.3-py3-none-any.whl": "pass",  # rules[0] needs one signer
    }
    evil = files["evilpkg-0.1-py3-none-any.whl"]
    assert any("rejected by" in r for r in evil["reasons"])
    mallory = [a for a in evil["attestations"] if a["counted"] is False
               and a["verdict"] == "approved" and "not valid" in (a["why_not"] or "")]
    assert mallory, evil["attestations"]
    counted = [a for a in files["tinyhttp-1.0.0-py3-none-any.whl"]["attestations"]]
    assert all(a["validity"] == "full" and len(a["path"]) == 2 for a in counted)


def test_input_size_that_disagrees_with_the_attested_size_fails(builder: RegistryBuilder) -> None:
    from dataclasses import replace

    from signoff.trust.decide.checker import CheckSession
    from signoff.trust.policy.policy import load_policy
    from signoff.trust.release import ReleaseFile

    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = load_policy(builder.policy(roots=["alice"], signers=1))
    right = ReleaseFile("tinyhttp", "1.0", _sha(f), f.name, f.stat().st_size, "test")
    with CheckSession.open(policy) as session:
        assert session.check([right]).passed
        wrong = session.check([replace(right, size=right.size + 1)])  # type: ignore[operator]
    assert not wrong.passed
    assert Code.SIZE_MISMATCH in [r.code for r in wrong.verdicts[0].reasons]


def test_oversized_statement_in_the_registry_is_reported_not_read(
        builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    done = builder.approve("bob", f)
    builder.commit_raw({done.path: b"#" * (1024 * 1024)})
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    bob = next(j for j in verdict.attestations if j.path == done.path)
    assert bob.why_not and bob.why_not.code is Code.STATEMENT_TOO_LARGE


def test_a_sha512_alternative_beside_a_vetted_sha256_fails_the_requirement(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    reqs = tmp_path / "requirements.txt"
    # pip would install any file matching the sha512: one no attestation names.
    reqs.write_text(f"tinyhttp==1.0 --hash=sha256:{_sha(f)} --hash=sha512:{'0' * 128}\n")
    result = run_cli("check", "-r", str(reqs), "--policy", str(policy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "sha512" in result.stdout


def test_check_counts_keys_the_web_of_trust_makes_valid(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.certify("root", "alice")          # root -> alice: fully valid
    builder.certify("alice", "carol")         # alice is no introducer: carol is not valid
    builder.approve("alice", f)
    builder.approve("carol", f)
    builder.policy(roots=["root"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed and verdict.counted_signers == 1
    by_signer = {j.signer: j for j in verdict.attestations}
    alice = by_signer[builder.key("alice")]
    assert alice.counted and alice.validity == "full"
    assert alice.trust_path == (builder.key("root"), builder.key("alice"))
    carol = by_signer[builder.key("carol")]
    assert not carol.counted and carol.why_not and carol.why_not.code is Code.SIGNER_NOT_VALID
    builder.policy(roots=["root"], signers=2,
                   trust_extra=f"  introducers: {{{builder.key('alice')}: full}}\n")
    assert builder.check(f).passed  # alice, trusted as an introducer, makes carol valid


def test_the_demo_can_be_run_again_and_checked_again(demo_dir: Path) -> None:
    for _ in range(2):
        assert run_cli("demo", "--dir", str(demo_dir)).returncode == 0
        again = run_cli("check", str(demo_dir / "dist"), "--policy",
                        str(demo_dir / "signoff-policy.yaml"))
        assert again.returncode == 1, again.stderr  # not 2: no false rollback alarm
