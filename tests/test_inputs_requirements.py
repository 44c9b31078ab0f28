"""Requirements files: real pip-compile, uv pip compile and uv export output, and hand-written
edge cases of pip's syntax, including hostile ones."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from signoff.attest.errors import InputFormatError
from signoff.attest.limits import LIMITS
from signoff.trust.inputs.interface import (
    detect_input,
)
from signoff.trust.inputs.requirements import (
    NO_HASH,
    NO_SHA256,
    NOT_PINNED,
    RequirementsInput,
    parse_requirements,
)
from tests.dists import (
    DistSet,
    build_standard_set,
    run_tool,
    venv_tool,
    write_simple_index,
)

A = "a" * 64
B = "b" * 64
C = "c" * 64

# The resolution every tool makes for TOP_LEVEL from the standard set.
TOP_LEVEL = "alpha[fast]\nfoobar==2.0.*\nzeta-pkg\n"
RESOLVED = {("alpha", "1.0"), ("beta", "1.1"), ("gamma", "0.5"), ("foobar", "2.0.1"),
            ("zeta-pkg", "3.0")}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> DistSet:
    return build_standard_set(tmp_path_factory.mktemp("index") / "dist")


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    (tmp_path / "requirements.in").write_text(TOP_LEVEL)
    return tmp_path


def read(path: Path) -> tuple[set[tuple[str, str, str]], list[tuple[str, str]]]:
    contents = RequirementsInput(path).read()
    return ({(f.project, f.version, f.sha256) for f in contents.files},
            [(p.requirement, p.reason) for p in contents.problems])


def triples(dists: DistSet, wheels_only: bool = False) -> set[tuple[str, str, str]]:
    return {(d.project, d.version, d.sha256) for d in dists.dists.values()
            if (d.project, d.version) in RESOLVED
            and (d.filename.endswith(".whl") or not wheels_only)}


def test_pip_compile_generate_hashes(dists: DistSet, work: Path) -> None:
    run_tool([venv_tool("pip-compile"), "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(dists.folder), "--output-file", "requirements.txt",
              "requirements.in"], work, work / "cache")
    files, problems = read(work / "requirements.txt")
    assert problems == []
    # pip-compile lists the hash of every file of the pinned version: wheels and sdists.
    assert files == triples(dists)
    sources = {f.source for f in RequirementsInput(work / "requirements.txt").read().files}
    lines = (work / "requirements.txt").read_text().splitlines()
    for source in sources:
        _, line = source.rsplit(":", 1)
        assert "==" in lines[int(line) - 1]


def test_uv_pip_compile_generate_hashes(dists: DistSet, work: Path) -> None:
    run_tool([venv_tool("uv"), "pip", "compile", "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(dists.folder), "requirements.in", "-o", "requirements.txt"],
             work, work / "cache")
    files, problems = read(work / "requirements.txt")
    assert problems == []
    assert files == triples(dists, wheels_only=True)


def test_uv_export_from_a_lock_with_hashes(dists: DistSet, work: Path) -> None:
    index = write_simple_index(dists, work / "simple")
    (work / "pyproject.toml").write_text(
        '[project]\nname = "myapp"\nversion = "0.1"\nrequires-python = ">=3.11"\n'
        'dependencies = ["alpha[fast]", "foobar==2.0.*", "zeta-pkg"]\n')
    uv = venv_tool("uv")
    run_tool([uv, "lock", "--quiet", "--default-index", index.as_uri()], work, work / "cache")
    run_tool([uv, "export", "--quiet", "--frozen", "--no-emit-project", "-o", "exported.txt"],
             work, work / "cache")
    files, problems = read(work / "exported.txt")
    assert problems == []
    assert files == triples(dists)


def test_pip_download_then_hash_mode_agrees(dists: DistSet, work: Path) -> None:
    """The same pip-compile output that signoff reads installs under real pip's hash mode."""
    run_tool([venv_tool("pip-compile"), "--quiet", "--generate-hashes", "--no-index",
              "--find-links", str(dists.folder), "--output-file", "requirements.txt",
              "requirements.in"], work, work / "cache")
    run_tool([sys.executable, "-m", "pip", "download", "--quiet", "--no-index", "--find-links",
              str(dists.folder), "--require-hashes", "-r", "requirements.txt", "-d", "dl"],
             work, work / "cache")
    downloaded = {p.name for p in (work / "dl").iterdir()}
    assert downloaded == {d.filename for d in dists.dists.values()
                          if (d.project, d.version) in RESOLVED and d.filename.endswith(".whl")}


def test_pip_syntax_continuations_comments_markers_extras_hash_forms(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# a comment line\n"
        "--index-url https://example.invalid/simple\n"
        "Alpha[Fast, extra2]==1.0 ; python_version >= '3.8' \\\n"
        "    --hash=sha256:" + A + " \\\n"
        "    # not a comment: the continuation joined it\n"
        "beta==1.1 --hash sha256:" + B.upper() + " --hash=sha512:" + "0" * 128 + "  # trailing\n"
        "\n"
        "gamma==0.5 --hash=sha256:" + C + " --hash=sha256:" + C + "\n"
        "foobar===2.0 --hash=sha256:" + A + "\n")
    doc = parse_requirements(tmp_path / "requirements.txt")
    assert [(e.project, e.version, e.line, e.end_line) for e in doc.entries] == [
        ("alpha", "1.0", 3, 5), ("beta", "1.1", 6, 6), ("gamma", "0.5", 8, 8),
        ("foobar", "2.0", 9, 9)]
    alpha = doc.entries[0]
    assert alpha.sha256 == (A,)
    assert "python_version" in alpha.text and "fast" in alpha.text.lower()
    assert doc.entries[1].sha256 == (B,)  # upper-case hex normalised, sha512 kept apart
    assert doc.entries[2].sha256 == (C,)  # a repeated hash counts once
    files, problems = read(tmp_path / "requirements.txt")
    # pip would install a file matching the sha512 too, which no attestation can vouch for.
    assert [(r, "sha512" in why) for r, why in problems] == [("beta==1.1", True)]
    assert files == {("alpha", "1.0", A), ("beta", "1.1", B), ("gamma", "0.5", C),
                     ("foobar", "2.0", A)}


def test_hash_options_split_over_lines_and_options(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(
        "alpha==1.0 \\\n  --hash=sha256:" + A + " \\\n  --hash=sha256:" + B + " --hash=sha256:"
        + C + "\n")
    files, _ = read(tmp_path / "r.txt")
    assert files == {("alpha", "1.0", A), ("alpha", "1.0", B), ("alpha", "1.0", C)}


def test_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "requirements.txt").write_text("-r sub/base.txt\nalpha==1.0 --hash=sha256:"
                                               + A + "\n")
    (tmp_path / "sub" / "base.txt").write_text("--requirement ../more.txt\n-c pins.txt\n")
    (tmp_path / "more.txt").write_text("beta==1.1 --hash=sha256:" + B + "\n")
    # A constraint without a hash only narrows; one with a hash is checked (pip gives a
    # dependency its constraint's hash: see tests/attacks/test_requirements_options.py).
    (tmp_path / "sub" / "pins.txt").write_text("gamma==0.5 --hash=sha256:" + C + "\nloose\n")
    contents = RequirementsInput(tmp_path / "requirements.txt").read()
    assert {(f.project, f.sha256) for f in contents.files} == {("alpha", A), ("beta", B),
                                                               ("gamma", C)}
    assert contents.problems == ()
    beta = next(f for f in contents.files if f.project == "beta")
    assert beta.source.endswith("more.txt:1")
    doc = parse_requirements(tmp_path / "requirements.txt")
    assert [e.is_constraint for e in doc.entries if e.project == "gamma"] == [True]
    assert len(doc.files) == 4


def test_unpinned_unhashed_and_unsupported_requirements_are_problems(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(
        "alpha>=1.0 --hash=sha256:" + A + "\n"
        "beta==1.1\n"
        "gamma==0.5.* --hash=sha256:" + A + "\n"
        "foobar==2.0 --hash=sha384:" + "0" * 96 + "\n"
        "-e ./src/project\n"
        "zeta @ https://example.invalid/zeta-1.0.tar.gz\n"
        "https://example.invalid/x-1.0.tar.gz#sha256=" + A + "\n"
        "delta\n"
        "ok==1 --hash=sha256:" + A + "\n")
    contents = RequirementsInput(tmp_path / "r.txt").read()
    assert [(f.project, f.version) for f in contents.files] == [("ok", "1")]
    reasons = {p.source.rsplit(":", 1)[1]: p.reason for p in contents.problems}
    assert reasons["1"] == NOT_PINNED
    assert reasons["2"] == NO_HASH
    assert reasons["3"] == NOT_PINNED
    assert reasons["4"] == NO_SHA256
    assert "editable" in reasons["5"]
    assert "URL" in reasons["6"] and "URL" in reasons["7"]
    assert reasons["8"] == NOT_PINNED
    beta = next(p for p in contents.problems if p.project == "beta")
    assert (beta.version, beta.requirement) == ("1.1", "beta==1.1")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("alpha==1.0\nthis is not a requirement!\n", 2, "Invalid requirement"),
    ("alpha==1.0 --hash=sha256:zz\n", 1, "bad --hash"),
    ("alpha==1.0 --hash=md5:" + "0" * 32 + "\n", 1, "bad --hash"),
    ("alpha==1.0 --hash=" + A + "\n", 1, "bad --hash"),
    ("\n\nalpha==1.0 --no-such-option\n", 3, ""),
    ("-r http://example.invalid/r.txt\n", 1, "remote includes"),
    ("-r missing.txt\n", 1, "missing.txt: not found"),
    ("-c missing.txt\n", 1, "not found"),
    ("-r .\n", 1, "not a file"),
])
def test_malformed_lines_name_the_file_and_line(tmp_path: Path, text: str, line: int,
                                               words: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    with pytest.raises(InputFormatError) as info:
        RequirementsInput(path).read()
    assert (info.value.file, info.value.line) == (str(path), line)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert words in str(info.value)


def test_include_cycles_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\n")
    (tmp_path / "b.txt").write_text("\n-r ./a.txt\n")
    with pytest.raises(InputFormatError, match="include cycle") as info:
        RequirementsInput(tmp_path / "a.txt").read()
    assert (info.value.file, info.value.line) == (str(tmp_path / "b.txt"), 2)
    (tmp_path / "self.txt").write_text("-r self.txt\n")
    with pytest.raises(InputFormatError, match="include cycle"):
        RequirementsInput(tmp_path / "self.txt").read()


def test_include_depth_is_capped(tmp_path: Path) -> None:
    for i in range(LIMITS.include_depth + 2):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / f"r{LIMITS.include_depth + 2}.txt").write_text("")
    with pytest.raises(InputFormatError, match="nested deeper"):
        RequirementsInput(tmp_path / "r0.txt").read()
    # One level less than the cap is read.
    (tmp_path / f"r{LIMITS.include_depth}.txt").write_text("")
    assert RequirementsInput(tmp_path / "r0.txt").read().files == ()


def test_oversized_and_special_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(LIMITS.input_bytes + 1)  # sparse: nothing is written
    with pytest.raises(InputFormatError, match="larger than") as info:
        RequirementsInput(big).read()
    assert info.value.file == str(big)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    # Must not block waiting for a writer.
    with pytest.raises(InputFormatError, match="not a regular file"):
        RequirementsInput(fifo).read()
    with pytest.raises(InputFormatError, match="not found"):
        RequirementsInput(tmp_path / "absent.txt").read()


def test_positional_names_pick_the_format(tmp_path: Path) -> None:
    for name in ("requirements.txt", "dev.in"):
        assert isinstance(detect_input(tmp_path / name), RequirementsInput)


def test_exponential_includes_are_refused_quickly(tmp_path: Path) -> None:
    # Each file includes the next one twice: 2**25 parses unless bounded.
    for i in range(25):
        body = f"-r e{i + 1}.txt\n-r e{i + 1}.txt\n" if i < 24 else "\n"
        (tmp_path / f"e{i}.txt").write_text(body)
    with pytest.raises(InputFormatError, match="files read through -r/-c includes"):
        RequirementsInput(tmp_path / "e0.txt").read()
