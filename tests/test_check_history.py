"""check with git history: quarantine by min-age, key age, rollbacks, several registries."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from signoff.attest.model import Verdict
from signoff.registry.repo import Registry
from signoff.registry.sign import subject_for_file, vouch
from signoff.trust.decide.checker import CheckSession
from signoff.trust.demo.sample_dists import build_wheel
from signoff.trust.inputs.gather import gather_inputs
from signoff.trust.outcomes import Code
from signoff.trust.policy.policy import load_policy
from signoff.trust.report.words import describe
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git

DAY = 86400


def test_min_age_counts_from_the_commit_not_the_date_field(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    long_ago = datetime.now(tz=UTC) - timedelta(days=30)
    # The statements claim to be a month old; the commits that added them are new.
    builder.approve("alice", f, now=long_ago)
    builder.approve("bob", f, now=long_ago)
    builder.policy(roots=["alice", "bob"], signers=2, require_extra="  min-age: 7d\n")
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    assert [r.code for r in verdict.reasons] == [Code.TOO_FEW_APPROVALS], verdict.reasons
    assert [y["need"] for y in verdict.reasons[0].params["young"]] == [7 * DAY, 7 * DAY]
    assert "policy needs 7 days" in describe(verdict.reasons[0])
    assert all(j.age is not None and j.age < DAY for j in verdict.attestations)
    later = int(datetime.now(tz=UTC).timestamp()) + 8 * DAY
    assert builder.check(f, now=later).passed


def test_min_key_age_blunts_a_fresh_key(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.policy(roots=["alice"], signers=1, trust_extra="  min-key-age: 3d\n")
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed
    why = verdict.attestations[0].why_not
    assert why is not None and why.code is Code.KEY_TOO_YOUNG and why.params["need"] == 3 * DAY
    assert builder.check(f, now=int(datetime.now(tz=UTC).timestamp()) + 4 * DAY).passed


def test_a_rolled_back_registry_is_refused_unless_accepted(builder: RegistryBuilder,
                                                           tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    state = tmp_path / "state"
    first = run_cli("check", str(f), "--policy", str(policy), "--state-dir", str(state))
    assert first.returncode == 0, first.stderr
    reg = builder.registry.path
    git(reg, "reset", "-q", "--hard", "HEAD~1")
    refused = run_cli("check", str(f), "--policy", str(policy), "--state-dir", str(state))
    assert refused.returncode == 2
    assert "rolled back or rewritten" in refused.stderr and str(reg) in refused.stderr
    accepted = run_cli("check", str(f), "--policy", str(policy), "--state-dir", str(state),
                       "--accept-rewrite")
    assert accepted.returncode == 1  # the approval is gone, and that is now the truth
    assert "accepted a rewritten history" in accepted.stderr


def test_several_registries_union_and_conflicting_hashes(builder: RegistryBuilder,
                                                         tmp_path: Path) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    private = Registry.init(tmp_path / "private", "private")

    vouch(private, builder.user, subject_for_file(f), verdict=Verdict.APPROVED,
          criteria=("safe-to-deploy",), key=builder.key("bob"))
    builder.policy(roots=["alice", "bob"], signers=2)
    policy = tmp_path / "signoff-policy.yaml"
    text = policy.read_text().replace("  - path: registry\n",
                                      "  - path: registry\n  - path: private\n")
    policy.write_text(text)
    assert builder.check(f, policy=policy).passed
    # Someone attests another file under the same name in the private registry.
    other = tmp_path / "other"
    other.mkdir()
    impostor = build_wheel(other, "tinyhttp", "1.0", requires=["evil"]).path
    vouch(private, builder.user, subject_for_file(impostor), verdict=Verdict.APPROVED,
          criteria=("safe-to-run",), key=builder.key("carol"))
    verdict = builder.check(f, policy=policy).verdicts[0]
    assert not verdict.passed
    assert Code.CONFLICTING_HASH in [r.code for r in verdict.reasons]


def test_one_signer_counts_once_and_the_newest_attestation_wins(builder: RegistryBuilder
                                                                ) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    builder.approve("alice", f)  # again: replaces the first, git keeps the old one
    builder.policy(roots=["alice", "bob"], signers=2)
    verdict = builder.check(f).verdicts[0]
    assert verdict.counted_signers == 1 and not verdict.passed
    builder.reject("alice", f)
    builder.policy(roots=["alice"], signers=1)
    verdict = builder.check(f).verdicts[0]
    assert not verdict.passed and verdict.reasons[0].code is Code.REJECTED


def test_check_json_reports_age_and_first_seen(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    done = builder.approve("alice", f)
    policy = builder.policy(roots=["alice"], signers=1)
    out = run_cli("check", str(f), "--policy", str(policy), "--format", "json")
    att = json.loads(out.stdout)["files"][0]["attestations"][0]
    assert att["first_seen"]["commit"] == done.commit
    assert isinstance(att["age"], int) and 0 <= att["age"] < 600


def test_session_reads_only_committed_history(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    policy = load_policy(builder.policy(roots=["alice"], signers=1))
    files, _ = gather_inputs([f], [])
    with CheckSession.open(policy, state_dir=builder.tmp / "s") as session:
        assert session.check(files).passed


def test_an_unsigned_statement_does_not_raise_a_conflict(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    fake = builder.registry.read_file(builder.approve("bob", f).path)
    assert fake is not None
    other = "cd" * 32
    path = f"attestations/ti/ny/tinyhttp/1/{other}/{builder.key('bob')}.yaml"
    # A statement claiming another hash for the same name, with no signature: griefing.
    builder.commit_raw({path: fake.replace(_sha(f).encode(), other.encode())})
    builder.policy(roots=["alice"], signers=1)
    assert builder.check(f).passed


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
