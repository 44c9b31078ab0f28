"""signoff's own wheel builds cleanly, and a new registry's CI installs it, pinned, in each of the
three ways `registry init --signoff-source` offers, by running the workflow's own install step.

Everything is local: the build's backend comes from the machine's wheel folder, the wheel is
served by a `file://` URL, the git source is a repository in a temporary folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from signoff.attest.errors import InputError
from signoff.registry.signoff_source import (
    SourceKind,
    parse_source,
    source_from_direct_url,
)
from signoff.registry.templates import pages_template_files, template_files
from tests.harness.cli import run_cli
from tests.harness.git import git
from tests.test_templates_zizmor import zizmor

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "README.md", "api", "attest", "registry", "trust")


def _clean_env() -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE makes setuptools log "byte-compiling is disabled": not ours.
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class BuiltWheel:
    """signoff's wheel, built from the source tree, and what the build printed."""

    path: Path
    log: str

    @property
    def sha256(self) -> str:
        """The wheel's sha256."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> BuiltWheel:
    """`python -m build --wheel` on a copy of the source tree (the build backend is installed
    from the machine's local wheels, offline)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "src"
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir",
                           str(work / "dist"), str(source)], capture_output=True, text=True,
                          check=False, env=_clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = (work / "dist").glob("signoff-*.whl")
    return BuiltWheel(built, done.stdout + done.stderr)


def test_the_wheel_builds_without_a_warning_and_holds_only_signoff(wheel: BuiltWheel) -> None:
    assert not re.search(r"warn|deprecat", wheel.log, re.I), wheel.log
    names = zipfile.ZipFile(wheel.path).namelist()
    assert all(n.startswith(("signoff/", "signoff-0.1.0.dist-info/")) for n in names), names
    for needed in ("signoff/py.typed", "signoff/trust/cli/main.py",
                   "signoff/registry/templates/.github/workflows/validate.yml",
                   "signoff/registry/templates/CONTRIBUTING.md",
                   "signoff/trust/site/templates/base.html"):
        assert needed in names


# ---- the forms of --signoff-source ------------------------------------------------------

SHA = "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(("spec", "kind", "first_command"), [
    (f"signoff==0.1.0 --hash=sha256:{SHA}", SourceKind.INDEX,
     f"printf '%s\\n' 'signoff==0.1.0 --hash=sha256:{SHA}' > \"$RUNNER_TEMP/signoff.txt\""),
    (f"https://example.org/dl/signoff-0.1.0-py3-none-any.whl#sha256={SHA}", SourceKind.ARCHIVE,
     f'python -m pip install "signoff @ https://example.org/dl/signoff-0.1.0-py3-none-any.whl'
     f'#sha256={SHA}"'),
    (f"git+https://github.com/example/signoff.git@{COMMIT}", SourceKind.GIT,
     f'python -m pip install "signoff @ git+https://github.com/example/signoff.git@{COMMIT}"'),
])
def test_each_form_is_pinned_and_passes_zizmor(spec: str, kind: SourceKind, first_command: str,
                                                tmp_path: Path) -> None:
    source = parse_source(spec)
    assert (source.kind, source.spec()) == (kind, spec)
    assert source.install_commands()[0] == first_command
    files = {**template_files(source), **pages_template_files(["A" * 40], source)}
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    assert "signoff[serve]" in files[".github/workflows/pages.yml"].decode()
    assert f'pip install "{source.requirement()}"' in files["CONTRIBUTING.md"].decode()
    for persona in ("regular", "auditor"):
        done = subprocess.run([zizmor(), "--offline", f"--persona={persona}", "--no-progress",
                               str(tmp_path / ".github" / "workflows")],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "No findings" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("spec", [
    "signoff==0.1.0",                                         # no hash
    "signoff>=0.1 --hash=sha256:" + SHA,                      # not one version
    f"http://example.org/signoff-0.1.0-py3-none-any.whl#sha256={SHA}",   # not https
    "https://example.org/signoff-0.1.0-py3-none-any.whl",     # no hash
    f"https://example.org/signoff.html#sha256={SHA}",          # not an archive
    "git+https://github.com/example/signoff.git@main",        # a branch moves
    "git+https://github.com/example/signoff.git@0123abc",     # a short commit
    f'git+https://example.org/$(touch /tmp/x)"@{COMMIT}',     # shell in the URL
    f"https://example.org/a b/signoff-0.1.0.whl#sha256={SHA}",  # a space
])
def test_unpinned_or_unsafe_sources_are_refused_and_nothing_is_created(spec: str,
                                                                        tmp_path: Path) -> None:
    with pytest.raises(InputError):
        parse_source(spec)
    done = run_cli("registry", "init", str(tmp_path / "reg"), "--signoff-source", spec)
    assert done.returncode == 2 and done.stderr.startswith("signoff: error: --signoff-source")
    assert "hint: give one of: signoff==VERSION --hash=sha256:HEX" in done.stderr \
        or "must name a wheel" in done.stderr
    assert not (tmp_path / "reg").exists()


def test_without_a_source_init_uses_how_signoff_was_installed_or_refuses(tmp_path: Path) -> None:
    # This test's signoff is an editable install of a local folder: CI could not reach it.
    done = run_cli("registry", "init", str(tmp_path / "reg"), env={"SIGNOFF_SOURCE": ""})
    assert done.returncode == 2 and "no --signoff-source given" in done.stderr
    assert not (tmp_path / "reg").exists()
    by_env = run_cli("registry", "init", str(tmp_path / "reg"), "--format", "json",
                     env={"SIGNOFF_SOURCE": f"git+https://example.org/s.git@{COMMIT}"})
    assert by_env.returncode == 0, by_env.stdout + by_env.stderr
    assert json.loads(by_env.stdout)["signoff_source"] == f"git+https://example.org/s.git@{COMMIT}"


@pytest.mark.parametrize(("direct_url", "spec"), [
    ({"url": "https://github.com/example/signoff.git",
      "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"}},
     f"git+https://github.com/example/signoff.git@{COMMIT}"),
    ({"url": "https://example.org/signoff-0.1.0-py3-none-any.whl",
      "archive_info": {"hashes": {"sha256": SHA}}},
     f"https://example.org/signoff-0.1.0-py3-none-any.whl#sha256={SHA}"),
    ({"url": "https://example.org/signoff-0.1.0.tar.gz", "archive_info": {"hash": f"sha256={SHA}"}},
     f"https://example.org/signoff-0.1.0.tar.gz#sha256={SHA}"),
    ({"url": "file:///home/me/signoff", "dir_info": {"editable": True}}, None),
    ({"url": "file:///tmp/signoff-0.1.0-py3-none-any.whl",
      "archive_info": {"hashes": {"sha256": SHA}}}, None),
    ({"url": "https://example.org/signoff-0.1.0-py3-none-any.whl", "archive_info": {}}, None),
    ({"url": "https://github.com/example/signoff.git",
      "vcs_info": {"vcs": "git", "commit_id": "abc"}}, None),
])
def test_the_default_follows_pep_610_only_when_pinned_and_reachable(
        direct_url: dict[str, object], spec: str | None) -> None:
    found = source_from_direct_url(json.dumps(direct_url))
    assert (found.spec() if found else None) == spec


# ---- the install step, run for real -----------------------------------------------------


@dataclass(frozen=True)
class CiRunner:
    """A fresh virtual environment standing in for the CI runner's Python."""

    venv: Path
    temp: Path

    def run_install_step(self, workflow: bytes, extra_env: dict[str, str] | None = None
                         ) -> subprocess.CompletedProcess[str]:
        """Run the workflow's "install signoff" step as GitHub would: `bash -e` on its script,
        with the venv's python first on PATH and RUNNER_TEMP set."""
        steps = yaml.safe_load(workflow)["jobs"]
        (step,) = [s for job in steps.values() for s in job["steps"]
                   if s.get("name") == "install signoff"]
        env = {**os.environ, "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
               "RUNNER_TEMP": str(self.temp), "VIRTUAL_ENV": str(self.venv),
               **(extra_env or {})}
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], capture_output=True, text=True, check=False,
                              env=env, cwd=self.temp)

    def installed(self) -> tuple[str, dict[str, object] | None]:
        """The installed signoff's `--version` line and its PEP 610 record."""
        version = subprocess.run([str(self.venv / "bin" / "signoff"), "--version"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        code = ("import importlib.metadata as m, sys; "
                "sys.stdout.write(m.distribution('signoff').read_text('direct_url.json') or "
                "'null')")
        record = subprocess.run([str(self.venv / "bin" / "python"), "-c", code],
                                capture_output=True, text=True, check=True,
                                cwd=self.temp).stdout  # not beside a source tree's egg-info
        return version, json.loads(record)


@pytest.fixture(scope="module")
def runner(wheel: BuiltWheel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CiRunner]:
    """One venv for the module, its dependencies installed once (from local wheels) so that
    each test only fetches and checks signoff itself."""
    work = tmp_path_factory.mktemp("ci")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    # A current pip, as setup-python gives (the bundled one refuses git+file:// URLs).
    subprocess.run([*pip, "--upgrade", "pip"], check=True, capture_output=True)
    subprocess.run([*pip, str(wheel.path)], check=True, capture_output=True)
    temp = work / "runner-temp"
    temp.mkdir()
    yield CiRunner(venv, temp)


@pytest.fixture
def ci(runner: CiRunner) -> CiRunner:
    """The runner with no signoff installed."""
    subprocess.run([str(runner.venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "-q",
                    "signoff"], check=True, capture_output=True)
    return runner


def test_a_wheel_url_with_its_sha256_installs(ci: CiRunner, wheel: BuiltWheel) -> None:
    source = parse_source(f"{wheel.path.as_uri()}#sha256={wheel.sha256}")
    done = ci.run_install_step(template_files(source)[".github/workflows/validate.yml"])
    assert done.returncode == 0, done.stdout + done.stderr
    version, record = ci.installed()
    assert version == "signoff 0.1.0"
    assert record is not None and record["archive_info"] == {
        "hash": f"sha256={wheel.sha256}", "hashes": {"sha256": wheel.sha256}}


def test_a_wheel_url_with_another_sha256_is_refused(ci: CiRunner, wheel: BuiltWheel) -> None:
    source = parse_source(f"{wheel.path.as_uri()}#sha256={'0' * 64}")
    done = ci.run_install_step(template_files(source)[".github/workflows/validate.yml"])
    assert done.returncode != 0 and "HASHES" in done.stderr, done.stdout + done.stderr


def test_an_index_release_with_its_sha256_installs(ci: CiRunner, wheel: BuiltWheel,
                                                   tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    shutil.copy2(wheel.path, index / wheel.path.name)
    links = {"PIP_FIND_LINKS": f"{index} {os.environ.get('PIP_FIND_LINKS', '')}".strip()}
    good = parse_source(f"signoff==0.1.0 --hash=sha256:{wheel.sha256}")
    done = ci.run_install_step(pages_template_files(["A" * 40], good)[
        ".github/workflows/pages.yml"], links)
    assert done.returncode == 0, done.stdout + done.stderr
    version, record = ci.installed()
    assert version == "signoff 0.1.0" and record is None  # from an index: no direct URL
    subprocess.run([str(ci.venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", "-q",
                    "signoff"], check=True)
    bad = parse_source(f"signoff==0.1.0 --hash=sha256:{'0' * 64}")
    refused = ci.run_install_step(template_files(bad)[".github/workflows/validate.yml"], links)
    assert refused.returncode != 0 and "HASHES" in refused.stderr


def test_a_git_repository_at_a_commit_installs(ci: CiRunner, tmp_path: Path) -> None:
    repo = tmp_path / "signoff.git"
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            repo.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "signoff")
    commit = git(repo, "rev-parse", "HEAD").strip()
    (repo / "README.md").write_text("moved on\n")
    git(repo, "commit", "-q", "-am", "a later commit the pin must not pick up")
    source = parse_source(f"git+{repo.as_uri()}@{commit}")
    done = ci.run_install_step(template_files(source)[".github/workflows/validate.yml"])
    assert done.returncode == 0, done.stdout + done.stderr
    version, record = ci.installed()
    assert version == "signoff 0.1.0"
    assert record is not None and record["vcs_info"]["commit_id"] == commit  # type: ignore[index]
