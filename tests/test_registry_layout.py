"""Sharded paths, and writes that leave nothing behind when they fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.attest.errors import RegistryError
from signoff.attest.hashing import hash_file
from signoff.attest.names import normalize_project
from signoff.registry.layout import parse_attestation_path, shard, statement_path
from signoff.registry.repo import Registry

FPR = "0123456789ABCDEF0123456789ABCDEF01234567"


@pytest.mark.parametrize(("project", "expected"), [
    ("a", "1"), ("ab", "2"), ("abc", "3/a"), ("requests", "re/qu"), ("six", "3/s")])
def test_shards_follow_the_crates_io_scheme(project: str, expected: str) -> None:
    assert shard(project) == expected


@given(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,30}[A-Za-z0-9])?", fullmatch=True))
def test_every_normalised_path_parses_back(name: str) -> None:
    project = normalize_project(name)
    path = statement_path(project, "1.0", "ab" * 32, FPR)
    parsed = parse_attestation_path(path)
    assert parsed is not None and parsed.project == project and parsed.statement == path


@pytest.mark.parametrize("path", [
    "attestations/re/qu/Requests/1.0/" + "ab" * 32 + f"/{FPR}.yaml",
    "attestations/xx/yy/requests/1.0/" + "ab" * 32 + f"/{FPR}.yaml",
    "attestations/re/qu/requests/1.0/" + "ab" * 32 + f"/{FPR.lower()}.yaml",
    "attestations/re/qu/requests/01.0/" + "ab" * 32 + f"/{FPR}.yaml",
    "attestations/re/qu/requests/1.0/" + "AB" * 32 + f"/{FPR}.yaml",
    "keys/whatever.yaml"])
def test_non_layout_paths_do_not_parse(path: str) -> None:
    assert parse_attestation_path(path) is None


def test_hashing_never_reads_past_the_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.whl"
    f.write_bytes(b"x" * 10_000)
    bounded = hash_file(f, limit=100)
    assert bounded.truncated and bounded.size == 101
    whole = hash_file(f, limit=10_000)
    assert not whole.truncated and whole.size == 10_000


def test_a_failed_write_leaves_no_files_and_no_commit(tmp_path: Path) -> None:
    registry = Registry.init(tmp_path / "reg", "t")
    head = registry.head_commit().id
    # A file where a directory must go makes the second write fail after the first succeeded.
    (tmp_path / "reg" / "blocker").write_text("in the way")
    with pytest.raises(RegistryError, match="cannot write into the work tree"):
        registry.commit_files({"a/new.txt": b"1", "blocker/x.txt": b"2"}, "two files")
    assert registry.head_commit().id == head
    assert not (tmp_path / "reg" / "a").exists()
    assert (tmp_path / "reg" / "blocker").read_text() == "in the way"


def test_opening_something_that_is_not_a_registry_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not a git repository"):
        Registry.open(tmp_path)
