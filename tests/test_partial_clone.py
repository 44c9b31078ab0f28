"""Past one machine: a registry kept as a partial clone (`--filter=blob:none`) of a local bare
upstream, offline; a check fetches only the blobs it reads."""

from __future__ import annotations

import pygit2

from signoff.registry.layout import version_dir
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.harness.git import git


def test_a_partial_clone_fetches_only_the_blobs_a_check_needs(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    other = builder.wheel("otherpkg", "3.0")
    builder.approve("alice", f)
    builder.approve("alice", other)
    upstream = builder.tmp / "upstream.git"
    git(builder.tmp, "clone", "-q", "--bare", str(builder.registry.path), str(upstream))
    git(upstream, "config", "uploadpack.allowFilter", "true")
    git(upstream, "config", "uploadpack.allowAnySHA1InWant", "true")
    partial = builder.tmp / "partial.git"
    git(builder.tmp, "clone", "-q", "--bare", "--filter=blob:none", upstream.as_uri(),
        str(partial))
    repo = pygit2.Repository(str(partial))
    head = repo.revparse_single("main").peel(pygit2.Commit)

    def blobs_here(project: str, version: str) -> list[bool]:
        tree: pygit2.Object | None = head.tree
        for name in version_dir(project, version).split("/"):
            assert isinstance(tree, pygit2.Tree)
            tree = repo.get(tree[name].id)
        assert isinstance(tree, pygit2.Tree)
        found = []
        for sha in tree:
            files = repo.get(sha.id)
            assert isinstance(files, pygit2.Tree)
            found += [e.id in repo.odb for e in files]
        return found

    assert blobs_here("tinyhttp", "1.0") == [False, False]  # statement and signature
    policy = builder.policy(roots=["alice"], signers=1)
    policy.write_text(policy.read_text().replace("path: registry", "path: partial.git"))
    result = run_cli("check", str(f), "--policy", str(policy))
    assert result.returncode == 0, result.stderr
    repo = pygit2.Repository(str(partial))
    assert blobs_here("tinyhttp", "1.0") == [True, True]
    assert blobs_here("otherpkg", "3.0") == [False, False]  # never read, never fetched


def test_a_partial_clone_whose_remote_is_gone_fails_closed(builder: RegistryBuilder) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    upstream = builder.tmp / "upstream.git"
    git(builder.tmp, "clone", "-q", "--bare", str(builder.registry.path), str(upstream))
    git(upstream, "config", "uploadpack.allowFilter", "true")
    partial = builder.tmp / "partial.git"
    git(builder.tmp, "clone", "-q", "--bare", "--filter=blob:none", upstream.as_uri(),
        str(partial))
    upstream.rename(builder.tmp / "gone.git")
    policy = builder.policy(roots=["alice"], signers=1)
    policy.write_text(policy.read_text().replace("path: registry", "path: partial.git"))
    result = run_cli("check", str(f), "--policy", str(policy))
    assert result.returncode == 2 and "partial clone" in result.stderr
    assert "Traceback" not in result.stderr
