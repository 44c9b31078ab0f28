"""pip's installation report: real `pip install --dry-run --report` output, and malformed ones."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from signoff.attest.errors import InputFormatError
from signoff.trust.inputs.interface import detect_input
from signoff.trust.inputs.pip_report import PipReportInput
from tests.dists import DistSet, build_standard_set, run_tool

A = "a" * 64


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> DistSet:
    return build_standard_set(tmp_path_factory.mktemp("index") / "dist")


def test_real_report(dists: DistSet, tmp_path: Path) -> None:
    run_tool([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
              "--report", "report.json", "--no-index", "--find-links", str(dists.folder),
              "alpha[fast]", "foobar==2.0.*", "zeta-pkg"], tmp_path, tmp_path / "cache")
    contents = PipReportInput(tmp_path / "report.json").read()
    assert contents.problems == ()
    expected = {(d.project, d.version, d.sha256, d.filename) for d in (
        dists.wheel("alpha", "1.0"), dists.wheel("beta", "1.1"), dists.wheel("gamma", "0.5"),
        dists.wheel("foobar", "2.0.1"), dists.wheel("zeta-pkg", "3.0"))}
    assert {(f.project, f.version, f.sha256, f.filename) for f in contents.files} == expected
    assert all(f.source.startswith(f"{tmp_path / 'report.json'}: install[") for f in
               contents.files)


def item(download_info: dict[str, Any], name: str = "Alpha", version: str = "1.0"
         ) -> dict[str, Any]:
    return {"download_info": download_info, "metadata": {"name": name, "version": version}}


def write(path: Path, install: list[Any], version: str = "1") -> Path:
    path.write_text(json.dumps({"version": version, "install": install}, indent=2))
    return path


def test_hash_forms_and_uncheckable_items(tmp_path: Path) -> None:
    local = tmp_path / "beta-1.1-py3-none-any.whl"
    local.write_bytes(b"a wheel")
    report = write(tmp_path / "r.json", [
        item({"url": "https://h.invalid/p/alpha-1.0.tar.gz",
              "archive_info": {"hash": "sha256=" + A.upper()}}),
        item({"url": local.as_uri(), "archive_info": {}}, "beta", "1.1"),
        item({"url": "https://h.invalid/gamma-0.5-py3-none-any.whl", "archive_info": {
            "hashes": {"md5": "0" * 32}}}, "gamma", "0.5"),
        item({"url": "file:///src/app", "dir_info": {"editable": True}}, "app", "0.1"),
        item({"url": "https://github.com/x/y", "vcs_info": {"vcs": "git", "commit_id": "1"}},
             "y", "2"),
    ])
    contents = PipReportInput(report).read()
    alpha, beta = contents.files
    assert (alpha.project, alpha.sha256, alpha.filename) == ("alpha", A, "alpha-1.0.tar.gz")
    # A local file without a hash is hashed later, bounded by the attested size.
    assert (beta.sha256, beta.local_path) == ("", local)
    reasons = {p.project: p.reason for p in contents.problems}
    assert "no sha256" in reasons["gamma"]
    assert "directory" in reasons["app"]
    assert "VCS" in reasons["y"]


@pytest.mark.parametrize(("document", "words"), [
    ('{"version": "1", "install": [}', "not valid JSON"),
    ('[]', "expected a table"),
    ('{"version": "2", "install": []}', "not supported"),
    ('{"version": "1"}', "install: expected an array"),
    ('{"version": "1", "install": [{"metadata": {"name": "a", "version": "1"}}]}',
     "install[0].download_info: expected a table"),
    ('{"version": "1", "install": [{"metadata": {"name": "a"}, "download_info": {}}]}',
     "install[0].metadata.version: expected a string"),
    ('{"version": "1", "install": [{"metadata": {"name": "a b", "version": "1"}, '
     '"download_info": {"url": "x", "archive_info": {}}}]}', "not a valid project name"),
    ('{"version": "1", "install": [{"metadata": {"name": "a", "version": "1"}, '
     '"download_info": {"url": "x", "archive_info": {"hashes": {"sha256": "12"}}}}]}',
     "not a 64-hex"),
])
def test_malformed_reports_name_the_file(tmp_path: Path, document: str, words: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(document)
    with pytest.raises(InputFormatError, match=words.replace("[", r"\[").replace("]", r"\]")
                       ) as info:
        PipReportInput(path).read()
    assert str(info.value).startswith(f"{path}")


def test_json_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{\n"version": "1",\n"install": [,]\n}')
    with pytest.raises(InputFormatError) as info:
        PipReportInput(path).read()
    assert info.value.line == 3


def test_json_names_are_pip_reports(tmp_path: Path) -> None:
    assert isinstance(detect_input(tmp_path / "report.json"), PipReportInput)
