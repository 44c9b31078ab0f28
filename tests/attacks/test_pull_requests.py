"""Pull requests that bring back what maintainers removed: `registry validate` judges what
merging the pull request would do to the base as it is now, and a path the base's main line
once had and then removed comes back only with the maintainers' --allow-removals."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from signoff.registry.layout import key_path
from signoff.trust.demo.sample_dists import build_wheel
from tests.builder import RegistryBuilder
from tests.harness.cli import run_installed

TIMEOUT = 120
GIT_ENV = {"GIT_AUTHOR_NAME": "pr", "GIT_AUTHOR_EMAIL": "pr@example.org",
           "GIT_COMMITTER_NAME": "pr", "GIT_COMMITTER_EMAIL": "pr@example.org"}


@dataclass
class Leak:
    """A registry whose maintainers removed mallory's leaked key and her statement."""

    builder: RegistryBuilder
    before: str
    """The last main-line commit that still had them."""
    removed: dict[str, bytes]
    """The removed paths and their bytes."""
    key: str
    """Path of the removed key file."""

    def git(self, *args: str, env: dict[str, str] | None = None, data: bytes | None = None
            ) -> str:
        proc = subprocess.run(["git", *args], cwd=self.builder.registry.path, input=data,
                              capture_output=True, check=False,
                              env={**os.environ, **GIT_ENV, **(env or {})})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.decode().strip()

    def commit(self, parents: list[str], changes: Mapping[str, tuple[str, bytes] | None]
               ) -> str:
        """A commit on `parents[0]`'s tree with `changes` (mode and bytes, or None to delete),
        made with git's plumbing so that any file mode can be written."""
        index = {"GIT_INDEX_FILE": str(self.builder.tmp / "pr-index")}
        self.git("read-tree", parents[0], env=index)
        for path, entry in changes.items():
            if entry is None:
                self.git("update-index", "--force-remove", path, env=index)
                continue
            mode, data = entry
            oid = (data.decode() if mode == "160000" else
                   self.git("hash-object", "-w", "--stdin", data=data))
            self.git("update-index", "--add", "--cacheinfo", f"{mode},{oid},{path}", env=index)
        tree = self.git("write-tree", env=index)
        parent_args = [arg for p in parents for arg in ("-p", p)]
        return self.git("commit-tree", tree, *parent_args, "-m", "pull request")

    def validate(self, head: str, *extra: str) -> subprocess.CompletedProcess[str]:
        self.git("branch", "-f", "pr", head)
        out = run_installed("registry", "validate", "--registry", str(self.builder.registry.path),
                      "--base", "main", "--head", "pr", *extra, timeout=TIMEOUT)
        assert "Traceback" not in out.stderr, out.stderr
        return out


@pytest.fixture
def leak(builder: RegistryBuilder) -> Leak:
    builder.key("alice")
    done = builder.approve("mallory", builder.wheel("tinyhttp", "1.0"))
    before = str(builder.registry.head_commit().id)
    key = key_path(builder.key("mallory"))
    paths = [key, done.path, done.path + ".asc"]
    removed = {p: builder.registry.read_file(p) or b"" for p in paths}
    builder.commit_raw(dict.fromkeys(paths), "Remove mallory's leaked key and statements")
    return Leak(builder, before, removed, key)


def _refused(out: subprocess.CompletedProcess[str], *paths: str, needle: str) -> None:
    assert out.returncode == 1, out.stdout + out.stderr
    for path in paths:
        lines = [line for line in out.stdout.splitlines() if line.startswith(path)]
        assert any(needle in line for line in lines), out.stdout


def test_a_branch_cut_before_the_removal_merges_main_and_keeps_the_files(leak: Leak) -> None:
    """Attack: a branch cut before the maintainers removed a leaked key merges main but
    keeps the old files (`git merge -s ours`), so its merge base is main's tip. Gain: the
    leaked key and its approvals come back, looking like plain additions."""
    main = leak.git("rev-parse", "main")
    head = leak.commit([leak.before, main], {})  # the merge keeps the branch's tree
    out = leak.validate(head)
    _refused(out, *leak.removed, needle="re-adds what main removed")


def test_a_branch_that_never_removed_them_adds_a_statement_by_the_leaked_key(
        leak: Leak) -> None:
    """Attack: a branch cut before the removal, never updated, adds a new approval signed by
    the leaked key, which the branch still has. Gain: judged against the merge base, the key
    is there and the approval verifies; merged, it is an approval by a removed key."""
    b = leak.builder
    other = b.wheel("otherpkg", "2.0")
    done = b.approve("mallory", other)  # signed; taken from main's tip, then main reset
    files = {p: ("100644", b.registry.read_file(p) or b"") for p in (done.path,
                                                                    done.path + ".asc")}
    leak.git("update-ref", "refs/heads/main", done.commit + "~1")
    out = leak.validate(leak.commit([leak.before], files))
    _refused(out, leak.key, needle="is missing")


def test_a_branch_that_never_removed_them_certifies_the_leaked_key(leak: Leak) -> None:
    """Attack: a stale branch changes the removed key file (say, a new certification). Gain:
    judged against the merge base, the key only gains material; merged, it comes back."""
    grown = leak.removed[leak.key] + b"\n"
    out = leak.validate(leak.commit([leak.before], {leak.key: ("100644", grown)}))
    _refused(out, leak.key, needle="conflicts with main")


def test_a_fresh_branch_re_adds_the_removed_key_file(leak: Leak) -> None:
    """Attack: a branch off main's tip adds the removed key file back, byte for byte. Gain:
    the leaked key is a valid key of the registry again."""
    main = leak.git("rev-parse", "main")
    out = leak.validate(leak.commit([main], {leak.key: ("100644", leak.removed[leak.key])}))
    _refused(out, leak.key, needle="re-adds what main removed")


def test_re_adding_the_removed_statement_as_a_symlink(leak: Leak) -> None:
    """Attack: the removed statement's path comes back as a symbolic link (mode 120000) to
    a file elsewhere. Gain: the statement returns under a mode the path checks skip."""
    main = leak.git("rev-parse", "main")
    statement = next(p for p in leak.removed if p.endswith(".yaml"))
    out = leak.validate(leak.commit([main], {statement: ("120000", b"../../registry.yaml")}))
    _refused(out, statement, needle="symbolic link")
    _refused(out, statement, needle="re-adds what main removed")


def test_re_adding_the_removed_key_as_a_submodule(leak: Leak) -> None:
    """Attack: the removed key's path comes back as a gitlink (mode 160000). Gain: a path
    that no blob check reads stands where the key was."""
    main = leak.git("rev-parse", "main")
    out = leak.validate(leak.commit([main], {leak.key: ("160000", b"1" * 40)}))
    _refused(out, leak.key, needle="submodule")
    _refused(out, leak.key, needle="re-adds what main removed")


def test_re_adding_the_removed_key_executable(leak: Leak) -> None:
    """Attack: the removed key file comes back with the executable bit. Gain: the key returns
    under an odd mode."""
    main = leak.git("rev-parse", "main")
    out = leak.validate(leak.commit([main], {leak.key: ("100755", leak.removed[leak.key])}))
    _refused(out, leak.key, needle="executable")
    _refused(out, leak.key, needle="re-adds what main removed")


def test_a_force_pushed_rewrite_adds_them_anew_from_the_first_commit(leak: Leak) -> None:
    """Attack: the pull request is force-pushed as a rewritten history that starts from the
    registry's first commit and adds the removed files in a fresh commit. Gain: the merge base
    never had them, so they look like new additions."""
    root = leak.git("rev-list", "--max-parents=0", "main")
    head = leak.commit([root], {p: ("100644", data) for p, data in leak.removed.items()})
    _refused(leak.validate(head), *leak.removed, needle="re-adds what main removed")


def test_maintainers_may_restore_a_removed_key(leak: Leak) -> None:
    """Not an attack: maintainers undo their own removal with --allow-removals."""
    main = leak.git("rev-parse", "main")
    head = leak.commit([main], {p: ("100644", data) for p, data in leak.removed.items()})
    assert leak.validate(head).returncode == 1
    out = leak.validate(head, "--allow-removals")
    assert out.returncode == 0, out.stdout + out.stderr


# -- pull requests that forge or relabel statements -------------------------------------------


@pytest.fixture
def rejected(builder: RegistryBuilder) -> tuple[RegistryBuilder, str, str]:
    """bob rejected tinyhttp 1.0; returns the builder, the base commit and bob's statement."""
    builder.key("alice")
    done = builder.reject("bob", builder.wheel("tinyhttp", "1.0"))
    return builder, str(builder.registry.head_commit().id), done.path


def test_a_rejection_swapped_for_an_approval_under_another_hash_is_refused(
        rejected: tuple[RegistryBuilder, str, str]) -> None:
    """Attack: delete bob's rejection and, in the same pull request, add an approval by
    alice for a rebuilt file with the same name. Gain: the rejection is gone and the
    replacement file looks vetted."""
    b, base, statement = rejected
    other = b.tmp / "other"
    other.mkdir()
    rebuilt = build_wheel(other, "tinyhttp", "1.0", requires=["evil"]).path
    b.commit_raw({statement: None, statement + ".asc": None})
    done = b.approve("alice", rebuilt)
    out = run_installed("registry", "validate", "--registry", str(b.registry.path), "--base",
                        base, "--head", str(b.registry.head_commit().id), timeout=TIMEOUT)
    assert "Traceback" not in out.stderr
    _refused(out, statement, needle="removes an attestation")
    assert done.path.split("/")[-2] != statement.split("/")[-2]


def test_a_statement_relabelled_as_another_signer_is_refused(
        rejected: tuple[RegistryBuilder, str, str]) -> None:
    """Attack: copy bob's signed statement and signature to alice's file name in the same
    folder. Gain: one signer's statement counted twice, once under a name it was not signed
    by."""
    b, base, statement = rejected
    as_alice = statement.rsplit("/", 1)[0] + f"/{b.key('alice')}.yaml"
    b.commit_raw({as_alice: b.registry.read_file(statement) or b"",
                  as_alice + ".asc": b.registry.read_file(statement + ".asc") or b""})
    out = run_installed("registry", "validate", "--registry", str(b.registry.path), "--base",
                        base, "--head", str(b.registry.head_commit().id), timeout=TIMEOUT)
    assert "Traceback" not in out.stderr
    _refused(out, as_alice, needle="differs from the file name")


def test_a_signature_swapped_between_two_statements_is_refused(
        rejected: tuple[RegistryBuilder, str, str]) -> None:
    """Attack: bob's later approval of another file is paired with the signature of his
    rejection, and the other way round. Gain: each statement carries a good signature by
    bob, just over the other's bytes."""
    b, base, statement = rejected
    other = b.approve("bob", b.wheel("tinyhttp", "1.1")).path
    base = str(b.registry.head_commit().id)
    sig_a = b.registry.read_file(statement + ".asc") or b""
    sig_b = b.registry.read_file(other + ".asc") or b""
    b.commit_raw({statement + ".asc": sig_b, other + ".asc": sig_a})
    out = run_installed("registry", "validate", "--registry", str(b.registry.path), "--base",
                        base, "--head", str(b.registry.head_commit().id), timeout=TIMEOUT)
    assert "Traceback" not in out.stderr
    _refused(out, statement + ".asc", needle="does not verify")
    _refused(out, other + ".asc", needle="does not verify")
