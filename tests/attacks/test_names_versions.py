"""Names, versions and paths: one release has one folder, one project has one folder.

PEP 440 calls 1.0, 1.0.0 and v1.0.0.0 one version, and pip installs the same file for each;
PEP 503 calls Tiny_HTTP and tinyhttp one project. A registry that files them apart lets a
rejection filed under one spelling go unseen by a check of another."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from signoff.attest.model import Attestation, Subject, Verdict, dump_attestation
from signoff.attest.names import canonical_version
from signoff.registry.layout import ATTESTATIONS_DIR, shard, statement_path, version_dir
from signoff.registry.sign import subject_for_file
from tests.attacks.kit import check, refused, run, validate
from tests.builder import RegistryBuilder


def _file_under(b: RegistryBuilder, who: str, file: Path, version_text: str,
                verdict: Verdict = Verdict.APPROVED, project_folder: str | None = None) -> str:
    """Sign a statement whose subject spells the version `version_text` and commit it in the
    folder of that spelling, as signoff before canonical folders did (or an attacker does)."""
    subject = subject_for_file(file)
    fpr = b.key(who)
    att = Attestation(Subject(subject.project, version_text, subject.filename, subject.sha256,
                              subject.size), verdict, ("safe-to-deploy",), fpr,
                      datetime(2026, 11, 1, tzinfo=UTC))
    statement = dump_attestation(att)
    project = project_folder or subject.project
    path = (f"{ATTESTATIONS_DIR}/{shard(project)}/{project}/{version_text}/{subject.sha256}/"
            f"{fpr}.yaml")
    b.commit_raw({path: statement, path + ".asc": b.user.sign_detached(statement, fpr)})
    return path


def _requirements(b: RegistryBuilder, file: Path, spelling: str) -> Path:
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    reqs = b.tmp / "requirements.txt"
    reqs.write_text(f"tinyhttp=={spelling} --hash=sha256:{digest}\n")
    return reqs


@pytest.fixture
def wheel(builder: RegistryBuilder) -> Path:
    builder.key("alice")
    builder.key("bob")
    builder.policy(roots=["alice", "bob"], signers=1)
    return builder.wheel("tinyhttp", "1.0.0")


@pytest.mark.parametrize(("approved_as", "rejected_as", "pinned_as"), [
    ("1.0.0", "1.0", "1.0.0"), ("1.0.0", "1", "1.0.0"), ("1", "1.0.0.0", "1.0"),
    ("1.0.0", "1.0.0.0", "1.0.0")])
def test_a_rejection_under_another_spelling_of_the_version_is_not_outvoted(
        builder: RegistryBuilder, wheel: Path, approved_as: str, rejected_as: str,
        pinned_as: str) -> None:
    """Attack: bob's rejection sits under one spelling of the version (as an older signoff
    filed it), alice's approval of the same file under another; the lock pins a third.
    Gain: the check reads one folder, sees only the approval, and installs a rejected file."""
    _file_under(builder, "alice", wheel, approved_as)
    _file_under(builder, "bob", wheel, rejected_as, Verdict.REJECTED)
    out = check(builder, _requirements(builder, wheel, pinned_as))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "non-canonical spelling of tinyhttp 1" in out.stderr
    assert str(builder.registry.path) in out.stderr


def test_equal_spellings_of_a_pin_find_the_one_release(builder: RegistryBuilder,
                                                     wheel: Path) -> None:
    """Attack: pin the rejected release as 1.0.0.0, v1.0, or 1.0.0 where the vetters filed
    it as 1.0. Gain: a pin that names no folder escapes the rejection."""
    builder.approve("alice", wheel)
    builder.reject("bob", wheel)
    for spelling in ("1.0", "1.0.0.0", "v1.0", "1", "1.0.0"):
        out = check(builder, _requirements(builder, wheel, spelling))
        assert out.returncode == 1, (spelling, out.stdout + out.stderr)
        assert "reject" in out.stdout.lower(), out.stdout


def test_attest_files_every_spelling_under_the_canonical_folder(builder: RegistryBuilder,
                                                                wheel: Path) -> None:
    """Attack: a vetter's tool told `--version 1.0.0.0` files the statement under that
    spelling. Gain: a split release, as above. signoff writes the canonical folder only."""
    done = builder.approve("alice", wheel)
    assert f"/tinyhttp/1/{done.attestation.subject.sha256}/" in done.path


@pytest.mark.parametrize("spelling", ["1.0.0", "1.0", "v1", "1.0.0.0"])
def test_validate_refuses_a_non_canonical_version_folder(builder: RegistryBuilder, wheel: Path,
                                                         spelling: str) -> None:
    """Attack: a pull request files an approval under a non-canonical version folder.
    Gain: a second folder for one release, outside what a lookup reads."""
    base = str(builder.registry.head_commit().id)
    path = _file_under(builder, "alice", wheel, spelling)
    expected = statement_path("tinyhttp", "1", path.split("/")[-2], builder.key("alice"))
    refused(validate(builder, base), path, "not an attestation layout path", expected)


@pytest.mark.parametrize("folder", ["TinyHTTP", "tiny_http", "tiny.http", "tiny--http",
                                    "tinyhttp\u200b", "t\u0456nyhttp", "\uff54inyhttp"])
def test_validate_refuses_another_spelling_of_the_project(builder: RegistryBuilder,
                                                          wheel: Path, folder: str) -> None:
    """Attack: a pull request files under a case, separator, zero-width or look-alike
    (Cyrillic i, full-width t) spelling of the project. Gain: a second folder for one
    project, or a folder a reader mistakes for it."""
    base = str(builder.registry.head_commit().id)
    path = _file_under(builder, "alice", wheel, "1", project_folder=folder)
    refused(validate(builder, base), path, "not an attestation layout path")


@pytest.mark.parametrize("where", ["wrong shard", "extra folder", "flat"])
def test_validate_refuses_a_statement_at_a_misplaced_path(builder: RegistryBuilder,
                                                          wheel: Path, where: str) -> None:
    """Attack: a statement at a path a lookup never reads (another shard, a folder deeper,
    no shard at all). Gain: reviewers see an approval that the layout hides."""
    base = str(builder.registry.head_commit().id)
    good = builder.approve("alice", wheel).path
    data = {p: builder.registry.read_file(p) or b"" for p in (good, good + ".asc")}
    builder.commit_raw({good: None, good + ".asc": None})
    parts = good.split("/")
    moved = {"wrong shard": ["attestations", "zz", "zz", *parts[3:]],
             "extra folder": [*parts[:3], "x", *parts[3:]],
             "flat": ["attestations", *parts[3:]]}[where]
    path = "/".join(moved)
    builder.commit_raw({path: data[good], path + ".asc": data[good + ".asc"]})
    refused(validate(builder, base), path, "not an attestation layout path")


def test_versions_and_explain_fail_closed_on_a_split_release(builder: RegistryBuilder,
                                                            wheel: Path) -> None:
    """Attack: as above, read through `versions` and `explain`. Gain: a listing that shows
    the release approved while a rejection hides under another spelling."""
    builder.approve("alice", wheel)
    _file_under(builder, "bob", wheel, "1.0", Verdict.REJECTED)
    policy = str(builder.tmp / "signoff-policy.yaml")
    for args in (("versions", "tinyhttp"), ("explain", "tinyhttp==1.0")):
        out = run(*args, "--policy", policy)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "tinyhttp/1.0 is a non-canonical spelling" in out.stderr, out.stderr


def test_a_statement_may_spell_its_version_with_trailing_zeros(builder: RegistryBuilder,
                                                               wheel: Path) -> None:
    """Not an attack: a statement written before canonical folders says `version: 1.0.0`;
    moved into the canonical folder it still verifies and counts."""
    path = _file_under(builder, "alice", wheel, "1.0.0")
    moved = path.replace("/1.0.0/", "/1/")
    builder.commit_raw({path: None, path + ".asc": None,
                        moved: builder.registry.read_file(path) or b"",
                        moved + ".asc": builder.registry.read_file(path + ".asc") or b""})
    out = check(builder, _requirements(builder, wheel, "1.0"))
    assert out.returncode == 0, out.stdout + out.stderr


_spellings = st.builds(
    lambda epoch, release, zeros, pre, post, dev, local, v: (
        ("v" if v else "") + (f"{epoch}!" if epoch else "")
        + ".".join(map(str, [*release, *[0] * zeros])) + pre + post + dev + local),
    st.integers(0, 2), st.lists(st.integers(0, 12), min_size=1, max_size=3), st.integers(0, 3),
    st.sampled_from(["", "a1", "rc2", ".beta3", "-pre0"]),
    st.sampled_from(["", ".post1", "-1", "post", ".r2"]),
    st.sampled_from(["", ".dev0", "dev4"]), st.sampled_from(["", "+x", "+Ab.7"]),
    st.booleans())


@settings(max_examples=200, deadline=None)
@given(_spellings, _spellings)
def test_equal_versions_have_exactly_one_folder(a: str, b: str) -> None:
    """Attack: find two spellings of one version that land in two folders, or two different
    versions that land in one. Gain: a split release, or one release's statements counted
    for another."""
    folder_a, folder_b = canonical_version(a), canonical_version(b)
    assert (folder_a == folder_b) == (Version(a) == Version(b)), (a, b)
    assert canonical_version(folder_a) == folder_a and Version(folder_a) == Version(a)
    assert version_dir("x", a) == version_dir("x", folder_a)
    assert "/" not in folder_a and folder_a not in (".", "..")
