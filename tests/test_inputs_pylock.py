"""PEP 751 pylock.toml: real `pip lock` output, hand-written entries, and malformed files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from signoff.attest.errors import InputFormatError
from signoff.trust.inputs.interface import detect_input
from signoff.trust.inputs.pylock import PylockInput
from tests.dists import DistSet, build_standard_set, pip_has_lock, run_tool

A = "a" * 64
B = "b" * 64


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> DistSet:
    return build_standard_set(tmp_path_factory.mktemp("index") / "dist")


@pytest.mark.skipif(not pip_has_lock(), reason="this pip has no `pip lock` (pip >= 25.1 has it; "
                    "`make` upgrades pip in .venv)")
def test_real_pip_lock(dists: DistSet, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("alpha[fast]\nfoobar==2.0.*\nzeta-pkg\n")
    run_tool([sys.executable, "-m", "pip", "lock", "--quiet", "--no-index", "--find-links",
              str(dists.folder), "-r", "requirements.in", "-o", "pylock.toml"],
             tmp_path, tmp_path / "cache")
    contents = PylockInput(tmp_path / "pylock.toml").read()
    assert contents.problems == ()
    expected = {(d.project, d.version, d.sha256, d.filename) for d in (
        dists.wheel("alpha", "1.0"), dists.wheel("beta", "1.1"), dists.wheel("gamma", "0.5"),
        dists.wheel("foobar", "2.0.1"), dists.wheel("zeta-pkg", "3.0"))}
    assert {(f.project, f.version, f.sha256, f.filename) for f in contents.files} == expected


HAND_WRITTEN = f"""
lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "Alpha"
version = "1.0"
sdist = {{ url = "https://h.invalid/alpha-1.0.tar.gz", size = 353, hashes = {{ sha256 = "{A}" }} }}

[[packages.wheels]]
name = "alpha-1.0-py3-none-any.whl"
url = "https://h.invalid/x"
size = 10
hashes = {{ sha512 = "{"0" * 128}", sha256 = "{B}" }}

[[packages.wheels]]
path = "wheels/alpha-1.0-cp311-none-any.whl"
hashes = {{ md5 = "{"0" * 32}" }}

[[packages]]
name = "beta"
[[packages.wheels]]
url = "https://h.invalid/beta-1.1-py3-none-any.whl"
hashes = {{ sha256 = "{A}" }}

[[packages]]
name = "app"
directory = {{ path = "." }}

[[packages]]
name = "other"
directory = {{ path = "../other" }}

[[packages]]
name = "y"
version = "2"
vcs = {{ type = "git", url = "https://h.invalid/y.git", commit-id = "abc" }}

[[packages]]
name = "z"
archive = {{ url = "https://h.invalid/z-3.0.tar.gz", hashes = {{ sha256 = "{B}" }} }}

[[packages]]
name = "empty"
version = "1"
"""


def test_hand_written_entries(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(HAND_WRITTEN)
    contents = PylockInput(path).read()
    assert [(f.project, f.version, f.sha256, f.filename, f.size) for f in contents.files] == [
        ("alpha", "1.0", A, "alpha-1.0.tar.gz", 353),
        # No version in the package: taken from the wheel's name.
        ("beta", "1.1", A, "beta-1.1-py3-none-any.whl", None),
        ("z", "3.0", B, "z-3.0.tar.gz", None),
    ]
    assert contents.files[0].source == f"{path}: packages[0].sdist (alpha-1.0.tar.gz)"
    reasons = {(p.project, p.requirement): p.reason for p in contents.problems}
    assert "no sha256" in reasons[("alpha", "alpha-1.0-cp311-none-any.whl")]
    # An installer may check the sha512 instead of the vetted sha256: not checkable.
    assert "also lists sha512" in reasons[("alpha", "alpha-1.0-py3-none-any.whl")]
    assert "directory" in reasons[("other", "other")]
    assert "VCS" in reasons[("y", "y==2")]
    assert "no file" in reasons[("empty", "empty==1")]
    # The project the lock was made for (`directory` at `.`) is the user's own code.
    assert not any(p.project == "app" for p in contents.problems)
    assert len(contents.problems) == 5


@pytest.mark.parametrize(("document", "words"), [
    ('lock-version = "1.0"\npackages = [\n{ name = "a" \n', "invalid TOML"),
    ('packages = []', "lock-version: expected a string"),
    ('lock-version = "2.0"', "not supported"),
    ('lock-version = "1.0"\npackages = {}', "packages: expected an array"),
    ('lock-version = "1.0"\n[[packages]]\nversion = "1"', r"packages\[0\].name: expected a string"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "x y"', "not a valid PEP 440"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nwheels = [{}]',
     r"packages\[0\].wheels\[0\]: has neither"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
     'wheels = [{name = "a-1-py3-none-any.whl", size = -1, hashes = {}}]', "size in bytes"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
     'wheels = [{name = "a-1-py3-none-any.whl", size = true, hashes = {}}]', "size in bytes"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
     'sdist = {name = "a-1.tar.gz", hashes = "sha256:x"}', r"sdist.hashes: expected a table"),
    ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
     'sdist = {name = "a-1.tar.gz", hashes = {sha256 = "zz"}}', "not a 64-hex"),
])
def test_malformed_locks_name_the_file(tmp_path: Path, document: str, words: str) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(document)
    with pytest.raises(InputFormatError, match=words) as info:
        PylockInput(path).read()
    assert str(info.value).startswith(f"{path}")


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text('lock-version = "1.0"\n\n[[packages]]\nname = \n')
    with pytest.raises(InputFormatError) as info:
        PylockInput(path).read()
    assert info.value.line == 4
    assert str(info.value).startswith(f"{path}:4: invalid TOML")


@pytest.mark.parametrize("name", ["pylock.toml", "pylock.dev.toml", "pylock.a.b.toml"])
def test_pylock_names(tmp_path: Path, name: str) -> None:
    assert isinstance(detect_input(tmp_path / name), PylockInput)
