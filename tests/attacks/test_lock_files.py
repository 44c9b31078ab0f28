"""Attacks through lock files and folders: pylock.toml source kinds, uv.lock sources, pip
reports, and folders of release files.

Each lock names the vetted `alpha` wheel where signoff looks, and gives an installer another
way in: a source tree, a second kind of source, another hash, a path. `check` must fail, naming
the file; `lock` must leave no source an installer could take that is not vetted.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from tests.attacks.deploy_kit import Deployment, check, deployment, failed_closed, lock

__all__ = ["deployment"]  # the module-scoped fixture, used by every test

HEADER = 'lock-version = "1.0"\ncreated-by = "attacker"\n\n'


def _alpha_wheel(deployment: Deployment, digest: str | None = None) -> str:
    return (f'wheels = [{{ name = "{deployment.vetted.path.name}", '
            f'url = "https://files.invalid/{deployment.vetted.path.name}", '
            f'hashes = {{ sha256 = "{digest or deployment.vetted.sha256}" }} }}]\n')


def _pylock(folder: Path, packages: str) -> Path:
    path = folder / "pylock.toml"
    path.write_text(HEADER + packages)
    return path


def _installable(output: Path) -> list[tuple[str, set[str]]]:
    """Every package of a written pylock with the source kinds an installer could use, and
    every sha256 it names."""
    document = tomllib.loads(output.read_text())
    found = []
    for package in document.get("packages", []):
        kinds = {k for k in ("vcs", "directory", "archive", "sdist", "wheels") if k in package}
        found.append((package["name"], kinds))
    return found


def _hashes(output: Path) -> set[str]:
    document = tomllib.loads(output.read_text())
    found = set()
    for package in document.get("packages", []):
        files = [*package.get("wheels", []), package.get("sdist"), package.get("archive")]
        for file in filter(None, files):
            found.update(file.get("hashes", {}).values())
    return found


@pytest.mark.parametrize("vcs", [
    'vcs = { type = "git", url = "https://example.invalid/alpha.git", commit-id = "ab12" }\n',
    'vcs = { type = "git", path = "../alpha", commit-id = "ab12" }\n',
    'vcs = { type = "hg", url = "https://example.invalid/alpha", requested-revision = "x" }\n',
])
def test_pylock_vcs_beside_a_vetted_wheel(deployment: Deployment, vcs: str,
                                          tmp_path: Path) -> None:
    """Hole 10: a package with a `vcs` source beside a vetted wheel. check failed it, but lock
    kept the vcs table while its header said it was removed; an installer preferring vcs
    installs unvetted code. The attacker gains an install of any commit. PEP 751 forbids the
    mix: both commands refuse it, and lock writes nothing."""
    given = _pylock(tmp_path, f'[[packages]]\nname = "alpha"\nversion = "1.0"\n{vcs}'
                    + _alpha_wheel(deployment))
    failed_closed(check(deployment, given), given, 2, "packages[0]", "vcs")
    output = tmp_path / "out" / "pylock.toml"
    failed_closed(lock(deployment, given, output), given, 2, "vcs")
    assert not output.exists()


@pytest.mark.parametrize("directory", ['{ path = "." }', '{ path = "./" }',
                                       '{ path = "../alpha", editable = true }'])
def test_pylock_directory_beside_an_unvetted_wheel(deployment: Deployment, directory: str,
                                                   tmp_path: Path) -> None:
    """Hole 11: a package with a `directory` source plus a wheel with an unvetted hash. check
    passed it ("nothing was checked") and lock wrote the unvetted hash. The attacker gains an
    unvetted wheel installed from a lock signoff approved."""
    given = _pylock(tmp_path, f'[[packages]]\nname = "alpha"\nversion = "1.0"\n'
                    f"directory = {directory}\n" + _alpha_wheel(deployment, deployment.evil.sha256))
    failed_closed(check(deployment, given), given, 2, "directory")
    output = tmp_path / "out" / "pylock.toml"
    failed_closed(lock(deployment, given, output), given, 2)
    assert not output.exists()


@pytest.mark.parametrize("package", [
    'vcs = { type = "git", url = "https://example.invalid/alpha.git", commit-id = "ab12" }\n',
    'directory = { path = "../elsewhere" }\n',
    'archive = { url = "https://files.invalid/alpha-1.0.tar.gz", hashes = { sha512 = "00" } }\n',
    'archive = { path = "alpha-1.0.zip", hashes = { md5 = "00" } }\n',
    'archive = { url = "https://files.invalid/alpha.zip", hashes = { sha256 = "{evil}" } }\n',
])
def test_pylock_sources_signoff_cannot_vet(deployment: Deployment, package: str,
                                           tmp_path: Path) -> None:
    """A package whose only source is one signoff cannot vet: a VCS checkout, a directory, an
    archive without a sha256 (or with an unvetted one). The attacker gains an install from a
    source tree or an unvetted archive. check fails; lock removes the source, so an installer
    refuses the package instead of installing it."""
    given = _pylock(tmp_path, '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
                    + package.replace("{evil}", deployment.evil.sha256)
                    + f'\n[[packages]]\nname = "beta"\nversion = "1.0"\n'
                    f'wheels = [{{ name = "{deployment.other.path.name}", '
                    f'hashes = {{ sha256 = "{deployment.other.sha256}" }} }}]\n')
    failed_closed(check(deployment, given), given, 1, "packages[0]")
    output = tmp_path / "out" / "pylock.toml"
    done = lock(deployment, given, output)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert _installable(output) == [("alpha", set()), ("beta", {"wheels"})]
    assert _hashes(output) == {deployment.other.sha256}


@pytest.mark.parametrize("mix", [
    'archive = { url = "https://files.invalid/a.zip", hashes = { sha256 = "{good}" } }\n',
    'sdist = { name = "alpha-1.0.tar.gz", hashes = { sha256 = "{evil}" } }\n'
    'archive = { url = "https://files.invalid/a.zip", hashes = { sha256 = "{good}" } }\n',
    'vcs = { type = "git", url = "https://example.invalid/a.git", commit-id = "1" }\n'
    'directory = { path = "." }\n',
])
def test_pylock_mixed_source_kinds(deployment: Deployment, mix: str, tmp_path: Path) -> None:
    """PEP 751 makes vcs, directory, archive and index files exclusive; a package mixing them
    lets an installer choose the one signoff did not vet. The attacker gains that choice."""
    values = {"good": deployment.vetted.sha256, "evil": deployment.evil.sha256}
    body = mix
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    wheels = _alpha_wheel(deployment) if "sdist" not in mix and "vcs" not in mix else ""
    given = _pylock(tmp_path, '[[packages]]\nname = "alpha"\nversion = "1.0"\n' + body + wheels)
    failed_closed(check(deployment, given), given, 2, "mixes")
    output = tmp_path / "out" / "pylock.toml"
    failed_closed(lock(deployment, given, output), given, 2)
    assert not output.exists()


@pytest.mark.parametrize("hashes", [
    'sha256 = "{good}", sha512 = "' + "0" * 128 + '"',
    'SHA256 = "{good}"',
    'sha256 = "{good}", blake2b = "00"',
])
def test_pylock_other_hash_algorithms(deployment: Deployment, hashes: str,
                                      tmp_path: Path) -> None:
    """A wheel whose `hashes` hold another algorithm beside (or instead of) the vetted sha256:
    an installer may verify any one of them. The attacker gains a file matching the other
    digest. check fails; lock drops the file."""
    given = _pylock(tmp_path, '[[packages]]\nname = "alpha"\nversion = "1.0"\n'
                    f'wheels = [{{ name = "{deployment.vetted.path.name}", hashes = {{ '
                    + hashes.replace("{good}", deployment.vetted.sha256) + " } }]\n")
    failed_closed(check(deployment, given), given, 1)
    output = tmp_path / "out" / "pylock.toml"
    lock(deployment, given, output)
    assert _installable(output) == [("alpha", set())]


@pytest.mark.parametrize("text", [
    'lock-version = "2.0"\n[[packages]]\nname = "alpha"\n',
    'lock-version = "1.0"\npackages = "alpha"\n',
    'lock-version = "1.0"\n[[packages]]\nname = "alpha"\nwheels = [{ hashes = {} }]\n',
    'lock-version = "1.0"\n[[packages]]\nname = "Alpha/../x"\nversion = "1.0"\n',
    'lock-version = "1.0"\n[[packages]]\nname = "alpha"\nversion = "1.0"\n'
    'wheels = [{ name = "alpha-1.0-py3-none-any.whl", size = -1, hashes = {} }]\n',
    'lock-version = "1.0"\n[[packages]]\nname = "alpha"\nname = "beta"\n',
])
def test_pylock_malformed(deployment: Deployment, text: str, tmp_path: Path) -> None:
    """Malformed pylock files: an unknown major version, wrong types, a file with no name, a
    bad project name, a negative size, a duplicate key. The attacker gains a reader that
    guesses. Each is refused with exit 2 naming the file."""
    given = tmp_path / "pylock.toml"
    given.write_text(text)
    failed_closed(check(deployment, given), given, 2)


@pytest.mark.parametrize("source", [
    'source = { git = "https://example.invalid/alpha.git?rev=main#abc" }',
    'source = { directory = "../alpha" }',
    'source = { editable = "../alpha" }',
    'source = { virtual = "../alpha" }',
    'source = { registry = "https://pypi.org/simple", git = "https://example.invalid/a.git" }',
    'source = { mystery = "x" }',
])
def test_uv_lock_source_trees_with_vetted_wheels(deployment: Deployment, source: str,
                                                 tmp_path: Path) -> None:
    """A uv.lock package built from a source tree (git, a directory, an editable or virtual
    project outside the lock's folder, an unknown kind) that also lists the vetted wheel: uv
    builds from the source. The attacker gains an install of unvetted code behind a vetted
    hash. check fails, naming the package."""
    given = tmp_path / "uv.lock"
    given.write_text(f'version = 1\n\n[[package]]\nname = "alpha"\nversion = "1.0"\n{source}\n'
                     f'wheels = [{{ url = "https://files.invalid/{deployment.vetted.path.name}", '
                     f'hash = "sha256:{deployment.vetted.sha256}" }}]\n')
    failed_closed(check(deployment, given), given, 1, "package[0]")


@pytest.mark.parametrize("wheel", [
    'url = "https://files.invalid/{name}", hash = "sha512:00"',
    'url = "https://files.invalid/{name}"',
    'url = "https://files.invalid/{name}", hash = "SHA256:{good}"',
    'path = "../../evil/{name}"',
])
def test_uv_lock_hashes(deployment: Deployment, wheel: str, tmp_path: Path) -> None:
    """uv.lock files without a checkable sha256: another algorithm, none, an upper-case name,
    or a local path to an unvetted file. The attacker gains an unhashed or unvetted wheel."""
    (tmp_path / "evil").mkdir()
    evil = tmp_path / "evil" / deployment.vetted.path.name
    evil.write_bytes(deployment.evil.path.read_bytes())
    given = tmp_path / "a" / "uv.lock"
    given.parent.mkdir()
    body = wheel.replace("{name}", deployment.vetted.path.name).replace(
        "{good}", deployment.vetted.sha256).replace("../../evil", str(tmp_path / "evil"))
    given.write_text('version = 1\n\n[[package]]\nname = "alpha"\nversion = "1.0"\n'
                     'source = { registry = "https://pypi.org/simple" }\n'
                     f"wheels = [{{ {body} }}]\n")
    failed_closed(check(deployment, given), given, 1)


def _report(deployment: Deployment, info: dict[str, object]) -> dict[str, object]:
    return {"version": "1", "install": [{
        "metadata": {"name": "alpha", "version": "1.0"},
        "download_info": {"url": f"https://files.invalid/{deployment.vetted.path.name}",
                          **info}}]}


@pytest.mark.parametrize(("info", "code"), [
    ({"vcs_info": {"vcs": "git", "commit_id": "ab"},
      "archive_info": {"hashes": {"sha256": "{good}"}}}, 2),
    ({"dir_info": {}, "archive_info": {"hashes": {"sha256": "{good}"}}}, 2),
    ({"archive_info": {"hashes": {"sha256": "{good}"}, "hash": "sha256={evil}"}}, 2),
    ({"archive_info": {"hashes": {"sha512": "00"}}}, 1),
    ({"dir_info": {"editable": True}}, 1),
    ({"vcs_info": {"vcs": "git", "commit_id": "ab"}}, 1),
])
def test_pip_report_sources(deployment: Deployment, info: dict[str, object], code: int,
                            tmp_path: Path) -> None:
    """pip reports naming a VCS checkout or a directory beside the vetted archive, disagreeing
    `hash` and `hashes`, or no sha256. The attacker gains a report that reads as vetted while
    pip installed something else."""
    text = json.dumps(_report(deployment, info)).replace("{good}", deployment.vetted.sha256)
    given = tmp_path / "report.json"
    given.write_text(text.replace("{evil}", deployment.evil.sha256))
    failed_closed(check(deployment, given), given, code)


def test_folder_with_a_file_named_like_the_vetted_one(deployment: Deployment,
                                                      tmp_path: Path) -> None:
    """A folder (what `pip download -d` leaves) holding a file with the vetted file's name and
    other bytes, or a symlink to one. The attacker gains an install by name alone. signoff
    hashes the content: check fails."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / deployment.vetted.path.name).write_bytes(deployment.evil.path.read_bytes())
    failed_closed(check(deployment, tmp_path / "a"), deployment.vetted.path.name, 1)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / deployment.vetted.path.name).symlink_to(deployment.evil.path)
    failed_closed(check(deployment, tmp_path / "b"), deployment.vetted.path.name, 1)
    # A file named like another project's release, holding the vetted bytes of alpha.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "beta-1.0-py3-none-any.whl").write_bytes(deployment.vetted.path.read_bytes())
    failed_closed(check(deployment, tmp_path / "c"), "beta-1.0-py3-none-any.whl", 1)


def test_folder_with_fifos_devices_and_dangling_links(deployment: Deployment,
                                                      tmp_path: Path) -> None:
    """A FIFO, a link to a character device and a dangling link named like release files: a
    reader that opens them hangs (FIFO), reads forever (/dev/zero) or crashes. The attacker
    gains a stalled deployment. Each is a problem that fails the check, quickly."""
    os.mkfifo(tmp_path / "alpha-1.0-py3-none-any.whl")
    (tmp_path / "beta-1.0-py3-none-any.whl").symlink_to("/dev/zero")
    (tmp_path / "gamma-1.0-py3-none-any.whl").symlink_to(tmp_path / "missing")
    out = check(deployment, tmp_path)
    failed_closed(out, "alpha-1.0-py3-none-any.whl", 1, "beta-1.0-py3-none-any.whl",
                  "gamma-1.0-py3-none-any.whl")
    # As inputs of their own kinds, too: a FIFO requirements file, a /dev/zero lock.
    os.mkfifo(tmp_path / "requirements.txt")
    failed_closed(check(deployment, tmp_path / "requirements.txt"), "requirements.txt", 2)
    (tmp_path / "pylock.toml").symlink_to("/dev/zero")
    failed_closed(check(deployment, tmp_path / "pylock.toml"), "pylock.toml", 2)


def test_huge_files(deployment: Deployment, tmp_path: Path) -> None:
    """A sparse 8 GiB file named like the vetted wheel, and a 64 MiB requirements file: a reader
    that hashes or parses them whole stalls the deployment and fills memory. The attacker
    gains a denial of service. signoff reads no more than the attested size (plus one byte) of
    the wheel and refuses an oversized input at once."""
    (tmp_path / "d").mkdir()
    with open(tmp_path / "d" / deployment.vetted.path.name, "wb") as f:
        f.truncate(8 << 30)
    failed_closed(check(deployment, tmp_path / "d"), deployment.vetted.path.name, 1)
    with open(tmp_path / "requirements.txt", "wb") as f:
        f.truncate(64 << 20)
    failed_closed(check(deployment, tmp_path / "requirements.txt"), "requirements.txt", 2)
    with open(tmp_path / "pylock.toml", "wb") as f:
        f.truncate(64 << 20)
    failed_closed(check(deployment, tmp_path / "pylock.toml"), "pylock.toml", 2)
