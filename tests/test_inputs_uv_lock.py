"""uv.lock: real `uv lock` output (from --find-links and from a simple index), and hand-written
and malformed locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from signoff.attest.errors import InputFormatError
from signoff.trust.inputs.interface import detect_input
from signoff.trust.inputs.uv_lock import UvLockInput
from tests.dists import DistSet, build_standard_set, run_tool, venv_tool, write_simple_index

A = "a" * 64

PYPROJECT = ('[project]\nname = "myapp"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
             'dependencies = ["alpha[fast]", "foobar==2.0.*", "zeta-pkg"]\n')
RESOLVED = {("alpha", "1.0"), ("beta", "1.1"), ("gamma", "0.5"), ("foobar", "2.0.1"),
            ("zeta-pkg", "3.0")}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> DistSet:
    return build_standard_set(tmp_path_factory.mktemp("index") / "dist")


def test_uv_lock_from_find_links_names_local_files(dists: DistSet, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    run_tool([venv_tool("uv"), "lock", "--quiet", "--no-index", "--find-links",
              str(dists.folder)], tmp_path, tmp_path / "cache")
    contents = UvLockInput(tmp_path / "uv.lock").read()
    # The project itself (`source = { virtual = "." }`) is the user's code: no problem for it.
    assert contents.problems == ()
    # uv records no hash for local --find-links files, only their paths: they are hashed later.
    assert all(f.sha256 == "" and f.local_path is not None for f in contents.files)
    found = {(f.project, f.version, f.filename, f.local_path.resolve()) for f in contents.files
             if f.local_path is not None}
    assert found == {(d.project, d.version, d.filename, d.path.resolve())
                     for d in dists.dists.values() if (d.project, d.version) in RESOLVED}


def test_uv_lock_from_an_index_has_hashes(dists: DistSet, tmp_path: Path) -> None:
    index = write_simple_index(dists, tmp_path / "simple")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    run_tool([venv_tool("uv"), "lock", "--quiet", "--default-index", index.as_uri()],
             tmp_path, tmp_path / "cache")
    contents = UvLockInput(tmp_path / "uv.lock").read()
    assert contents.problems == ()
    assert {(f.project, f.version, f.sha256, f.filename) for f in contents.files} == {
        (d.project, d.version, d.sha256, d.filename) for d in dists.dists.values()
        if (d.project, d.version) in RESOLVED}


HAND_WRITTEN = f"""
version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1"
source = {{ editable = "." }}

[[package]]
name = "member"
version = "0.2"
source = {{ editable = "packages/member" }}

[[package]]
name = "outside"
version = "0.3"
source = {{ editable = "../outside" }}

[[package]]
name = "Alpha"
version = "1.0"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://h.invalid/alpha-1.0.tar.gz", hash = "sha256:{A}", size = 353 }}
wheels = [
    {{ url = "https://h.invalid/alpha-1.0-py3-none-any.whl", size = 10 }},
]

[[package]]
name = "gitdep"
version = "2.0"
source = {{ git = "https://h.invalid/g.git?rev=main#abc" }}

[[package]]
name = "gone"
version = "1.0"
source = {{ registry = "wheels" }}
wheels = [{{ path = "gone-1.0-py3-none-any.whl" }}]
"""


def test_hand_written_lock(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(HAND_WRITTEN)
    contents = UvLockInput(path).read()
    assert [(f.project, f.version, f.sha256, f.filename, f.size) for f in contents.files] == [
        ("alpha", "1.0", A, "alpha-1.0.tar.gz", 353)]
    reasons = {p.project: p.reason for p in contents.problems}
    assert set(reasons) == {"outside", "alpha", "gitdep", "gone"}
    assert "no sha256" in reasons["alpha"]
    assert "git source" in reasons["gitdep"]
    assert "editable source" in reasons["outside"]
    assert "cannot read" in reasons["gone"]


@pytest.mark.parametrize(("document", "words"), [
    ("version = 1\n[[package]\n", "invalid TOML"),
    ("version = 2\n", "not supported"),
    ('version = 1\npackage = "x"\n', "package: expected an array"),
    ('version = 1\n[[package]]\nname = 3\n', r"package\[0\].name: expected a string"),
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\nsource = "pypi"\n',
     r"package\[0\].source: expected a table"),
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\nwheels = [{ size = 1 }]\n',
     "has neither"),
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\n'
     'sdist = { url = "https://h/a-1.tar.gz", hash = "sha256:12" }\n', "not a 64-hex"),
    ('version = 1\n[[package]]\nname = "a"\nversion = "1"\n'
     'sdist = { url = "https://h/a-1.tar.gz", size = "big" }\n', "size in bytes"),
])
def test_malformed_locks_name_the_file(tmp_path: Path, document: str, words: str) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(document)
    with pytest.raises(InputFormatError, match=words) as info:
        UvLockInput(path).read()
    assert str(info.value).startswith(f"{path}")


def test_uv_lock_name(tmp_path: Path) -> None:
    assert isinstance(detect_input(tmp_path / "uv.lock"), UvLockInput)
