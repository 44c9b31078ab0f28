"""Git-level attacks: merges, rewrites, odd tree entries. A registry is read as git objects at a
named ref, never through a work tree, and a pull request is judged by what merging it would
do to the base's tip."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from signoff.registry.layout import key_path
from tests.attacks.kit import refused, run, validate
from tests.builder import RegistryBuilder

GIT_ENV = {"GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@example.org",
           "GIT_COMMITTER_NAME": "m", "GIT_COMMITTER_EMAIL": "m@example.org"}


def _git(b: RegistryBuilder, *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=b.registry.path, input=data, capture_output=True,
                          check=False, env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode().strip()


def _commit(b: RegistryBuilder, tree_of: str, parents: list[str],
            entries: dict[str, tuple[str, str] | None]) -> str:
    """A commit with `tree_of`'s tree changed by `entries` (path -> mode and object id, or
    None to remove a path and everything under it), made with git's plumbing so that any
    mode can be written."""
    env = {**os.environ, **GIT_ENV, "GIT_INDEX_FILE": str(b.tmp / "attack-index")}
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=b.registry.path, env=env, check=True,
                              capture_output=True).stdout.decode().strip()
    git("read-tree", tree_of)
    for path, entry in entries.items():
        if entry is None:
            git("rm", "-rq", "--cached", path)
        else:
            git("update-index", "--add", "--cacheinfo", f"{entry[0]},{entry[1]},{path}")
    tree = git("write-tree")
    return _git(b, "commit-tree", tree, *[a for p in parents for a in ("-p", p)], "-m", "x")


def _blob(b: RegistryBuilder, data: bytes) -> str:
    return _git(b, "hash-object", "-w", "--stdin", data=data)


def _check(b: RegistryBuilder, wheel: Path) -> subprocess.CompletedProcess[str]:
    return run("check", str(wheel), "--policy", str(b.tmp / "signoff-policy.yaml"),
               "--state-dir", str(b.tmp / "state"))


@pytest.fixture
def wheel(builder: RegistryBuilder) -> Path:
    builder.key("alice")
    builder.key("bob")
    builder.policy(roots=["alice", "bob"], signers=1)
    return builder.wheel("tinyhttp", "1.0")


def test_a_pull_request_from_an_unrelated_history_fails_closed(builder: RegistryBuilder,
                                                               wheel: Path) -> None:
    """Attack: a pull request whose history shares no commit with main (a fresh repository
    holding forged or removed files). Gain: nothing to compare against, so nothing refused."""
    base = str(builder.registry.head_commit().id)
    done = builder.approve("alice", wheel)
    blob = _blob(builder, builder.registry.read_file(done.path) or b"")
    tree = _git(builder, "mktree", data=f"100644 blob {blob}\tstray.yaml\n".encode())
    orphan = _git(builder, "commit-tree", tree, "-m", "unrelated")
    out = run("registry", "validate", "--registry", str(builder.registry.path), "--base", base,
              "--head", orphan)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "share no history" in out.stderr and str(builder.registry.path) in out.stderr


def test_an_evil_merge_that_edits_a_signed_statement_is_refused(builder: RegistryBuilder,
                                                                wheel: Path) -> None:
    """Attack: the pull request is a merge of main whose recorded tree quietly edits bob's
    rejection into an approval (an "evil merge": the change is in no parent's diff). Gain:
    reviewers of each side's diff never see the edit."""
    done = builder.reject("bob", wheel)
    base = str(builder.registry.head_commit().id)
    side = _git(builder, "commit-tree", f"{base}^{{tree}}", "-p", base, "-m", "side")
    edited = (builder.registry.read_file(done.path) or b"").replace(b"rejected", b"approved")
    merge = _commit(builder, base, [base, side],
                    {done.path: ("100644", _blob(builder, edited))})
    _git(builder, "update-ref", "HEAD", merge)
    refused(validate(builder, base), done.path, "signature")


def test_an_octopus_merge_is_judged_by_what_it_brings(builder: RegistryBuilder,
                                                      wheel: Path) -> None:
    """Attack: an octopus merge of three branches, one of which adds an executable stray
    file and one a symlinked key. Gain: checks that look at one parent miss the others."""
    base = str(builder.registry.head_commit().id)
    alice_key = builder.registry.read_file(key_path(builder.key("alice"))) or b""
    heads = [_commit(builder, base, [base], {name: (mode, _blob(builder, data))})
             for name, mode, data in (("tools/run.sh", "100755", b"#!/bin/sh\n"),
                                      (key_path("C" * 40), "120000", alice_key))]
    _git(builder, "checkout", "-q", "-b", "octopus", heads[0])
    _git(builder, "merge", "-q", "--no-edit", heads[1])
    out = validate(builder, base)
    refused(out, "tools/run.sh", "executable")
    refused(out, key_path("C" * 40), "symbolic link")


def test_a_rolled_back_main_that_drops_a_rejection_is_refused(builder: RegistryBuilder,
                                                              wheel: Path) -> None:
    """Attack: after a deployment saw bob's rejection, the registry's main is reset to the
    commit before it. Gain: the next check no longer sees the rejection and passes."""
    builder.approve("alice", wheel)
    before = str(builder.registry.head_commit().id)
    builder.reject("bob", wheel)
    first = _check(builder, wheel)
    assert first.returncode == 1, first.stdout + first.stderr
    _git(builder, "update-ref", "refs/heads/main", before)
    again = _check(builder, wheel)
    assert again.returncode == 2, again.stdout + again.stderr
    assert "rewrite" in again.stderr or "rollback" in again.stderr, again.stderr


def test_a_rewritten_main_with_the_same_files_is_still_refused(builder: RegistryBuilder,
                                                               wheel: Path) -> None:
    """Attack: main is rewritten into commits with the same trees but other dates and
    authors (a force-push of a "cleaned" history). Gain: forged first-seen times for the
    quarantine, with nothing in the files to notice."""
    builder.approve("alice", wheel)
    assert _check(builder, wheel).returncode == 0
    head = builder.registry.head_commit()
    rewritten = _git(builder, "commit-tree", str(head.tree.id),
                     *[arg for p in head.parents for arg in ("-p", str(p.id))],
                     "-m", "same files, new commit")
    _git(builder, "update-ref", "refs/heads/main", rewritten)
    out = _check(builder, wheel)
    assert out.returncode == 2, out.stdout + out.stderr
    assert rewritten[:12] in out.stderr or "rewrite" in out.stderr, out.stderr


@pytest.mark.parametrize(("mode", "what"), [("160000", "submodule"), ("120000", "symbolic link"),
                                            ("100755", "executable")])
def test_the_attestations_folder_replaced_by_an_odd_entry_is_refused(
        builder: RegistryBuilder, wheel: Path, mode: str, what: str) -> None:
    """Attack: a pull request replaces a whole project folder with a gitlink, a symlink or an
    executable file. Gain: every statement under it vanishes from a reader that skips odd
    entries, without a deletion anyone reviews."""
    done = builder.reject("bob", wheel)
    base = str(builder.registry.head_commit().id)
    folder = done.path.rsplit("/", 3)[0]
    oid = "1" * 40 if mode == "160000" else _blob(builder, b"../../elsewhere")
    odd = _commit(builder, base, [base], {folder: None})
    _git(builder, "update-ref", "HEAD", _commit(builder, odd, [base], {folder: (mode, oid)}))
    out = validate(builder, base)
    refused(out, folder, what)
    refused(out, done.path, "removes an attestation")


@pytest.mark.parametrize("name", ["..", ".git", ".", "keys\u2215x"])
def test_a_tree_entry_that_no_checkout_would_write_is_refused(builder: RegistryBuilder,
                                                              wheel: Path, name: str) -> None:
    """Attack: a pull request whose tree has an entry git itself refuses to check out (`..`,
    `.git`, `.`) or a look-alike of a path separator, holding a key file below it. Gain: a
    key or statement that a reader walking the work tree would resolve somewhere else."""
    base = str(builder.registry.head_commit().id)
    mallory = builder.key("mallory", publish=False)
    key = _blob(builder, builder.user.export_public_key(mallory))
    keys = _git(builder, "mktree", data=f"100644 blob {key}\t{mallory}.asc\n".encode())
    below = _git(builder, "mktree", data=f"040000 tree {keys}\tkeys\n".encode())
    listing = _git(builder, "ls-tree", base) + f"\n040000 tree {below}\t{name}\n"
    root = _git(builder, "mktree", data=listing.encode())
    _git(builder, "update-ref", "HEAD", _git(builder, "commit-tree", root, "-p", base, "-m", "x"))
    out = validate(builder, base)
    path = f"{name}/keys/{mallory}.asc"
    if out.returncode == 2:  # libgit2 refuses to merge a tree with a path git cannot write
        assert f"invalid path: '{path}'" in out.stderr, out.stderr
    else:
        refused(out, path, "not a registry path")
