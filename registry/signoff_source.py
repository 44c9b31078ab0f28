"""Where a registry's CI installs signoff from: always pinned, by sha256 or by git commit.

`registry init --signoff-source SPEC` takes one of three forms:

- `signoff==VERSION --hash=sha256:HEX`: a release from the package index, checked against its
  sha256 (pip's hash-checking mode, the requirements-file syntax);
- `URL#sha256=HEX`: a wheel or sdist at an `https://` (or `file://`) URL, checked against its
  sha256 (pip's own URL syntax);
- `git+URL@COMMIT`: a git repository at a full 40-hex commit, which cannot move.

Without SPEC, a new registry installs signoff the way the running signoff was installed, when
that is such a pinned, reachable source (PEP 610's `direct_url.json`: a git commit, or an
https archive with its sha256). Otherwise there is no default that would work in CI: signoff is
not on any index, and a local folder or file is not reachable from a CI runner.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from urllib.parse import urlsplit

from signoff.attest.errors import InputError

FORMS = ("signoff==VERSION --hash=sha256:HEX", "https://.../signoff-VERSION-py3-none-any.whl"
         "#sha256=HEX", "git+https://.../signoff.git@COMMIT (40 hex)")
"""The forms of a source, as error messages and help list them."""

# Characters a URL may hold here: enough for real URLs, nothing a shell or YAML would read.
_URL = r"[A-Za-z0-9._~:/?\[\]@!&'()*+,;=%-]+"
_INDEX = re.compile(
    r"signoff==(?P<version>[A-Za-z0-9.+!_-]+)\s+--hash=sha256:(?P<sha>[0-9a-f]{64})")
_ARCHIVE = re.compile(rf"(?P<url>(?:https|file)://{_URL})#sha256=(?P<sha>[0-9a-f]{{64}})")
_GIT = re.compile(rf"git\+(?P<url>(?:https|ssh|file)://{_URL})@(?P<commit>[0-9a-f]{{40}})")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip")


class SourceKind(StrEnum):
    """How signoff is fetched."""

    INDEX = "index"
    ARCHIVE = "archive"
    GIT = "git"


@dataclass(frozen=True)
class SignoffSource:
    """A pinned place to install signoff from."""

    kind: SourceKind
    """Index release, archive URL, or git commit."""
    location: str
    """The version (index), the URL (archive) or the repository URL (git)."""
    pin: str
    """The sha256 (index, archive) or the 40-hex commit (git)."""

    def spec(self) -> str:
        """The SPEC that gives this source back."""
        match self.kind:
            case SourceKind.INDEX:
                return f"signoff=={self.location} --hash=sha256:{self.pin}"
            case SourceKind.ARCHIVE:
                return f"{self.location}#sha256={self.pin}"
            case SourceKind.GIT:
                return f"git+{self.location}@{self.pin}"

    def requirement(self, extras: str = "") -> str:
        """A pip requirement for it (the index form's hash is checked by `install_commands`)."""
        match self.kind:
            case SourceKind.INDEX:
                return f"signoff{extras}=={self.location}"
            case SourceKind.ARCHIVE | SourceKind.GIT:
                return f"signoff{extras} @ {self.spec()}"

    def install_commands(self, extras: str = "") -> list[str]:
        """Shell commands that install it, pinned, with its dependencies (for a CI step)."""
        if self.kind is not SourceKind.INDEX:
            return [f'python -m pip install "{self.requirement(extras)}"']
        # pip checks hashes only for a requirements file, and then demands them for every
        # dependency too: so signoff alone first, hash-checked, then its dependencies.
        return [f"printf '%s\\n' '{self.spec()}' > \"$RUNNER_TEMP/signoff.txt\"",
                'python -m pip install --no-deps --require-hashes -r "$RUNNER_TEMP/signoff.txt"',
                f'python -m pip install "{self.requirement(extras)}"']


def parse_source(spec: str) -> SignoffSource:
    """A SPEC as `registry init --signoff-source` takes it; InputError names the forms."""
    text = spec.strip()
    if found := _INDEX.fullmatch(text):
        return SignoffSource(SourceKind.INDEX, found["version"], found["sha"])
    if found := _GIT.fullmatch(text):
        return SignoffSource(SourceKind.GIT, found["url"], found["commit"])
    if found := _ARCHIVE.fullmatch(text):
        if not urlsplit(found["url"]).path.endswith(_ARCHIVE_SUFFIXES):
            raise InputError(f"--signoff-source {spec!r}: the URL must name a wheel (.whl) or "
                             "an sdist (.tar.gz, .zip)")
        return SignoffSource(SourceKind.ARCHIVE, found["url"], found["sha"])
    raise InputError(f"--signoff-source {spec!r} is not pinned the way CI needs",
                     hint="give one of: " + "; ".join(FORMS)
                     + " (the sha256 and the commit in lower-case hex)")


def installed_source() -> SignoffSource | None:
    """The pinned source the running signoff was installed from, if CI can reach it."""
    try:
        raw = metadata.distribution("signoff").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    return source_from_direct_url(raw) if raw else None


def source_from_direct_url(raw: str) -> SignoffSource | None:
    """A PEP 610 `direct_url.json` as a pinned source: a git commit over https or ssh, or an
    https archive with its sha256; None for anything else (an index, a local folder)."""
    try:
        info = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(info, dict):
        return None
    url = str(info.get("url", ""))
    vcs, archive = info.get("vcs_info"), info.get("archive_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and url.startswith(("https://",
                                                                              "ssh://")):
        spec = f"git+{url}@{vcs.get('commit_id', '')}"
    elif isinstance(archive, dict) and url.startswith("https://"):
        hashes = archive.get("hashes")
        sha = hashes.get("sha256") if isinstance(hashes, dict) else None
        if sha is None and str(archive.get("hash", "")).startswith("sha256="):
            sha = str(archive["hash"]).removeprefix("sha256=")
        spec = f"{url}#sha256={sha}"
    else:
        return None
    try:
        return parse_source(spec)
    except InputError:
        return None
