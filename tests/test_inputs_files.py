"""Release files and folders of them: names, what is skipped, and bounded hashing."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from signoff.attest.errors import InputFormatError
from signoff.trust.inputs.files import (
    ReleaseFilesInput,
    filename_from_location,
    hash_local,
    local_path_of,
    parse_release_filename,
)
from signoff.trust.inputs.interface import detect_input
from tests.dists import DistSet, build_standard_set, run_tool


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> DistSet:
    return build_standard_set(tmp_path_factory.mktemp("index") / "dist")


def test_pip_download_folder(dists: DistSet, tmp_path: Path) -> None:
    run_tool([sys.executable, "-m", "pip", "download", "--quiet", "--no-index", "--find-links",
              str(dists.folder), "-d", "dl", "alpha[fast]", "foobar==2.0"], tmp_path,
             tmp_path / "cache")
    contents = ReleaseFilesInput(tmp_path / "dl").read()
    assert contents.problems == ()
    wanted = [dists.wheel(*pv) for pv in (("alpha", "1.0"), ("beta", "1.1"), ("foobar", "2.0"),
                                          ("gamma", "0.5"))]
    assert [(f.project, f.version, f.filename) for f in contents.files] == [
        (d.project, d.version, d.filename) for d in wanted]
    # Not hashed yet: the checker hashes each file bounded by its attested size.
    assert all(f.sha256 == "" and f.size is None for f in contents.files)
    hashed = [hash_local(f).file for f in contents.files]
    assert [(f.sha256, f.size) for f in hashed] == [(d.sha256, d.size) for d in wanted]
    eager = ReleaseFilesInput(tmp_path / "dl", hash_now=True).read()
    assert [f.sha256 for f in eager.files] == [d.sha256 for d in wanted]


def test_an_oversized_file_is_not_read_to_its_end(tmp_path: Path) -> None:
    big = tmp_path / "huge-1.0.tar.gz"
    with big.open("wb") as f:
        f.truncate(1 << 40)  # a sparse terabyte: reading it whole would not finish
    (file,) = ReleaseFilesInput(big).read().files
    result = hash_local(file, limit=1000)
    assert result.truncated
    assert result.file.size == 1001
    assert result.file.sha256 == hashlib.sha256(b"\0" * 1001).hexdigest()
    exact = tmp_path / "exact-1.0.tar.gz"
    exact.write_bytes(b"x" * 1000)
    (file,) = ReleaseFilesInput(exact).read().files
    result = hash_local(file, limit=1000)
    assert not result.truncated
    assert (result.file.sha256, result.file.size) == (hashlib.sha256(b"x" * 1000).hexdigest(),
                                                      1000)


def test_folder_skips_non_archives_and_reports_bad_names(dists: DistSet, tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "README.md").write_text("not a release file")
    (folder / ".hidden-1.0.tar.gz").write_text("")
    (folder / "sub.whl").mkdir()
    (folder / "notaversion.tar.gz").write_text("")
    (folder / "legacy-1.0.tar.bz2").write_text("")
    os.mkfifo(folder / "pipe-1.0.tar.gz")
    (folder / "dangling-1.0.tar.gz").symlink_to(tmp_path / "absent")
    wheel = dists.wheel("beta", "1.1")
    (folder / wheel.filename).symlink_to(wheel.path)
    contents = ReleaseFilesInput(folder).read()
    (beta,) = contents.files
    assert hash_local(beta).file.sha256 == wheel.sha256  # a symlink is followed
    reasons = {p.requirement: p.reason for p in contents.problems}
    assert set(reasons) == {"notaversion.tar.gz", "legacy-1.0.tar.bz2", "pipe-1.0.tar.gz",
                            "dangling-1.0.tar.gz"}
    assert "not a wheel or sdist" in reasons["legacy-1.0.tar.bz2"]
    assert reasons["pipe-1.0.tar.gz"] == "is not a regular file"
    assert "cannot read" in reasons["dangling-1.0.tar.gz"]


def test_a_named_file_that_is_no_release_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("x")
    contents = detect_input(path).read()
    assert contents.files == ()
    assert "not a wheel or sdist" in contents.problems[0].reason
    with pytest.raises(InputFormatError, match="no such file") as info:
        ReleaseFilesInput(tmp_path / "absent-1.0.tar.gz").read()
    assert info.value.file == str(tmp_path / "absent-1.0.tar.gz")


@pytest.mark.parametrize(("filename", "expected"), [
    ("Zeta_Pkg-3.0-py3-none-any.whl", ("zeta-pkg", "3.0")),
    ("foo_bar-1.0.post1-1-cp311-cp311-manylinux_2_28_x86_64.whl", ("foo-bar", "1.0.post1")),
    ("foobar-2.0.1.tar.gz", ("foobar", "2.0.1")),
    ("Foo-1.0RC1.zip", ("foo", "1.0rc1")),
])
def test_release_file_names(filename: str, expected: tuple[str, str]) -> None:
    assert parse_release_filename(filename) == expected


def test_locations() -> None:
    assert filename_from_location("https://h/p/a%2Bb-1.0.tar.gz#sha256=x") == "a+b-1.0.tar.gz"
    assert filename_from_location("wheels/a-1.0-py3-none-any.whl") == "a-1.0-py3-none-any.whl"
    assert local_path_of("file:///tmp/a%20b/x.whl") == Path("/tmp/a b/x.whl")
    assert local_path_of("https://h/x.whl") is None


def test_other_names_are_release_files_or_folders(tmp_path: Path) -> None:
    for name in ("a-1.0.tar.gz", "a-1.0-py3-none-any.whl", "uv.lock.bak", "pylock.toml.orig"):
        assert isinstance(detect_input(tmp_path / name), ReleaseFilesInput)
    (tmp_path / "reqs.txt").mkdir()
    assert isinstance(detect_input(tmp_path / "reqs.txt"), ReleaseFilesInput)
