"""Every command's renderers: codes in JSON, GitHub annotations, and the words for each code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from signoff.trust.outcomes import Code, Reason
from signoff.trust.report.github import source_location
from signoff.trust.report.words import describe
from tests.builder import RegistryBuilder
from tests.dists import hashed_requirements
from tests.harness.cli import run_cli

FPR = "E454ADF5AA72B0972974595963BC7C35FF0B5238"


def _requirements(builder: RegistryBuilder, *files: Path) -> Path:
    return hashed_requirements(builder.tmp / "requirements.txt", *files)


@pytest.fixture
def scene(builder: RegistryBuilder) -> tuple[RegistryBuilder, Path, str]:
    """tinyhttp approved by alice (a root) and carol (not valid); leftpad attested by nobody."""
    tiny = builder.wheel("tinyhttp", "1.0")
    left = builder.wheel("leftpad", "2.0")
    builder.approve("alice", tiny)
    builder.approve("carol", tiny)
    builder.key("bob")
    policy = builder.policy(roots=["alice", "bob"], signers=2)
    return builder, _requirements(builder, tiny, left), str(policy)


def test_check_json_carries_codes_params_and_messages(
        scene: tuple[RegistryBuilder, Path, str]) -> None:
    builder, req, policy = scene
    done = run_cli("check", str(req), "--policy", policy, "--format", "json")
    code, out = done.returncode, done.stdout
    assert code == 1
    tiny, left = json.loads(out)["files"]
    approvals = tiny["findings"][-1]
    assert (approvals["requirement"], approvals["met"], approvals["code"]) == \
        ("approvals", False, "too-few-approvals")
    assert approvals["params"]["have"] == 1 and approvals["params"]["need"] == 2
    assert approvals["message"] == tiny["reasons"][0] == \
        "1 of 2 trusted approvals for safe-to-deploy"
    assert approvals["fix"]["code"] == "more-approvals"
    carol = next(a for a in tiny["attestations"] if a["signer"] == builder.key("carol"))
    assert carol["reason"]["code"] == "signer-not-valid"
    assert carol["reason"]["message"] == carol["why_not"]
    assert left["findings"][-1]["code"] == "no-attestations"


def test_check_github_annotates_the_line_of_each_failing_requirement(
        scene: tuple[RegistryBuilder, Path, str]) -> None:
    _, req, policy = scene
    done = run_cli("check", str(req), "--policy", policy, "--format", "github")
    code, out = done.returncode, done.stdout
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (f"::error file={req},line=1::tinyhttp 1.0: 1 of 2 trusted approvals "
                        "for safe-to-deploy; one more approval for safe-to-deploy from a key "
                        "valid under this policy")
    assert lines[1].startswith(f"::error file={req},line=2::leftpad 2.0: ")
    assert "no attestations for this file" in lines[1]
    assert lines[-1] == "::notice::2 requirements: 0 pass, 0 exempt, 2 fail"


def test_explain_json_gives_suggestions_as_codes(
        scene: tuple[RegistryBuilder, Path, str]) -> None:
    builder, _, policy = scene
    done = run_cli("explain", "tinyhttp==1.0", "--policy", policy,
                            "--format", "json")
    code, out = done.returncode, done.stdout
    assert code == 1
    doc = json.loads(out)
    assert doc["conclusion"] == "fail"
    (suggestion,) = doc["files"][0]["suggestions"]
    assert suggestion["code"] == "more-approvals"
    assert suggestion["params"]["candidates"] == [
        f"{builder.key('bob')[-16:]} (bob)"]
    assert suggestion["message"].startswith("one more approval for safe-to-deploy")


def test_lock_and_trust_explain_have_json_too(
        scene: tuple[RegistryBuilder, Path, str]) -> None:
    builder, req, policy = scene
    done = run_cli("lock", str(req), "-o", str(builder.tmp / "out.txt"),
                            "--policy", policy, "--format", "json")
    code, out = done.returncode, done.stdout
    assert code == 1
    doc = json.loads(out)
    assert doc["conclusion"] == "fail"
    assert [u["requirement"].split()[0] for u in doc["unvetted"]] == \
        ["tinyhttp==1.0", "leftpad==2.0"]
    done = run_cli("trust", "explain", builder.key("carol"), "--policy", policy,
                            "--format", "json")
    code, out = done.returncode, done.stdout
    assert code == 0
    doc = json.loads(out)
    assert (doc["validity"], doc["counted"]) == ("unknown", False)
    assert doc["reason"]["code"] == "signer-not-valid"
    assert doc["explanation"][0].startswith(builder.key("carol"))


def test_source_locations() -> None:
    assert source_location("reqs/requirements.txt:12") == ("reqs/requirements.txt", 12)
    assert source_location("pylock.toml: packages[3] (x.whl)") == ("pylock.toml", None)
    assert source_location("dist/x-1.0.tar.gz") == ("dist/x-1.0.tar.gz", None)
    assert source_location("") == (None, None)


SAMPLES: dict[Code, dict[str, Any]] = {
    Code.STATEMENT_TOO_LARGE: {},
    Code.MALFORMED_STATEMENT: {"detail": "x.yaml:3: unknown key"},
    Code.BAD_SIGNATURE: {"problem": "BAD signature"},
    Code.SUBJECT_MISMATCH: {"project": "a", "version": "1", "sha256": "ab" * 32},
    Code.SIGNER_MISMATCH: {"statement": FPR, "file_name": FPR, "signature": None},
    Code.FILENAME_MISMATCH: {"attested": "a.whl", "actual": "b.whl"},
    Code.ATTESTED_SIZE_MISMATCH: {"attested": 1, "actual": 2},
    Code.EXPIRED: {"expires": "2026-01-01"},
    Code.KEY_NOT_IN_REGISTRY: {"signer": FPR},
    Code.SIGNER_REVOKED: {"signer": FPR},
    Code.SIGNER_EXPIRED: {"signer": FPR},
    Code.BELOW_MIN_VALIDITY: {"signer": FPR, "validity": "marginal", "min_validity": "full",
                              "shortfall": "1 of 3 marginal certifications"},
    Code.SIGNER_NOT_VALID: {"signer": FPR, "validity": "unknown", "shortfall": None},
    Code.KEY_TOO_YOUNG: {"signer": FPR, "age": None, "need": 86400},
    Code.NO_HISTORY: {},
    Code.ATTESTATION_TOO_YOUNG: {"age": 3600, "need": 7 * 86400},
    Code.SUPERSEDED: {"by": "registry/attestations/x.yaml"},
    Code.WITHDRAWN: {"signer": "A" * 40, "signed": "2026-01-01T00:00:00Z"},
    Code.REPLAY: {"by": "registry/attestations/x.yaml", "signed": "2026-01-01T00:00:00Z",
                  "newer": "2026-02-01T00:00:00Z"},
    Code.TOO_FEW_APPROVALS: {"have": 0, "need": 1, "criteria": ["safe-to-run"], "weak": [],
                             "young": []},
    Code.NO_ATTESTATIONS: {"have": 0, "need": 1, "criteria": ["safe-to-run"], "weak": [],
                           "young": [], "sha256": "ab" * 32},
    Code.REJECTED: {"rejections": [{"signer": FPR, "criteria": []}]},
    Code.CONFLICTING_HASH: {"conflicts": [{"sha256": "cd" * 32, "where": "r/x.yaml"}]},
    Code.SIZE_MISMATCH: {"size": 3, "attested": [1, 2]},
    Code.SIZES_DISAGREE: {"sizes": [1, 2]},
    Code.LARGER_THAN_ATTESTED: {"limit": 10},
    Code.NO_ATTESTED_NAME: {"filename": "a.whl", "project": "a", "version": "1"},
    Code.LOCAL_FILE_DIFFERS: {"filename": "a.whl", "sha256": "ab" * 32, "size": 3,
                              "attested": [{"sha256": "cd" * 32, "size": 2}]},
    Code.MARKER_EXCLUDES: {"marker": 'sys_platform == "win32"'},
    Code.NO_FILE_FOR_TARGET: {"files": 2, "target": "--platform win_amd64"},
    Code.INPUT_PROBLEM: {"requirement": "a", "reason": "not pinned"},
    Code.MORE_APPROVALS: {"missing": 2, "criteria": ["safe-to-run"]},
    Code.WAIT: {"wait": 86400, "signers": 2, "min_age": 7 * 86400},
    Code.WITHDRAW_REJECTION: {},
    Code.RESOLVE_CONFLICT: {},
    Code.NO_UPSTREAM_HASH: {},
    Code.NOT_A_RELEASE_FILE: {"detail": "not a wheel"},
    Code.OTHER_PROJECT: {"named": "a", "page": "b"},
}


def test_every_code_has_words() -> None:
    assert set(SAMPLES) == set(Code)
    for code, params in SAMPLES.items():
        assert describe(Reason(code, params)), code


def test_the_words_are_those_of_earlier_versions() -> None:
    young = Reason(Code.TOO_FEW_APPROVALS, {
        "have": 1, "need": 2, "criteria": ["safe-to-deploy"],
        "weak": [{"signer": FPR, "criteria": ["safe-to-run"]}],
        "young": [{"signer": FPR, "age": 2 * 86400, "need": 7 * 86400}]})
    assert describe(young) == ("1 of 2 trusted approvals for safe-to-deploy; 63BC7C35FF0B5238 "
                               "approved only safe-to-run; attested 2 days ago; policy needs "
                               "7 days")
    assert describe(Reason(Code.MORE_APPROVALS, {"missing": 2, "criteria": ["a", "b"],
                                                 "candidates": []})) == (
        "2 more approvals for a and b from a key valid under this policy; no key not yet heard "
        "from is valid under this policy")
    assert describe(Reason(Code.KEY_TOO_YOUNG, {"signer": FPR, "age": 3600, "need": 86400})) \
        == "key 63BC7C35FF0B5238 was added 1 hour ago; trust.min-key-age needs 1 day"
