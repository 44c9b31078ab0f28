"""The verification caches: a warm check starts no gpg at all, bad results are remembered
too, and the in-process verifier gives the same report as gpg through the command line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli


def _no_gpg_path(tmp: Path) -> str:
    """A PATH with git but without gpg: any gpg start fails."""
    bin_dir = tmp / "no-gpg-bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    return str(bin_dir)


def _check(builder: RegistryBuilder, *files: Path, env: dict[str, str] | None = None
           ) -> tuple[int, dict[str, object], str]:
    done = run_cli("check", *map(str, files), "--policy",
                   str(builder.tmp / "signoff-policy.yaml"), "--state-dir",
                   str(builder.tmp / "state"), "--format", "json", env=env)
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


def test_a_warm_check_starts_no_gpg_and_remembers_bad_signatures(
        builder: RegistryBuilder) -> None:
    """Good and bad verdicts both come from the cache on the second run: without gpg on PATH
    the report is the same."""
    good = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", good)
    bad = builder.wheel("tinyhttp", "1.1")
    vouched = builder.approve("alice", bad)
    statement = builder.registry.read_file(vouched.path)
    assert statement is not None
    builder.commit_raw({vouched.path: statement.replace(b"safe-to-deploy", b"safe-to-run ")})
    builder.policy(roots=["alice"], signers=1)
    cold = _check(builder, good, bad)
    assert cold[0] == 1, cold[2]
    warm = _check(builder, good, bad, env={"PATH": _no_gpg_path(builder.tmp)})
    assert warm[0] == 1, warm[2]
    assert _verdicts(warm[1]) == _verdicts(cold[1])


def _verdicts(report: dict[str, object]) -> list[object]:
    """Each file's status and reasons, and each statement's standing (ages tick on)."""
    files = report["files"]
    assert isinstance(files, list)
    return [(f["status"], f["reasons"], [(a["counted"], a["why_not"]) for a in f["attestations"]])
            for f in files]


def test_sequoia_and_gpg_give_the_same_report(builder: RegistryBuilder) -> None:
    """`SIGNOFF_VERIFIER=sequoia` verifies in-process, with the same verdicts as gpg."""
    good = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", good)
    builder.approve("bob", good)
    builder.policy(roots=["alice"], signers=1)
    by_gpg = _check(builder, good, env={"SIGNOFF_VERIFIER": "gpg"})
    for cache in (builder.registry.git_dir / "signoff").glob("signatures*"):
        os.remove(cache)
    by_sequoia = _check(builder, good, env={"SIGNOFF_VERIFIER": "sequoia"})
    assert by_gpg[0] == by_sequoia[0] == 0, by_sequoia[2]
    assert _verdicts(by_gpg[1]) == _verdicts(by_sequoia[1])


def test_an_unknown_verifier_is_refused(builder: RegistryBuilder) -> None:
    """A mistyped SIGNOFF_VERIFIER is an environment error (exit 2), never a silent gpg."""
    good = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", good)
    builder.policy(roots=["alice"], signers=1)
    done = run_cli("check", str(good), "--policy", str(builder.tmp / "signoff-policy.yaml"),
                   "--state-dir", str(builder.tmp / "state"), env={"SIGNOFF_VERIFIER": "pgpy"})
    said = done.stdout + done.stderr
    assert done.returncode == 2 and "SIGNOFF_VERIFIER" in said and "Traceback" not in said, said


def test_a_damaged_signature_cache_is_rebuilt_never_believed(builder: RegistryBuilder) -> None:
    """A signature cache that is not a database any more (a crash, a bad disk) is deleted and
    refilled: the verdicts are the cold ones, and the next run is warm again."""
    good = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", good)
    bad = builder.wheel("tinyhttp", "1.1")
    vouched = builder.approve("alice", bad)
    statement = builder.registry.read_file(vouched.path)
    assert statement is not None
    builder.commit_raw({vouched.path: statement.replace(b"safe-to-deploy", b"safe-to-run ")})
    builder.policy(roots=["alice"], signers=1)
    cold = _check(builder, good, bad)
    assert cold[0] == 1, cold[2]
    caches = sorted((builder.registry.git_dir / "signoff").glob("signatures*.sqlite"))
    assert caches
    for cache in caches:
        cache.write_bytes(b"not a database " * 512)
    damaged = _check(builder, good, bad)
    assert damaged[0] == 1, damaged[2]
    assert _verdicts(damaged[1]) == _verdicts(cold[1])
    warm = _check(builder, good, bad, env={"PATH": _no_gpg_path(builder.tmp)})
    assert warm[0] == 1, warm[2]
    assert _verdicts(warm[1]) == _verdicts(cold[1])
