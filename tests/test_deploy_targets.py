"""A multi-platform project, resolved by real pip-compile and uv, checked for one target, locked,
and installed by real pip: issue 10's trial, on a loopback index.

The index (PEP 503/691 on 127.0.0.1) holds:
- app 1.0 (wheel, sdist): needs fastcore>=2, util, and colorama on Windows only;
- fastcore 2.0: wheels for manylinux_2_17_x86_64, win_amd64 and macosx_11_0_arm64, and an sdist;
- util 1.0 and colorama 0.4.6 (wheel, sdist each).
alice, the policy's root, approves everything but colorama and the Windows and macOS wheels.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from signoff.trust.demo.sample_dists import Dist, build_sdist, build_wheel
from tests.builder import RegistryBuilder
from tests.dists import tool_env, venv_tool
from tests.harness.cli import run_cli
from tests.simple_upstream import FakeUpstream, serve_upstream

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64",
    reason="installs a manylinux x86_64 wheel with real pip; this machine cannot take it")

LINUX = ["--platform", "manylinux_2_17_x86_64", "--python-version", "3.11"]
WINDOWS = ["--platform", "win_amd64", "--python-version", "3.11"]
# abi3 from CPython 3.8 on: the Linux wheel installs into the interpreter running the tests.
ABI = "cp38-abi3"
UNVETTED = {"fastcore-2.0-cp38-abi3-win_amd64.whl", "fastcore-2.0-cp38-abi3-macosx_11_0_arm64.whl",
            "colorama-0.4.6-py3-none-any.whl", "colorama-0.4.6.tar.gz"}


@dataclass
class Scene:
    """The registry, the served index, and a work folder."""

    builder: RegistryBuilder
    index: str
    dists: dict[str, Dist]
    work: Path

    @property
    def policy(self) -> str:
        return str(self.builder.tmp / "signoff-policy.yaml")

    def tool(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A packaging tool, offline but for the loopback index."""
        env = tool_env(self.work / "cache")
        env.pop("UV_OFFLINE", None)  # uv must reach the loopback index; nothing else is named
        done = subprocess.run(list(args), cwd=self.work, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        return done

    def pip_install(self, requirements: Path, into: Path, no_deps: bool
                    ) -> subprocess.CompletedProcess[str]:
        return self.tool(sys.executable, "-m", "pip", "install", "--index-url", self.index,
                         "--only-binary", ":all:", "--target", str(into), "--require-hashes",
                         *(["--no-deps"] * no_deps), "-r", str(requirements))

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli("check", *args, "--policy", self.policy, "--color", "never",
                       env={"COLUMNS": "200"})

    def check_json(self, *args: str) -> tuple[int, dict[str, Any]]:
        done = run_cli("check", *args, "--policy", self.policy, "--format", "json")
        return done.returncode, json.loads(done.stdout)


def installed(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.endswith(".dist-info")} \
        if folder.exists() else set()


@pytest.fixture
def scene(builder: RegistryBuilder) -> Iterator[Scene]:
    folder = builder.dist
    made = [
        build_wheel(folder, "app", "1.0",
                    ["fastcore>=2", "util", 'colorama; sys_platform == "win32"']),
        build_sdist(folder, "app", "1.0", ["fastcore>=2", "util"]),
        build_wheel(folder, "fastcore", "2.0", tag=f"{ABI}-manylinux_2_17_x86_64"),
        build_wheel(folder, "fastcore", "2.0", tag=f"{ABI}-win_amd64"),
        build_wheel(folder, "fastcore", "2.0", tag=f"{ABI}-macosx_11_0_arm64"),
        build_sdist(folder, "fastcore", "2.0"),
        build_wheel(folder, "util", "1.0"),
        build_sdist(folder, "util", "1.0"),
        build_wheel(folder, "colorama", "0.4.6"),
        build_sdist(folder, "colorama", "0.4.6"),
    ]
    upstream = FakeUpstream()
    for dist in made:
        upstream.add(dist.path)
        if dist.filename not in UNVETTED:
            builder.approve("alice", dist.path)
    builder.policy(roots=["alice"], signers=1)
    work = builder.tmp / "work"
    work.mkdir()
    (work / "requirements.in").write_text("app\n")
    with serve_upstream(upstream) as index:
        yield Scene(builder, index, {d.filename: d for d in made}, work)


def pip_compile(scene: Scene) -> Path:
    done = scene.tool(venv_tool("pip-compile"), "--quiet", "--generate-hashes", "--index-url",
                      scene.index, "--no-emit-index-url", "--output-file", "compiled.txt",
                      "requirements.in")
    assert done.returncode == 0, done.stderr
    return scene.work / "compiled.txt"


def uv_compile(scene: Scene) -> Path:
    done = scene.tool(venv_tool("uv"), "pip", "compile", "--quiet", "--generate-hashes",
                      "--universal", "--index-url", scene.index, "--no-header",
                      "--output-file", "universal.txt", "requirements.in")
    assert done.returncode == 0, done.stderr
    return scene.work / "universal.txt"


def rows(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    requirements = document["requirements"]
    assert isinstance(requirements, list)
    return {r["project"]: r for r in requirements}


def test_pip_compile_output_one_row_per_requirement_and_a_target(scene: Scene) -> None:
    compiled = pip_compile(scene)
    text = compiled.read_text()
    # pip-compile lists every file of each pin: all three fastcore wheels and its sdist.
    assert all(d.sha256 in text for name, d in scene.dists.items() if "fastcore" in name)
    index = ["--index-url", scene.index]

    done = scene.check(str(compiled), *index)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("3 requirements: 2 pass, 0 exempt, 1 fail under policy ")
    assert sum("fastcore" in line for line in lines) == 1  # one row, not one per file
    assert "2/4" in next(line for line in lines if "fastcore" in line)
    assert any("3 files are wheels for particular platforms" in line for line in lines)
    assert any("--platform" in line for line in lines)

    # For the Linux target only the Linux wheel and the sdist count: both vetted.
    done = scene.check(str(compiled), *index, *LINUX)
    assert done.returncode == 0, done.stdout + done.stderr
    fastcore = next(line for line in done.stdout.splitlines() if "fastcore" in line)
    assert "2/2" in fastcore and "pass" in fastcore
    assert "fastcore-2.0-cp38-abi3-manylinux_2_17_x86_64.whl" in fastcore  # names, not hashes
    assert "sha256:" not in done.stdout
    assert done.stdout.splitlines()[-1].startswith(
        "3 requirements: 3 pass, 0 exempt, 0 fail under ")

    # The same from the running interpreter (Linux x86_64, CPython >= 3.8).
    done = scene.check(str(compiled), *index, "--target-from-interpreter", sys.executable)
    assert done.returncode == 0, done.stdout + done.stderr

    # For Windows the unvetted Windows wheel counts: pip could take it there.
    code, document = scene.check_json(str(compiled), *index, *WINDOWS)
    assert code == 1
    row = rows(document)["fastcore"]
    assert (row["status"], row["files_vetted"], row["files_installable"]) == ("fail", 1, 2)
    files = {f["filename"]: f for f in row["files"]}
    assert files["fastcore-2.0-cp38-abi3-win_amd64.whl"]["status"] == "fail"
    assert files["fastcore-2.0-cp38-abi3-macosx_11_0_arm64.whl"]["installable"] is False
    assert row["reason_file"] == "fastcore-2.0-cp38-abi3-win_amd64.whl"
    done = scene.check(str(compiled), *index, *WINDOWS)
    assert "│ fastcore │ 2.0     │   1/2 │ fail   │ fastcore-2.0-cp38-abi3-win_amd64.whl: no " \
        "attestations" in done.stdout

    # Without --index-url a hash the input does not name counts: it is never left out unseen.
    done = scene.check(str(compiled), *LINUX)
    assert done.returncode == 1


def test_uv_universal_output_skips_what_the_marker_excludes(scene: Scene) -> None:
    universal = uv_compile(scene)
    assert "sys_platform == 'win32'" in universal.read_text()
    index = ["--index-url", scene.index]
    code, document = scene.check_json(str(universal), *index)
    assert code == 1
    assert rows(document)["colorama"]["status"] == "fail"
    assert document["summary"] == {"pass": 2, "fail": 2, "exempt": 0, "skipped": 0}

    done = scene.check(str(universal), *index, *LINUX)
    assert done.returncode == 0, done.stdout
    colorama = next(line for line in done.stdout.splitlines() if "colorama" in line)
    assert "skipped" in colorama and "excludes the target" in colorama
    assert done.stdout.splitlines()[-1].startswith(
        "4 requirements: 3 pass, 0 exempt, 0 fail, 1 skipped on the target under policy ")

    done = scene.check(str(universal), *index, *WINDOWS, "--quiet")
    assert done.returncode == 1
    shown = done.stdout.splitlines()
    assert any("colorama" in line for line in shown)
    assert not any(line.startswith("│ util") for line in shown)  # quiet: failures only


def test_lock_for_the_target_and_install_with_real_pip(scene: Scene) -> None:
    compiled = pip_compile(scene)
    vetted = scene.work / "vetted.txt"
    done = run_cli("lock", str(compiled), "-o", str(vetted), "--policy", scene.policy,
                   "--index-url", scene.index, *LINUX)
    assert done.returncode == 0, done.stdout + done.stderr
    text = vetted.read_text()
    for name, dist in scene.dists.items():
        assert (dist.sha256 in text) == (name not in UNVETTED and "colorama" not in name), name
    for no_deps in (False, True):
        into = scene.work / f"target-{no_deps}"
        installing = scene.pip_install(vetted, into, no_deps)
        assert installing.returncode == 0, installing.stderr
        assert installed(into) == {"app-1.0.dist-info", "fastcore-2.0.dist-info",
                                   "util-1.0.dist-info"}

    # uv's universal output: colorama (Windows only) has no vetted file; for Linux it is
    # skipped, so the lock passes, and pip on Linux never reads it.
    universal = uv_compile(scene)
    done = run_cli("lock", str(universal), "-o", str(scene.work / "uv-vetted.txt"),
                   "--policy", scene.policy, "--index-url", scene.index, *LINUX)
    assert done.returncode == 0, done.stdout + done.stderr
    installing = scene.pip_install(scene.work / "uv-vetted.txt", scene.work / "uv-target", False)
    assert installing.returncode == 0, installing.stderr
    # For Windows the lock fails, and colorama stays pinned without a hash.
    done = run_cli("lock", str(universal), "-o", str(scene.work / "win.txt"),
                   "--policy", scene.policy, "--index-url", scene.index, *WINDOWS)
    assert done.returncode == 1
    lines = (scene.work / "win.txt").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("colorama==0.4.6"))
    assert lines[at - 1].startswith("# signoff lock: colorama==0.4.6")
    assert "--hash" not in lines[at] and not lines[at].endswith("\\")


def test_a_lock_with_an_unvetted_requirement_installs_nothing_either_way(scene: Scene) -> None:
    compiled = pip_compile(scene)
    for name in ("util-1.0-py3-none-any.whl", "util-1.0.tar.gz"):
        scene.builder.reject("alice", scene.dists[name].path)
    vetted = scene.work / "vetted.txt"
    done = run_cli("lock", str(compiled), "-o", str(vetted), "--policy", scene.policy,
                   "--index-url", scene.index, *LINUX)
    assert done.returncode == 1
    assert "util==1.0: no vetted file: rejected by" in done.stdout
    assert "util==1.0\n" in vetted.read_text()
    for no_deps in (False, True):
        into = scene.work / f"target-{no_deps}"
        installing = scene.pip_install(vetted, into, no_deps)
        assert installing.returncode != 0, installing.stdout
        assert "util==1.0" in installing.stderr
        assert installed(into) == set()


def test_lock_fills_in_the_hashes_of_a_pinned_list(scene: Scene) -> None:
    pinned = scene.work / "pinned.txt"
    pinned.write_text("app==1.0\nfastcore==2.0\nutil==1.0\n")
    done = scene.check(str(pinned))
    assert done.returncode == 1  # no hashes: nothing to check
    vetted = scene.work / "vetted.txt"
    done = run_cli("lock", str(pinned), "-o", str(vetted), "--policy", scene.policy)
    assert done.returncode == 0, done.stdout + done.stderr
    text = vetted.read_text()
    assert scene.dists["fastcore-2.0-cp38-abi3-manylinux_2_17_x86_64.whl"].sha256 in text
    assert scene.dists["fastcore-2.0-cp38-abi3-win_amd64.whl"].sha256 not in text
    assert scene.check(str(vetted), "--index-url", scene.index, *LINUX).returncode == 0
    installing = scene.pip_install(vetted, scene.work / "target", False)
    assert installing.returncode == 0, installing.stderr
    assert installed(scene.work / "target") == {"app-1.0.dist-info", "fastcore-2.0.dist-info",
                                                "util-1.0.dist-info"}


def test_uv_lock_markers_come_from_the_dependency_edges(scene: Scene) -> None:
    (scene.work / "pyproject.toml").write_text(
        '[project]\nname = "myapp"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["app"]\n')
    done = scene.tool(venv_tool("uv"), "lock", "--quiet", "--default-index", scene.index)
    assert done.returncode == 0, done.stderr
    lock = scene.work / "uv.lock"
    code, document = scene.check_json(str(lock))
    assert code == 1
    assert rows(document)["colorama"]["marker"] == "((sys_platform == 'win32'))"
    code, document = scene.check_json(str(lock), *LINUX)
    assert code == 0, document
    assert rows(document)["colorama"]["status"] == "skipped"
    assert rows(document)["fastcore"]["files_installable"] == 2  # uv.lock names its files
    assert run_cli("check", str(lock), "--policy", scene.policy, *WINDOWS).returncode == 1

    # Locked into a requirements file for Linux: pip installs it, colorama never read.
    vetted = scene.work / "from-uv.txt"
    done = run_cli("lock", str(lock), "-o", str(vetted), "--policy", scene.policy, *LINUX)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "colorama==0.4.6 ; ((sys_platform == 'win32'))" in vetted.read_text()
    for no_deps in (False, True):
        into = scene.work / f"uv-target-{no_deps}"
        installing = scene.pip_install(vetted, into, no_deps)
        assert installing.returncode == 0, installing.stderr
        assert installed(into) == {"app-1.0.dist-info", "fastcore-2.0.dist-info",
                                   "util-1.0.dist-info"}
