"""Small, real wheels and sdists, built offline with fixed timestamps: for the demo and tests.

Wheels are complete enough for pip and uv to install (METADATA, WHEEL, RECORD with hashes).
Sdists are valid archives (PKG-INFO, pyproject.toml) meant to be hashed and listed. Archive
timestamps are fixed so a file's sha256 is the same on every run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

# 1980-01-01, the earliest time a zip entry can hold.
_EPOCH = (1980, 1, 1, 0, 0, 0)
_EPOCH_SECONDS = 315532800


@dataclass(frozen=True)
class Dist:
    """One release file written by this helper."""

    project: str
    """PEP 503 normalised project name."""
    version: str
    """Version as written in the file name."""
    path: Path
    """Where the file was written."""
    sha256: str
    """Lower-case hex digest of the file."""
    size: int
    """Size of the file in bytes."""

    @property
    def filename(self) -> str:
        """The file's name."""
        return self.path.name


def _digest(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def _metadata(name: str, version: str, requires: Sequence[str],
              extras: dict[str, Sequence[str]]) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
             f"Summary: test project {name}"]
    lines += [f"Requires-Dist: {req}" for req in requires]
    for extra, reqs in extras.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {req} ; extra == "{extra}"' for req in reqs]
    return "\n".join(lines) + "\n\n"


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def build_wheel(folder: Path, name: str, version: str, requires: Sequence[str] = (),
                extras: dict[str, Sequence[str]] | None = None, tag: str = "py3-none-any"
                ) -> Dist:
    """Write `{name}-{version}-{tag}.whl` into `folder`: a wheel pip installs (pure Python
    unless `tag` names a platform, e.g. `cp311-cp311-manylinux_2_17_x86_64`)."""
    stem = str(canonicalize_name(name)).replace("-", "_")
    dist_info = f"{stem}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{stem}/__init__.py": f'"""{name} {version}"""\nVERSION = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": _metadata(name, version, requires, extras or {}).encode(),
        f"{dist_info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: signoff-tests\n"
                               f"Root-Is-Purelib: {str(tag.endswith('-any')).lower()}\n"
                               f"Tag: {tag}\n").encode(),
    }
    record = [_record_line(arc, data) for arc, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = folder / f"{stem}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in files.items():
            zf.writestr(zipfile.ZipInfo(arcname, date_time=_EPOCH), data)
    sha256, size = _digest(path)
    return Dist(str(canonicalize_name(name)), version, path, sha256, size)


def build_sdist(folder: Path, name: str, version: str, requires: Sequence[str] = ()) -> Dist:
    """Write `{name}-{version}.tar.gz` (PEP 625 name) into `folder`: PKG-INFO and pyproject.toml."""
    stem = str(canonicalize_name(name)).replace("-", "_")
    root = f"{stem}-{version}"
    deps = ", ".join(f'"{req}"' for req in requires)
    files = {
        f"{root}/PKG-INFO": _metadata(name, version, requires, {}).encode(),
        f"{root}/pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=68"]\n'
            'build-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{deps}]\n'
        ).encode(),
        f"{root}/{stem}/__init__.py": f'VERSION = "{version}"\n'.encode(),
    }
    path = folder / f"{root}.tar.gz"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for arcname, data in files.items():
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            info.mtime = _EPOCH_SECONDS
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    # gzip with a fixed mtime so the digest does not change from run to run.
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    sha256, size = _digest(path)
    return Dist(str(canonicalize_name(name)), version, path, sha256, size)


