"""The maintainers rule over commits signed by the real git command line with real GnuPG keys."""

from __future__ import annotations

import subprocess

import pygit2
import pytest

from signoff.attest.errors import MaintainerRuleError
from signoff.registry.maintainers import check_maintainers
from signoff.registry.repo import Registry
from tests.builder import RegistryBuilder
from tests.harness.git import git


class Signed:
    """The builder's registry, committed to with `git commit` (signed or not)."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.b = builder
        self.maint = builder.key("maint")
        self.mallory = builder.key("mallory")
        self.registry: Registry = builder.registry
        self.since = str(self.registry.head_commit().id)
        self.cache = builder.tmp / "cache"

    def commit(self, name: str, key: str | None) -> str:
        """Commit a new file with `git commit`, signed by `key` when given."""
        path = self.registry.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name}\n")
        self.git("add", name)
        sign = ["-S" + key] if key else ["--no-gpg-sign"]
        self.git("commit", "-q", *sign, "-m", f"add {name}")
        return self.head()

    def git(self, *args: str) -> str:
        return git(self.registry.path, *args, gnupghome=self.b.home)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def check(self, head: str | None = None, maintainers: tuple[str, ...] | None = None,
              since: str | None = None) -> int:
        repo = pygit2.Repository(str(self.registry.path))
        commit = repo[head or self.head()].peel(pygit2.Commit)
        keys = Registry(repo, self.registry.path).keys_at(commit)
        report = check_maintainers(repo, keys, commit.id, since or self.since,
                                   maintainers or (self.maint,), "the registry", self.cache)
        return report.commits


@pytest.fixture
def signed(builder: RegistryBuilder) -> Signed:
    return Signed(builder)


def test_signed_main_line_passes_and_is_cached(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    signed.commit("CONTRIBUTING.md", signed.maint)
    assert signed.check() == 2
    assert (signed.cache / "maintainers.sqlite").exists()
    assert signed.check() == 2  # from the cache: same answer
    assert signed.check(since=signed.head()) == 0


def test_unsigned_commit_pushed_straight_to_main_is_caught(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    pushed = signed.commit("sneaky.txt", None)
    signed.commit("later.txt", signed.maint)  # later good commits do not launder it
    with pytest.raises(MaintainerRuleError) as caught:
        signed.check()
    assert caught.value.commit == pushed
    assert pushed in caught.value.diagnostics() and "not signed" in caught.value.diagnostics()


def test_commit_signed_by_a_non_maintainer_is_caught(signed: Signed) -> None:
    good = signed.commit("README.md", signed.maint)
    bad = signed.commit("x.txt", signed.mallory)
    assert signed.check(head=good) == 1
    with pytest.raises(MaintainerRuleError) as caught:
        signed.check()
    assert caught.value.commit == bad and "not signed by a maintainer" in str(caught.value)
    # With mallory listed as a maintainer too, the same history passes.
    assert signed.check(maintainers=(signed.maint, signed.mallory)) == 2


def test_unsigned_merge_on_the_main_line_is_caught(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    signed.git("switch", "-q", "-c", "side")
    signed.commit("side.txt", signed.maint)
    signed.git("switch", "-q", "main")
    signed.commit("main.txt", signed.maint)
    signed.git("merge", "-q", "--no-ff", "--no-gpg-sign", "-m", "merge side", "side")
    merge = signed.head()
    with pytest.raises(MaintainerRuleError) as caught:
        signed.check()
    assert caught.value.commit == merge
    signed.git("commit", "-q", "--amend", "-S" + signed.maint, "--no-edit")
    assert signed.check() == 3  # README, main.txt and the merge: side commits ride the merge


def test_since_off_the_main_line_fails_closed(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    signed.git("switch", "-q", "-c", "side")
    off = signed.commit("side.txt", signed.maint)
    signed.git("switch", "-q", "main")
    with pytest.raises(MaintainerRuleError, match="not on the main line"):
        signed.check(since=off)
    with pytest.raises(MaintainerRuleError, match="not in the registry"):
        signed.check(since="0" * 40)


def test_maintainer_key_missing_from_keys_fails_closed(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    with pytest.raises(MaintainerRuleError, match="none of the maintainer keys"):
        signed.check(maintainers=("0" * 40,))


def test_revoked_maintainer_key_does_not_count(signed: Signed) -> None:
    signed.commit("README.md", signed.maint)
    assert signed.check() == 1
    home = signed.b.home
    revocation = home / "openpgp-revocs.d" / f"{signed.maint}.rev"
    text = revocation.read_text().replace(":-----BEGIN", "-----BEGIN")
    subprocess.run(["gpg", "--homedir", str(home), "--batch", "--import"], input=text.encode(),
                   capture_output=True, check=True)
    signed.b.publish("maint")
    # The cached verdict was for the key before its revocation: it is judged again.
    with pytest.raises(MaintainerRuleError, match="revoked"):
        signed.check()
