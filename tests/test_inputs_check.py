"""Every real tool's output, checked against a real registry that vets some of the files.

alice vets every wheel except foobar 2.0.1's; nobody vets the sdists. Each tool resolves
`alpha[fast]`, `foobar==2.0.*` and `zeta-pkg`, so each check must fail on foobar 2.0.1 and only on
it (and on the sdists, for the tools that list them), and pass once the input asks for foobar 2.0.
"""

from __future__ import annotations

import hashlib
import sys

import pytest

from signoff.trust.decide.checker import CheckReport
from signoff.trust.outcomes import Code
from signoff.trust.report.words import describe
from tests.builder import RegistryBuilder
from tests.dists import (
    DistSet,
    build_standard_set,
    pip_has_lock,
    run_tool,
    venv_tool,
    write_simple_index,
)
from tests.harness.cli import run_cli

TOP_LEVEL = ["alpha[fast]", "foobar==2.0.*", "zeta-pkg"]
PYPROJECT = ('[project]\nname = "myapp"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
             'dependencies = ["alpha[fast]", "foobar==2.0.*", "zeta-pkg"]\n')


@pytest.fixture()
def vetted(builder: RegistryBuilder) -> DistSet:
    dists = build_standard_set(builder.dist)
    for dist in dists.dists.values():
        if dist.filename.endswith(".whl") and dist.filename != "foobar-2.0.1-py3-none-any.whl":
            builder.approve("alice", dist.path)
    builder.policy(roots=["alice"], signers=1)
    return dists


def failing(report: CheckReport) -> set[str]:
    return {v.file.filename or f"{v.file.project}=={v.file.version}:{v.file.sha256[:8]}"
            for v in report.verdicts if not v.passed}


def named(dists: DistSet, report: CheckReport) -> set[str]:
    """File names of the failing verdicts, also for inputs that give only hashes."""
    by_hash = {d.sha256: d.filename for d in dists.dists.values()}
    return {v.file.filename or by_hash[v.file.sha256] for v in report.verdicts if not v.passed}


def test_pip_compile_output(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    (work / "requirements.in").write_text("\n".join(TOP_LEVEL) + "\n")
    run_tool([venv_tool("pip-compile"), "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(vetted.folder), "-o", "requirements.txt", "requirements.in"],
             work, work / "cache")
    report = builder.check(work / "requirements.txt")
    assert not report.passed and report.problems == ()
    assert named(vetted, report) == {"foobar-2.0.1-py3-none-any.whl", "foobar-2.0.1.tar.gz",
                                     "alpha-1.0.tar.gz", "beta-1.1.tar.gz"}


def test_uv_pip_compile_output_through_the_cli(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    (work / "requirements.in").write_text("alpha[fast]\nfoobar==2.0\nzeta-pkg\n")
    run_tool([venv_tool("uv"), "pip", "compile", "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(vetted.folder), "requirements.in", "-o", "requirements.txt"],
             work, work / "cache")
    done = run_cli("check", "-r", str(work / "requirements.txt"), "--policy",
                   str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    (work / "requirements.in").write_text("\n".join(TOP_LEVEL) + "\n")
    # A new output file: uv keeps the pins of an existing one, and foobar 2.0 still fits.
    run_tool([venv_tool("uv"), "pip", "compile", "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(vetted.folder), "requirements.in", "-o", "latest.txt"],
             work, work / "cache")
    done = run_cli("check", str(work / "latest.txt"), "--policy",
                   str(builder.tmp / "signoff-policy.yaml"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "foobar" in done.stdout


def test_pip_report(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    run_tool([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
              "--report", "report.json", "--no-index", "--find-links", str(vetted.folder),
              *TOP_LEVEL], work, work / "cache")
    report = builder.check(work / "report.json")
    assert failing(report) == {"foobar-2.0.1-py3-none-any.whl"}
    assert len(report.verdicts) == 5


@pytest.mark.skipif(not pip_has_lock(), reason="this pip has no `pip lock` (pip >= 25.1 has it; "
                    "`make` upgrades pip in .venv)")
def test_pip_lock(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    run_tool([sys.executable, "-m", "pip", "lock", "--quiet", "--no-index", "--find-links",
              str(vetted.folder), *TOP_LEVEL, "-o", "pylock.toml"], work, work / "cache")
    report = builder.check(work / "pylock.toml")
    assert failing(report) == {"foobar-2.0.1-py3-none-any.whl"}
    assert len(report.verdicts) == 5


def test_uv_lock_with_hashes(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    index = write_simple_index(vetted, work / "simple")
    (work / "pyproject.toml").write_text(PYPROJECT)
    run_tool([venv_tool("uv"), "lock", "--quiet", "--default-index", index.as_uri()], work,
             work / "cache")
    report = builder.check(work / "uv.lock")
    assert failing(report) == {"foobar-2.0.1-py3-none-any.whl", "foobar-2.0.1.tar.gz",
                               "alpha-1.0.tar.gz", "beta-1.1.tar.gz"}


def test_uv_lock_of_local_files_hashes_them_bounded(builder: RegistryBuilder,
                                                    vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(PYPROJECT)
    run_tool([venv_tool("uv"), "lock", "--quiet", "--no-index", "--find-links",
              str(vetted.folder)], work, work / "cache")
    report = builder.check(work / "uv.lock")
    assert failing(report) == {"foobar-2.0.1-py3-none-any.whl", "foobar-2.0.1.tar.gz",
                               "alpha-1.0.tar.gz", "beta-1.1.tar.gz"}
    gamma = vetted.wheel("gamma", "0.5")
    passed = {v.file.filename: v.file for v in report.verdicts if v.passed}
    assert (passed[gamma.filename].sha256, passed[gamma.filename].size) == (gamma.sha256,
                                                                          gamma.size)
    # Someone swaps the vetted wheel for another file of the same name: both hashes are named.
    original = gamma.path.read_bytes()
    gamma.path.write_bytes(original + b"x")
    report = builder.check(work / "uv.lock")
    verdict = next(v for v in report.verdicts if v.file.filename == gamma.filename)
    assert not verdict.passed
    assert verdict.reasons[0].code is Code.LOCAL_FILE_DIFFERS
    assert verdict.reasons[0].params["sha256"] == hashlib.sha256(original + b"x").hexdigest()
    assert verdict.reasons[0].params["attested"] == [{"sha256": gamma.sha256,
                                                      "size": gamma.size}]
    assert "larger" not in describe(verdict.reasons[0])
    # A huge file of the same name: refused, not read whole.
    with gamma.path.open("r+b") as f:
        f.truncate(1 << 40)
    report = builder.check(work / "uv.lock")
    verdict = next(v for v in report.verdicts if v.file.filename == gamma.filename)
    assert not verdict.passed
    assert verdict.reasons[0].code is Code.LARGER_THAN_ATTESTED


def test_pip_download_folder(builder: RegistryBuilder, vetted: DistSet) -> None:
    work = builder.tmp / "work"
    work.mkdir()
    run_tool([sys.executable, "-m", "pip", "download", "--quiet", "--no-index", "--find-links",
              str(vetted.folder), "-d", "downloaded", *TOP_LEVEL], work, work / "cache")
    report = builder.check(work / "downloaded")
    assert failing(report) == {"foobar-2.0.1-py3-none-any.whl"}
    assert len(report.verdicts) == 5
