"""A deployment target: which files an installer could take there, and which markers hold.

The target is named with pip's own options (`--python-version`, `--platform`, `--implementation`,
`--abi`) and they mean what they mean to pip: the compatible tags are computed as pip's
`get_supported` does (packaging.tags, with pip's expansion of `manylinux2014`, `manylinux2010` and
`macosx_X_Y` platforms to the older ones they accept; `manylinux_2_28` is not expanded, as pip does
not). An option left out takes the running interpreter's value, again as pip does. Or the target
is read from an interpreter (`--target-from-interpreter`): its own `sys_tags()` and marker
environment, computed by running it.

Environment markers are evaluated once per platform named, with the fields a platform tag decides
(sys_platform, platform_system, os_name, platform_machine) and the Python version and
implementation; the other fields are the running interpreter's. A requirement is skipped only when
its marker holds for none of them.

A file whose name is unknown counts as one an installer could take: an unknown file is never left
out of the judgement.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import packaging
from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.markers import default_environment as running_environment
from packaging.tags import (
    Tag,
    compatible_tags,
    cpython_tags,
    generic_tags,
    interpreter_name,
    interpreter_version,
    mac_platforms,
)
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from signoff.attest.errors import InputError

_APPLE_ARCH = re.compile(r"(.+)_(\d+)_(\d+)_(.+)")
_PYTHON_VERSION = re.compile(r"(\d)(?:\.?(\d+))?(?:\.(\d+))?")
_IMPLEMENTATION_NAMES = {"cp": ("cpython", "CPython"), "pp": ("pypy", "PyPy"),
                         "ip": ("ironpython", "IronPython"), "jy": ("jython", "Jython"),
                         "gp": ("graalpy", "GraalVM")}


@dataclass(frozen=True)
class Target:
    """Where a deployment installs: its compatible wheel tags and its marker environments."""

    tags: frozenset[Tag]
    """Every wheel tag an installer accepts there."""
    environments: tuple[Mapping[str, str], ...]
    """Marker environments, one per platform; a marker holds when it holds in any."""
    label: str
    """How reports name the target: `--platform win_amd64 --python-version 3.11`."""

    def marker_holds(self, marker: str | None) -> bool:
        """Whether a requirement with this environment marker is installed on the target."""
        if marker is None or not marker.strip():
            return True
        parsed = Marker(marker)  # InvalidMarker (a ValueError) names what is wrong
        for environment in self.environments:
            try:
                # As pip reads a requirements file: no extra is asked for.
                if parsed.evaluate({**environment, "extra": ""}):
                    return True
            except (UndefinedComparison, UndefinedEnvironmentName):
                return True  # what cannot be evaluated is not left out
        return False

    def accepts(self, filename: str | None) -> bool:
        """Whether an installer could take this file on the target: a wheel whose tags fit,
        any sdist, and any file whose name is unknown or not a wheel's."""
        tags = wheel_tags(filename)
        return tags is None or not self.tags.isdisjoint(tags)


def wheel_tags(filename: str | None) -> frozenset[Tag] | None:
    """The tags of a wheel's file name; None for anything else (an sdist, no name)."""
    if filename is None or not filename.endswith(".whl"):
        return None
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None


def platform_specific(filename: str | None) -> bool:
    """Whether a wheel name fits only some platforms (not `any`), so another target's file."""
    tags = wheel_tags(filename)
    return tags is not None and all(tag.platform != "any" for tag in tags)


def target_from_options(python_version: str | None, platforms: Sequence[str],
                        implementation: str | None, abis: Sequence[str]) -> Target | None:
    """The target pip's options name, or None when none is given (every file counts)."""
    if python_version is None and not platforms and implementation is None and not abis:
        return None
    version = _python_version(python_version) if python_version is not None else None
    nodot = "".join(str(p) for p in version[:2]) if version is not None else None
    impl = implementation or interpreter_name()
    interpreter = f"{impl}{nodot or interpreter_version()}"
    expanded = _expand_platforms(platforms) or None
    found: list[Tag] = []
    abi_list = list(abis) or None
    if impl == "cp":
        found += cpython_tags(python_version=version, abis=abi_list, platforms=expanded)
    else:
        found += generic_tags(interpreter=interpreter, abis=abi_list, platforms=expanded)
    found += compatible_tags(python_version=version, interpreter=interpreter, platforms=expanded)
    label = " ".join(
        [f"--python-version {python_version}"] * (python_version is not None)
        + [f"--platform {p}" for p in platforms]
        + [f"--implementation {implementation}"] * (implementation is not None)
        + [f"--abi {a}" for a in abis])
    chosen: list[str | None] = list(platforms) or [None]
    environments = tuple(_environment(version, impl, p) for p in chosen)
    return Target(frozenset(found), environments, label)


def target_from_interpreter(path: Path) -> Target:
    """The target of a Python interpreter, read by running it: its tags and marker environment.

    The interpreter imports this process's `packaging`, so it needs nothing installed."""
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
              "from packaging import tags, markers; "
              "print(json.dumps({'tags': [str(t) for t in tags.sys_tags()], "
              "'environment': markers.default_environment()}))")
    packaging_parent = str(Path(packaging.__file__).resolve().parent.parent)
    try:
        done = subprocess.run([str(path), "-I", "-c", script, packaging_parent],
                              capture_output=True, text=True, timeout=60, check=False)
    except OSError as e:
        raise InputError(f"cannot run the interpreter: {e.strerror}", file=path) from e
    except subprocess.TimeoutExpired as e:
        raise InputError("the interpreter did not answer within 60 seconds", file=path) from e
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(f"the interpreter failed to report its tags: {last}", file=path)
    try:
        answer = json.loads(done.stdout)
        tags = frozenset(Tag(*str(t).split("-")) for t in answer["tags"])
        environment = {str(k): str(v) for k, v in dict(answer["environment"]).items()}
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"the interpreter's answer is not understood: {e}", file=path) from e
    return Target(tags, (environment,), f"--target-from-interpreter {path}")


def _python_version(text: str) -> tuple[int, ...]:
    # pip accepts "3", "3.11", "311" and "3.11.4".
    match = _PYTHON_VERSION.fullmatch(text.strip())
    if match is None:
        raise InputError(f"--python-version {text!r}: expected a version like 3.11 or 311")
    return tuple(int(part) for part in match.groups() if part is not None)


def _expand_platforms(platforms: Sequence[str]) -> list[str]:
    """pip's `_expand_allowed_platforms`: each platform and the older ones it accepts."""
    result: list[str] = []
    for platform in platforms:
        prefix, _, suffix = platform.partition("_")
        match = _APPLE_ARCH.match(platform)
        if platform.startswith("macosx") and match:
            _name, major, minor, arch = match.groups()
            more = list(mac_platforms((int(major), int(minor)), arch))
        elif prefix == "manylinux2014" and suffix in ("i686", "x86_64"):
            more = [platform, f"manylinux2010_{suffix}", f"manylinux1_{suffix}"]
        elif prefix == "manylinux2010":
            more = [platform, f"manylinux1_{suffix}"]
        else:
            more = [platform]
        result += [p for p in more if p not in result]
    return result


def _environment(version: tuple[int, ...] | None, impl: str, platform: str | None
                 ) -> dict[str, str]:
    """The marker environment of a target: the running one, with what the options decide."""
    environment: dict[str, str] = {k: str(v) for k, v in running_environment().items()}
    if version is not None:
        environment["python_version"] = ".".join(str(p) for p in version[:2])
        full = list(version) + [0] * (3 - len(version))
        environment["python_full_version"] = ".".join(str(p) for p in full[:3])
        environment["implementation_version"] = environment["python_full_version"]
    if impl in _IMPLEMENTATION_NAMES:
        environment["implementation_name"], environment["platform_python_implementation"] = (
            _IMPLEMENTATION_NAMES[impl])
    if platform is not None:
        environment.update(_platform_environment(platform))
    return environment


def _platform_environment(platform: str) -> dict[str, str]:
    if platform.startswith("win"):
        machine = {"win32": "x86", "win_amd64": "AMD64", "win_arm64": "ARM64"}.get(platform, "")
        return {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                "platform_machine": machine}
    if platform.startswith("macosx"):
        match = _APPLE_ARCH.match(platform)
        arch = match.group(4) if match else ""
        machine = "arm64" if arch == "arm64" else "x86_64" if arch in ("x86_64", "intel") else arch
        return {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                "platform_machine": machine}
    if "linux" in platform:
        machine = re.sub(r"^(many|musl)?linux(_\d+_\d+|1|2010|2014)?_", "", platform)
        return {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                "platform_machine": machine}
    return {}
