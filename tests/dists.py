"""The standard set of small, real release files, and running the real packaging tools on it.

Wheels and sdists come from `trust.sample_dists` (complete wheels pip and uv install; sdists to
hash and list, not to build: no build backend is available offline, so the standard set has a
wheel beside each sdist and the resolvers pick the wheel). The tools run offline, with every
machine-wide pip and uv setting cleared, against `--find-links` on the folder or a `file:` simple
index written here.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from signoff.trust.demo.sample_dists import Dist, build_sdist, build_wheel


@dataclass(frozen=True)
class DistSet:
    """The standard set of test release files, by file name."""

    folder: Path
    """The folder holding them, usable as `--find-links`."""
    dists: dict[str, Dist]
    """Every file written, by file name."""

    def of(self, project: str, version: str) -> list[Dist]:
        """The files of one project version, sorted by name."""
        return sorted((d for d in self.dists.values()
                       if d.project == canonicalize_name(project) and d.version == version),
                      key=lambda d: d.filename)

    def wheel(self, project: str, version: str) -> Dist:
        """The wheel of one project version."""
        return next(d for d in self.of(project, version) if d.filename.endswith(".whl"))


def hashed_requirements(path: Path, *files: Path) -> Path:
    """A requirements file at `path` pinning each release file by name, version and sha256."""
    path.write_text("".join(
        f"{f.name.split('-')[0]}=={f.name.split('-')[1]} "
        f"--hash=sha256:{hashlib.sha256(f.read_bytes()).hexdigest()}\n" for f in files))
    return path


def build_standard_set(folder: Path) -> DistSet:
    """Write the standard set: `alpha` needs `beta`, `alpha[fast]` adds `gamma`, two `foobar`s.

    - alpha 1.0 (wheel, sdist): requires beta>=1.0; extra `fast` requires gamma.
    - beta 1.0 (wheel), beta 1.1 (wheel, sdist).
    - gamma 0.5 (wheel).
    - foobar 2.0 and 2.0.1 (wheel, sdist each).
    - Zeta_Pkg 3.0 (wheel): a name that normalises.
    """
    folder.mkdir(parents=True, exist_ok=True)
    made = [
        build_wheel(folder, "alpha", "1.0", ["beta>=1.0"], {"fast": ["gamma"]}),
        build_sdist(folder, "alpha", "1.0", ["beta>=1.0"]),
        build_wheel(folder, "beta", "1.0"),
        build_wheel(folder, "beta", "1.1"),
        build_sdist(folder, "beta", "1.1"),
        build_wheel(folder, "gamma", "0.5"),
        build_wheel(folder, "foobar", "2.0"),
        build_sdist(folder, "foobar", "2.0"),
        build_wheel(folder, "foobar", "2.0.1"),
        build_sdist(folder, "foobar", "2.0.1"),
        build_wheel(folder, "Zeta_Pkg", "3.0"),
    ]
    return DistSet(folder, {d.filename: d for d in made})


def write_simple_index(dists: DistSet, folder: Path) -> Path:
    """Write a PEP 503 simple index of `dists` with `file:` links carrying `#sha256=` fragments.

    uv records hashes in `uv.lock` for files from an index like this, as it does for PyPI; for
    files found through `--find-links` on a local folder it records only their paths.
    """
    by_project: dict[str, list[Dist]] = {}
    for dist in dists.dists.values():
        by_project.setdefault(dist.project, []).append(dist)
    for project, files in by_project.items():
        links = "".join(
            f'<a href="{d.path.resolve().as_uri()}#sha256={d.sha256}">{d.filename}</a>\n'
            for d in sorted(files, key=lambda d: d.filename))
        (folder / project).mkdir(parents=True, exist_ok=True)
        (folder / project / "index.html").write_text(
            f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    return folder


def tool_env(cache: Path) -> dict[str, str]:
    """The environment for running pip, pip-tools and uv offline, ignoring machine configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update({
        "PIP_CONFIG_FILE": os.devnull,  # no pip.conf: its find-links and indexes are not ours
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
        "UV_NO_CONFIG": "1",
        "UV_OFFLINE": "1",
        "UV_CACHE_DIR": str(cache),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
    })
    return env


def venv_tool(name: str) -> str:
    """A console script installed beside the running interpreter (pip-compile, uv)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: install the test extras (pip install -e .[test])")
    return str(path)


def run_tool(args: Sequence[str], cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    """Run a packaging tool offline in `cwd`; AssertionError with its output when it fails."""
    done = subprocess.run(list(args), cwd=cwd, env=tool_env(cache), capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}\n"
                             f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
    return done


@functools.cache
def pip_has_lock() -> bool:
    """Whether the pip beside the running interpreter has the `pip lock` command (pip >= 25.1)."""
    done = subprocess.run([sys.executable, "-m", "pip", "lock", "--help"], capture_output=True,
                          text=True, check=False, env=tool_env(Path(os.devnull)))
    return done.returncode == 0
