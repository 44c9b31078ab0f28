"""Release files given directly, or folders of them (what `pip download -d DIR` leaves behind).

Project and version come from the file name (packaging's wheel and sdist name parsers). The
sha256 is not computed here unless asked for (`hash_now=True`): the checker must never read more
than the attested size plus one byte, and it only knows that size once it has looked up the
attestations for the file's (project, version, filename). So by default each file comes out with
an empty `sha256`, no size and `local_path` set, and the checker calls `hash_local(file, limit)`
with the largest attested size; a `truncated` result means the file is larger than anything
attested, and fails without having been read to its end.

A folder is read one level deep, in name order. Entries whose names do not end like a release
archive (a README, a `.json`, a sub-folder) are skipped: pip's `--find-links` ignores them too.
An archive-looking name that does not parse as a wheel or sdist name, or that is not a regular
file (a FIFO, a device, a dangling symlink), is a problem that fails the check. Symlinks are
followed: what matters is the content pip would install, and that content is what gets hashed.
"""

from __future__ import annotations

import dataclasses
import stat
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from signoff.attest.errors import InputFormatError
from signoff.attest.hashing import hash_file
from signoff.attest.model import release_name_and_version
from signoff.attest.names import normalize_project, normalize_version
from signoff.trust.inputs.interface import DeploymentInput, InputContents
from signoff.trust.release import InputProblem, ReleaseFile

# What pip's --find-links considers an archive; names ending otherwise are not release files.
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar",
                    ".tgz", ".egg")


def parse_release_filename(filename: str) -> tuple[str, str]:
    """(normalised project, normalised version) from a wheel or sdist name; ValueError otherwise."""
    name, version = release_name_and_version(filename)
    return normalize_project(name), normalize_version(version)


def version_of(filename: str, version: str | None, source: str, project: str
               ) -> str | InputProblem:
    """A lock entry's version, or else the one its file name gives; a problem when neither."""
    if version is not None:
        return version
    try:
        return parse_release_filename(filename)[1]
    except ValueError:
        return InputProblem(source, filename, "has no version, and its file name gives none",
                            project)


def filename_from_location(location: str) -> str:
    """The file name ending a URL or a path: `https://h/a-1.0.tar.gz#x` gives `a-1.0.tar.gz`."""
    parsed = urllib.parse.urlsplit(location)
    path = parsed.path if parsed.scheme else location
    return urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])


def local_path_of(url: str) -> Path | None:
    """The local path a `file:` URL names, or None for any other URL."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    return Path(urllib.request.url2pathname(parsed.path))


@dataclass(frozen=True)
class LocalHash:
    """The result of hashing a local release file within a byte limit."""

    file: ReleaseFile
    """The file with `sha256` and `size` filled in (meaningless when `truncated`)."""
    truncated: bool
    """The file holds more than the limit: only limit + 1 bytes were read."""


def hash_local(file: ReleaseFile, limit: int | None = None) -> LocalHash:
    """Hash `file.local_path`, reading at most `limit + 1` bytes when a limit is given."""
    if file.local_path is None:
        raise ValueError(f"{file.source}: no local copy to hash")
    digest = hash_file(file.local_path, limit)
    return LocalHash(dataclasses.replace(file, sha256=digest.sha256, size=digest.size),
                     digest.truncated)


def local_release_file(path: Path, source: str, *, hash_now: bool = False
                       ) -> ReleaseFile | InputProblem:
    """A release file for a local path, or the problem that stops it being checked."""
    try:
        project, version = parse_release_filename(path.name)
    except ValueError as e:
        return InputProblem(source, path.name, str(e))
    try:
        mode = path.stat().st_mode
    except OSError as e:
        return InputProblem(source, path.name, f"cannot read the file: {e.strerror}",
                            project, version)
    if not stat.S_ISREG(mode):
        return InputProblem(source, path.name, "is not a regular file", project, version)
    file = ReleaseFile(project, version, "", filename=path.name, source=source, local_path=path)
    return hash_local(file).file if hash_now else file


class ReleaseFilesInput(DeploymentInput):
    """One release file, or a folder of them."""

    def __init__(self, path: Path, *, hash_now: bool = False) -> None:
        self.path = path
        self.hash_now = hash_now
        """Hash every file whole now, instead of leaving it to a bounded `hash_local`."""

    def read(self) -> InputContents:
        """The release files at the path; a missing path is an `InputFormatError`."""
        if not self.path.exists():
            raise InputFormatError("no such file or folder", file=self.path)
        if self.path.is_dir():
            candidates = sorted(
                (entry for entry in self.path.iterdir()
                 if entry.name.endswith(ARCHIVE_SUFFIXES) and not entry.name.startswith(".")),
                key=lambda entry: entry.name)
        else:
            candidates = [self.path]
        files: list[ReleaseFile] = []
        problems: list[InputProblem] = []
        for entry in candidates:
            if entry.is_dir():
                continue
            found = local_release_file(entry, str(entry), hash_now=self.hash_now)
            if isinstance(found, ReleaseFile):
                files.append(found)
            else:
                problems.append(found)
        return InputContents(tuple(files), tuple(problems))
