"""`signoff lock`: vetted locks from real tool output, enforced by real pip's hash-checking mode."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import pytest

from signoff.attest.errors import InputError
from signoff.trust.decide.checker import CheckSession
from signoff.trust.decide.lock import MARK, LockResult, lock
from signoff.trust.demo.sample_dists import build_wheel
from signoff.trust.inputs.requirements import parse_requirements
from signoff.trust.policy.policy import load_policy
from tests.builder import RegistryBuilder
from tests.dists import DistSet, build_standard_set, pip_has_lock, run_tool, tool_env, venv_tool
from tests.harness.cli import run_cli

TOP_LEVEL = "alpha[fast]\nfoobar==2.0.*\nzeta-pkg\n"


def vetted_set(builder: RegistryBuilder, unvetted: Collection[str] = ()) -> DistSet:
    """The standard set in the builder's dist folder; alice approves every wheel not named."""
    dists = build_standard_set(builder.dist)
    for dist in dists.dists.values():
        if dist.filename.endswith(".whl") and dist.filename not in unvetted:
            builder.approve("alice", dist.path)
    builder.policy(roots=["alice"], signers=1)
    return dists


def run_lock(builder: RegistryBuilder, given: Path, output: Path) -> LockResult:
    with CheckSession.open(load_policy(builder.tmp / "signoff-policy.yaml")) as session:
        return lock(given, session.check, output, session.attested_files)


def pip_install(requirements: Path, find_links: Path, target: Path, cwd: Path,
                no_deps: bool = False) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", str(find_links),
         "--target", str(target), "--require-hashes", *(["--no-deps"] * no_deps),
         "-r", str(requirements)],
        cwd=cwd, env=tool_env(cwd / "cache"), capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr


def installed(target: Path) -> set[str]:
    return {p.name for p in target.iterdir() if p.name.endswith(".dist-info")}


def pip_compile(dists: DistSet, work: Path, top_level: str = TOP_LEVEL) -> Path:
    (work / "requirements.in").write_text(top_level)
    # No --find-links line in the output: each test says where pip may look.
    run_tool([venv_tool("pip-compile"), "--quiet", "--generate-hashes", "--no-emit-find-links",
              "--no-index",
              "--find-links", str(dists.folder), "--output-file", "requirements.txt",
              "requirements.in"], work, work / "cache")
    return work / "requirements.txt"


def test_pip_installs_what_the_vetted_lock_allows(builder: RegistryBuilder) -> None:
    dists = vetted_set(builder)
    work = builder.tmp / "work"
    work.mkdir()
    given = pip_compile(dists, work)
    result = run_lock(builder, given, work / "vetted.txt")
    assert result.passed
    # Every sdist hash was dropped (nobody vetted them); every wheel hash kept.
    assert {f.file.sha256 for f in result.files if f.kept} == {
        d.sha256 for d in dists.dists.values()
        if d.filename.endswith(".whl") and d.sha256 in given.read_text()}
    assert all(not f.kept for f in result.files if f.file.sha256 in
               {d.sha256 for d in dists.dists.values() if d.filename.endswith(".tar.gz")})
    text = (work / "vetted.txt").read_text()
    assert "# via -r requirements.in" in text  # comments kept
    assert all(d.sha256 not in text for d in dists.dists.values()
               if d.filename.endswith(".tar.gz"))
    code, output = pip_install(work / "vetted.txt", dists.folder, work / "target", work)
    assert code == 0, output
    assert installed(work / "target") == {"alpha-1.0.dist-info", "beta-1.1.dist-info",
                                          "gamma-0.5.dist-info", "foobar-2.0.1.dist-info",
                                          "zeta_pkg-3.0.dist-info"}


def test_pip_refuses_a_file_that_is_not_the_vetted_one(builder: RegistryBuilder) -> None:
    dists = vetted_set(builder)
    work = builder.tmp / "work"
    work.mkdir()
    result = run_lock(builder, pip_compile(dists, work), work / "vetted.txt")
    assert result.passed
    # Another folder where beta 1.1 is a different wheel of the same name (never vetted).
    other = work / "other"
    other.mkdir()
    for dist in dists.dists.values():
        if dist.filename.endswith(".whl") and dist.project != "beta":
            (other / dist.filename).write_bytes(dist.path.read_bytes())
    build_wheel(other, "beta", "1.1", requires=["gamma"])
    code, output = pip_install(work / "vetted.txt", other, work / "target", work)
    assert code != 0
    assert "DO NOT MATCH THE HASHES" in output
    assert not (work / "target").exists() or not installed(work / "target")


def test_a_requirement_without_a_vetted_file_stays_pinned_without_hashes_and_pip_refuses(
        builder: RegistryBuilder) -> None:
    dists = vetted_set(builder, unvetted={"beta-1.1-py3-none-any.whl"})
    work = builder.tmp / "work"
    work.mkdir()
    given = pip_compile(dists, work)
    result = run_lock(builder, given, work / "vetted.txt")
    assert not result.passed
    (beta,) = result.unvetted
    assert beta.requirement == "beta==1.1"
    assert "no vetted file" in beta.reason
    lines = (work / "vetted.txt").read_text().splitlines()
    at = lines.index("beta==1.1")
    assert lines[at - 1].startswith(f"{MARK} beta==1.1: no vetted file: ")
    assert "--require-hashes" in lines
    # Pinned without a hash: pip refuses the whole install, with or without --no-deps.
    for no_deps in (False, True):
        code, output = pip_install(work / "vetted.txt", dists.folder, work / "target", work,
                                   no_deps=no_deps)
        assert code != 0
        assert "beta==1.1" in output and "hash" in output.lower()
        assert not (work / "target").exists() or not installed(work / "target")


def test_hand_written_requirements_keep_comments_markers_and_order(
        builder: RegistryBuilder) -> None:
    dists = vetted_set(builder)
    work = builder.tmp / "work"
    (work / "sub").mkdir(parents=True)
    alpha_wheel, alpha_sdist = (dists.of("alpha", "1.0")[0], dists.of("alpha", "1.0")[1])
    assert alpha_sdist.filename.endswith(".tar.gz")
    beta = dists.wheel("beta", "1.1")
    gamma = dists.wheel("gamma", "0.5")
    foobar_new = dists.wheel("foobar", "2.0.1")
    (work / "constraints.txt").write_text("beta<2\n")
    (work / "sub" / "more.txt").write_text(
        "# more requirements\n-c ../constraints.txt\n"
        f"gamma==0.5 --hash=sha256:{gamma.sha256}\n")
    (work / "requirements.txt").write_text(
        "# top comment\n"
        "--find-links ./elsewhere\n"
        f"alpha[fast]==1.0 ; python_version >= '3' \\\n"
        f"    --hash=sha256:{alpha_sdist.sha256} \\\n"
        f"    --hash=sha512:{'0' * 128} \\\n"
        f"    --hash=sha256:{alpha_wheel.sha256}\n"
        "    # via something\n"
        f"beta==1.1 --hash=sha256:{beta.sha256}  # trailing comment\n"
        "-r sub/more.txt\n"
        "zeta-pkg>=3\n"
        f"foobar==2.0.1 --hash=sha256:{alpha_sdist.sha256}\n"
        f"foobar==2.0.1 --hash=sha256:{foobar_new.sha256}\n")
    out_dir = builder.tmp / "out"
    result = run_lock(builder, work / "requirements.txt", out_dir / "vetted.txt")
    text = (out_dir / "vetted.txt").read_text()
    lines = text.splitlines()
    assert lines[0].startswith(MARK) and lines[1].startswith(MARK)
    assert lines[2] == "--require-hashes"
    lines = lines[2:]
    assert lines[1:7] == [
        "# top comment",
        "--find-links ./elsewhere",
        "alpha[fast]==1.0 ; python_version >= '3' \\",
        f"    --hash=sha256:{alpha_wheel.sha256}",
        "    # via something",
        f"beta==1.1 --hash=sha256:{beta.sha256}  # trailing comment",
    ]
    assert lines[7] == f"{MARK} -r sub/more.txt (inlined below, vetted)"
    assert lines[8:12] == ["# more requirements", "-c ../work/constraints.txt",
                           f"gamma==0.5 --hash=sha256:{gamma.sha256}",
                           f"{MARK} end of more.txt"]
    # What cannot be vetted stays, without any hash, so that pip refuses it.
    assert lines[12].startswith(f"{MARK} zeta-pkg>=3 is not pinned")
    assert lines[13] == "zeta-pkg>=3"
    assert lines[14].startswith(f"{MARK} foobar==2.0.1: no vetted file")
    assert lines[15] == "foobar==2.0.1"
    assert lines[16] == f"foobar==2.0.1 --hash=sha256:{foobar_new.sha256}"
    assert len(lines) == 17
    assert [u.requirement for u in result.unvetted] == ["zeta-pkg>=3", "foobar==2.0.1"]
    # The output is itself a valid requirements file naming only vetted files.
    again = parse_requirements(out_dir / "vetted.txt")
    assert {h for e in again.entries for h in e.sha256} == {
        alpha_wheel.sha256, beta.sha256, gamma.sha256, foobar_new.sha256}


@pytest.mark.skipif(not pip_has_lock(), reason="this pip has no `pip lock` (pip >= 25.1 has it; "
                    "`make` upgrades pip in .venv)")
def test_pylock_keeps_vetted_files_and_pip_installs_from_it(builder: RegistryBuilder) -> None:
    dists = vetted_set(builder, unvetted={"zeta_pkg-3.0-py3-none-any.whl"})
    work = builder.tmp / "work"
    work.mkdir()
    (work / "requirements.in").write_text("alpha[fast]\nfoobar==2.0.*\n")
    run_tool([sys.executable, "-m", "pip", "lock", "--quiet", "--no-index", "--find-links",
              str(dists.folder), "-r", "requirements.in", "-o", "pylock.toml"],
             work, work / "cache")
    result = run_lock(builder, work / "pylock.toml", work / "out" / "pylock.toml")
    assert result.passed
    code, output = pip_install(work / "out" / "pylock.toml", dists.folder, work / "target", work)
    assert code == 0, output
    assert installed(work / "target") == {"alpha-1.0.dist-info", "beta-1.1.dist-info",
                                          "gamma-0.5.dist-info", "foobar-2.0.1.dist-info"}
    # Now with an unvetted package: its sources go, and pip refuses the lock.
    (work / "requirements.in").write_text("alpha\nzeta-pkg\n")
    run_tool([sys.executable, "-m", "pip", "lock", "--quiet", "--no-index", "--find-links",
              str(dists.folder), "-r", "requirements.in", "-o", "pylock.toml"],
             work, work / "cache")
    result = run_lock(builder, work / "pylock.toml", work / "out2" / "pylock.toml")
    assert not result.passed
    (zeta,) = result.unvetted
    assert zeta.requirement == "zeta-pkg==3.0"
    text = (work / "out2" / "pylock.toml").read_text()
    assert "zeta_pkg-3.0-py3-none-any.whl" in text.split("\n\n")[0]  # named in the header
    assert "url = " + repr(dists.wheel("zeta-pkg", "3.0").path.as_uri()).replace("'", '"') \
        not in text
    code, output = pip_install(work / "out2" / "pylock.toml", dists.folder, work / "target2",
                               work)
    assert code != 0
    # pip refuses the package with no source left, naming it by its place in the lock.
    assert zeta.source.rsplit(": ", 1)[1] in output and "must be set" in output


def test_hand_written_pylock_drops_failing_files(builder: RegistryBuilder) -> None:
    dists = vetted_set(builder)
    alpha_wheel, alpha_sdist = dists.of("alpha", "1.0")
    path = builder.tmp / "pylock.toml"
    path.write_text(
        '# written by hand\nlock-version = "1.0"\ncreated-by = "hand"\n\n'
        '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        f'sdist = {{ name = "{alpha_sdist.filename}", url = "https://h.invalid/a.tar.gz", '
        f'hashes = {{ sha256 = "{alpha_sdist.sha256}" }} }}\n'
        f'wheels = [{{ name = "{alpha_wheel.filename}", url = "https://h.invalid/a.whl", '
        f'hashes = {{ sha256 = "{alpha_wheel.sha256}" }} }}]\n\n'
        '[[packages]]\nname = "app"\ndirectory = { path = "." }\n')
    result = run_lock(builder, path, builder.tmp / "out.toml")
    assert result.passed
    text = (builder.tmp / "out.toml").read_text()
    assert alpha_wheel.sha256 in text
    assert f"removed {alpha_sdist.filename}" in text
    assert f'sdist = {{ name = "{alpha_sdist.filename}"' not in text
    assert "# written by hand" in text and 'directory = { path = "." }' in text


def test_lock_refuses_other_inputs(builder: RegistryBuilder) -> None:
    vetted_set(builder)
    with pytest.raises(InputError, match="requirements file"):
        run_lock(builder, builder.dist, builder.tmp / "out.txt")


def test_lock_command_exit_codes_and_summary(builder: RegistryBuilder) -> None:
    dists = vetted_set(builder, unvetted={"gamma-0.5-py3-none-any.whl"})
    work = builder.tmp / "work"
    work.mkdir()
    given = pip_compile(dists, work)
    policy = str(builder.tmp / "signoff-policy.yaml")
    done = run_cli("lock", str(given), "-o", str(work / "out.txt"), "--policy", policy)
    assert done.returncode == 1, done.stderr
    output = done.stdout + done.stderr
    assert "1 requirements without a vetted file" in output
    assert "gamma==0.5: no vetted file" in output
    given = pip_compile(dists, work, "foobar==2.0\n")
    done = run_cli("lock", "-r", str(given), "-o", str(work / "out.txt"), "--policy", policy)
    assert done.returncode == 0, done.stderr
    done = run_cli("lock", str(given), "--policy", policy)
    assert done.returncode == 2 and done.stderr.startswith("signoff: error: "), done.stderr


def test_lock_refuses_to_replace_anything_but_a_regular_file(tmp_path: Path) -> None:
    from signoff.attest.errors import LockError
    from signoff.trust.decide.lock import _write_verified

    target = tmp_path / "link.txt"
    target.symlink_to(tmp_path / "elsewhere.txt")
    for output in (Path("/dev/null"), target, tmp_path):
        with pytest.raises(LockError, match="not a regular file"):
            _write_verified(output, "x\n", lambda: None)
    assert not (tmp_path / "elsewhere.txt").exists()
    kept = tmp_path / "kept.txt"
    kept.write_text("original\n")

    def refuse() -> None:
        raise LockError("verification failed", file=kept)

    with pytest.raises(LockError):
        _write_verified(kept, "new\n", refuse)
    assert kept.read_text() == "original\n"  # nothing is lost when verification fails
