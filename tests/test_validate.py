"""Pull-request validation over real registries, real signed attestations and real keys."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pygit2
import pytest

from signoff.attest.errors import RegistryError
from signoff.attest.model import Verdict
from signoff.registry.layout import key_path, statement_path
from signoff.registry.repo import Registry
from signoff.registry.sign import subject_for_file, subject_for_hash, vouch
from signoff.registry.validate import Finding, ValidationReport, validate
from tests.builder import RegistryBuilder
from tests.harness.git import git

OTHER_SHA = "f" * 64


class PullRequest:
    """The builder's registry; a pull request is every commit after `start()`."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.b = builder
        self.registry = builder.registry
        self.base = ""

    def start(self) -> None:
        self.base = str(self.registry.head_commit().id)

    def validate(self, **options: bool) -> ValidationReport:
        head = str(self.registry.head_commit().id)
        return validate(self.registry.repo, self.base, head, **options)

    def messages(self, **options: bool) -> list[str]:
        return [f.text() for f in self.validate(**options).findings]

    def git(self, *args: str) -> None:
        git(self.registry.path, *args)


@pytest.fixture
def pr(builder: RegistryBuilder) -> PullRequest:
    builder.key("alice")
    builder.key("bob")
    return PullRequest(builder)


def only(messages: list[str], *needles: str) -> None:
    """Exactly one finding, containing every needle."""
    assert len(messages) == 1, messages
    for needle in needles:
        assert needle in messages[0], messages[0]


def test_a_good_attestation_validates(pr: PullRequest) -> None:
    pr.start()
    pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.b.reject("bob", pr.b.sdist("tinyhttp", "1.0.0"))
    report = pr.validate()
    assert report.ok, report.findings
    assert (report.statements, report.keys) == (2, 0)
    assert json.loads(json.dumps(report.as_json()))["ok"] is True


def test_a_new_vetter_with_a_new_key_validates(builder: RegistryBuilder) -> None:
    pr = PullRequest(builder)
    pr.start()
    builder.key("carol", publish=False)
    done = builder.approve("carol", builder.wheel("tinyhttp", "1.0.0"))
    assert done.added_key
    report = pr.validate()
    assert report.ok, report.findings
    assert report.keys == 1


def test_vetter_branch_is_judged_from_the_merge_base(pr: PullRequest,
                                                     tmp_path: Path) -> None:
    upstream = pr.registry
    clone_path = tmp_path / "vetter"
    pygit2.clone_repository(str(upstream.path), str(clone_path))
    vetter = Registry.open(clone_path)
    vetter.repo.branches.local.create("vet", vetter.head_commit())
    vetter.repo.checkout("refs/heads/vet")
    vouch(vetter, pr.b.user, subject_for_file(pr.b.wheel("tinyhttp", "1.0.0")),
          verdict=Verdict.APPROVED, criteria=("safe-to-run",), key=pr.b.key("alice"))
    # Meanwhile main moved on with a broken commit the vetter is not responsible for.
    pr.b.commit_raw({"stray.txt": b"x"})
    pr.git("fetch", "-q", str(clone_path), "vet:vet")
    report = validate(upstream.repo, "main", "vet")
    assert report.ok, report.findings
    assert report.merge_base != str(upstream.head_commit().id)


def test_editing_someone_elses_attestation_is_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.start()
    edited = pr.registry.read_file(done.path)
    assert edited is not None
    pr.b.commit_raw({done.path: edited.replace(b"safe-to-deploy", b"safe-to-run")})
    messages = pr.messages()
    assert len(messages) == 2, messages
    assert "a replacement must be newer" in messages[0]
    assert messages[1].startswith(done.path + ".asc")
    assert "does not verify" in messages[1] and "BAD signature" in messages[1]


def test_replacing_with_another_signers_statement_is_refused(pr: PullRequest) -> None:
    wheel = pr.b.wheel("tinyhttp", "1.0.0")
    alice = pr.b.approve("alice", wheel)
    bob = pr.b.reject("bob", wheel)
    pr.start()
    statement, signature = (pr.registry.read_file(bob.path),
                            pr.registry.read_file(bob.path + ".asc"))
    assert statement is not None and signature is not None
    pr.b.commit_raw({alice.path: statement, alice.path + ".asc": signature})
    only(pr.messages(), alice.path, "differs from the file name")


def test_a_signer_may_replace_their_own_with_a_newer_one(pr: PullRequest) -> None:
    wheel = pr.b.wheel("tinyhttp", "1.0.0")
    now = datetime.now(tz=UTC)
    first = pr.b.approve("alice", wheel, now=now - timedelta(days=2))
    older = (pr.registry.read_file(first.path), pr.registry.read_file(first.path + ".asc"))
    pr.start()
    pr.b.approve("alice", wheel, criteria=("safe-to-run",), now=now - timedelta(days=1))
    assert pr.validate().ok
    # Replaying the older statement (a rollback of the withdrawal) is refused by its date.
    pr.start()
    assert older[0] is not None and older[1] is not None
    pr.b.commit_raw({first.path: older[0], first.path + ".asc": older[1]})
    only(pr.messages(), first.path, "a replacement must be newer")


def test_deleting_an_attestation_needs_allow_removals(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.start()
    pr.b.commit_raw({done.path: None, done.path + ".asc": None})
    messages = pr.messages()
    assert len(messages) == 2 and all("removals are refused" in m for m in messages)
    assert "--allow-removals" in messages[0]
    assert pr.validate(allow_removals=True).ok


def test_an_unsigned_attestation_is_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    statement = pr.registry.read_file(done.path)
    assert statement is not None
    pr.start()
    target = statement_path("tinyhttp", "1.0.0", done.attestation.subject.sha256,
                            pr.b.key("alice"))
    other = pr.b.sdist("tinyhttp", "1.0.0")
    subject = subject_for_file(other)
    unsigned = statement.replace(done.attestation.subject.sha256.encode(),
                                 subject.sha256.encode())
    unsigned_path = target.replace(done.attestation.subject.sha256, subject.sha256)
    pr.b.commit_raw({unsigned_path: unsigned})
    only(pr.messages(), unsigned_path, "has no signature")


def test_moving_an_attestation_to_another_hash_is_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    statement = pr.registry.read_file(done.path)
    signature = pr.registry.read_file(done.path + ".asc")
    assert statement is not None and signature is not None
    pr.start()
    moved = done.path.replace(done.attestation.subject.sha256, OTHER_SHA)
    pr.b.commit_raw({moved: statement, moved + ".asc": signature})
    only(pr.messages(), moved, "does not match the path it sits at", done.path)
    document = pr.validate().as_json()
    assert document["ok"] is False and document["findings"] == [
        {"path": moved, "line": None, "message": pr.validate().findings[0].message}]


def test_a_symlink_is_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.start()
    link = done.path.replace(done.attestation.subject.sha256, OTHER_SHA)
    (pr.registry.path / link).parent.mkdir(parents=True)
    (pr.registry.path / link).symlink_to("/etc/passwd")
    pr.git("add", link)
    pr.git("commit", "-q", "-m", "link")
    only(pr.messages(), link, "symbolic link")


def test_an_executable_bit_is_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.start()
    pr.git("update-index", "--chmod=+x", done.path)
    pr.git("commit", "-q", "-m", "chmod")
    only(pr.messages(), done.path, "executable bit")


def test_stripping_a_certification_from_a_key_is_refused(pr: PullRequest) -> None:
    alice = pr.b.key("alice")
    uncertified = pr.registry.read_file(key_path(alice))
    pr.b.certify("bob", "alice")
    certified = pr.registry.read_file(key_path(alice))
    assert uncertified is not None and certified is not None and certified != uncertified
    pr.start()
    pr.b.commit_raw({key_path(alice): uncertified})
    only(pr.messages(), key_path(alice), "loses material", "certification by",
         pr.b.key("bob")[-16:])


def test_a_key_may_gain_a_certification(pr: PullRequest) -> None:
    pr.start()
    pr.b.certify("bob", "alice")
    report = pr.validate()
    assert report.ok, report.findings
    assert report.keys == 1


def test_a_key_file_holding_another_key_is_refused(pr: PullRequest) -> None:
    pr.start()
    bob_key = pr.registry.read_file(key_path(pr.b.key("bob")))
    assert bob_key is not None
    fake = "0" * 40
    pr.b.commit_raw({key_path(fake): bob_key, "keys/notakey.asc": b"x"})
    messages = pr.messages()
    assert len(messages) == 2
    assert f"not {fake} as its file name says" in messages[0]
    assert "keys/notakey.asc: is not a key path" in messages[1]


def test_a_secret_or_binary_key_file_is_refused(pr: PullRequest) -> None:
    carol = pr.b.key("carol", publish=False)
    home = str(pr.b.home)
    secret = subprocess.run(["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback",
                             "--passphrase", "", "--export-secret-keys", carol],
                            capture_output=True, check=True).stdout
    binary = subprocess.run(["gpg", "--homedir", home, "--batch", "--export", carol],
                            capture_output=True, check=True).stdout
    assert secret and binary
    pr.start()
    pr.b.commit_raw({key_path(carol): secret})
    only(pr.messages(), key_path(carol), "not an armored public key")
    pr.b.commit_raw({key_path(carol): binary})
    only(pr.messages(), key_path(carol), "not an armored public key")


def test_a_hash_conflict_is_refused(pr: PullRequest) -> None:
    wheel = pr.b.wheel("tinyhttp", "1.0.0")
    pr.b.approve("alice", wheel)
    pr.start()
    subject = subject_for_hash(wheel.name, OTHER_SHA, 1234)
    done = vouch(pr.registry, pr.b.user, subject, verdict=Verdict.APPROVED,
                 criteria=("safe-to-run",), key=pr.b.key("bob"))
    only(pr.messages(), done.path, "hash conflict", wheel.name)


def test_stray_and_misplaced_files_are_refused(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    statement = pr.registry.read_file(done.path)
    assert statement is not None
    pr.start()
    unnormalised = done.path.replace("/tinyhttp/1/", "/TinyHTTP/1.0.0/")
    pr.b.commit_raw({"notes.txt": b"hello", unnormalised: statement,
                     "README.md": b"rewritten"})
    messages = pr.messages()
    assert len(messages) == 3, messages
    assert "README.md: changes one of the registry's own files" in messages[0]
    assert messages[1].startswith(unnormalised) and f"expected {done.path}" in messages[1]
    assert messages[2].startswith("notes.txt: is not a registry path")
    assert len(pr.messages(allow_registry_files=True)) == 2


def test_an_oversized_statement_is_refused_unread(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    pr.start()
    pr.b.commit_raw({done.path: b"#" * (1024 * 1024)})
    only(pr.messages(), done.path, "over the", "cap")


def test_a_missing_key_and_a_bad_statement_are_named(pr: PullRequest) -> None:
    done = pr.b.approve("alice", pr.b.wheel("tinyhttp", "1.0.0"))
    statement = pr.registry.read_file(done.path)
    signature = pr.registry.read_file(done.path + ".asc")
    assert statement is not None and signature is not None
    pr.start()
    pr.b.commit_raw({key_path(pr.b.key("alice")): None})
    messages = pr.messages(allow_removals=True)
    assert messages == [], messages  # nothing that needs the key changed
    pr.b.commit_raw({done.path: statement + b"\nextra: [1\n"})
    found = pr.validate(allow_removals=True).findings
    assert len(found) == 1 and found[0].path == done.path and found[0].line is not None


def test_github_annotations_escape_what_they_must() -> None:
    finding = Finding("a,b:c.yaml", "100% wrong\nsecond line", 3)
    assert finding.github() == "::error file=a%2Cb%3Ac.yaml,line=3::100%25 wrong%0Asecond line"
    assert Finding("p", "m").text() == "p: m"


def test_unknown_revisions_are_errors(pr: PullRequest) -> None:
    with pytest.raises(RegistryError, match="no such revision"):
        validate(pr.registry.repo, "main", "no-such-branch")
