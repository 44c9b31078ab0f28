"""Signed registry commits: a maintainer who signs keeps the maintainers rule green.

Every commit signoff makes follows git's `commit.gpgsign`, `user.signingkey` and `gpg.program`,
or `--sign` / `--no-sign`, and is signed with the user's own gpg: through the real command line,
with real keys, real git repositories and the real `check`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2

from signoff.attest.gpg import generate_key, new_home
from signoff.registry.commit_signing import sign_commit_content
from signoff.registry.maintainers import check_maintainers
from signoff.trust.demo.sample_dists import build_wheel
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli, run_installed
from tests.harness.git import git
from tests.harness.gnupg import gnupg_home, remove_home


class Fork:
    """An upstream registry (the builder's), and a fork whose maintainer signs every commit."""

    def __init__(self, builder: RegistryBuilder) -> None:
        self.b = builder
        self.maint = builder.key("maint", publish=False)
        builder.key("bob")
        self.path = builder.tmp / "fork"
        pygit2.clone_repository(str(builder.registry.path), str(self.path))
        self.since = str(pygit2.Repository(str(self.path)).head.target)
        config = pygit2.Repository(str(self.path)).config
        config["commit.gpgsign"] = True
        config["user.signingkey"] = self.maint
        config["gpg.program"] = "gpg"
        self.env = {"GNUPGHOME": str(builder.home)}
        self.state = builder.tmp / "state"

    def run(self, *args: str) -> str:
        done = run_cli(*args, "--registry", str(self.path), env=self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def policy(self) -> Path:
        path = self.b.tmp / "fork-policy.yaml"
        path.write_text(
            "signoff: policy/v1\nregistries:\n"
            f"  - path: fork\n    maintainers: [{self.maint}]\n    since: {self.since}\n"
            f"trust:\n  roots: [{self.maint}]\n"
            "require:\n  criteria: safe-to-deploy\n  signers: 1\n")
        return path

    def check(self, *files: Path) -> tuple[int, str]:
        done = run_cli("check", *map(str, files), "--policy", str(self.policy()),
                       "--state-dir", str(self.state))
        return done.returncode, done.stdout + done.stderr

    def signer_of_head(self) -> str:
        return git(self.path, "log", "-1", "--format=%G?", gnupghome=self.b.home).strip()


def test_signing_maintainer_keeps_check_green_through_add_key_attest_and_sync(
        builder: RegistryBuilder) -> None:
    fork = Fork(builder)
    fork.run("registry", "add-key", fork.maint)
    assert fork.signer_of_head() == "G"  # git itself finds a good signature
    wheel = builder.wheel("tinyhttp", "1.0")
    fork.run("attest", str(wheel), "--criteria", "safe-to-deploy", "--key", fork.maint)
    code, out = fork.check(wheel)
    assert code == 0, out
    # Upstream moves on (bob's unsigned commit), so sync makes a merge commit, signed.
    builder.approve("bob", builder.wheel("leftpad", "2.0"))
    synced = fork.run("registry", "sync", "--upstream", str(builder.registry.path),
                      "--state-dir", str(fork.state))
    assert synced.startswith("merged")
    assert fork.signer_of_head() == "G"
    code, out = fork.check(wheel)
    assert code == 0, out


def test_an_unsigned_commit_breaks_the_rule_and_check_says_which(
        builder: RegistryBuilder) -> None:
    fork = Fork(builder)
    fork.run("registry", "add-key", fork.maint)
    wheel = builder.wheel("tinyhttp", "1.0")
    fork.run("attest", str(wheel), "--criteria", "safe-to-deploy", "--key", fork.maint,
             "--no-sign")
    assert fork.signer_of_head() == "N"
    code, out = fork.check(wheel)
    assert code == 2
    assert "is not signed" in out


def test_sign_flag_signs_without_git_config_and_no_sign_wins_over_it(
        builder: RegistryBuilder) -> None:
    maint = builder.key("maint")
    reg = builder.registry.path
    env = {"GNUPGHOME": str(builder.home)}
    pygit2.Repository(str(reg)).config["user.signingkey"] = maint
    done = run_cli("registry", "add-key", builder.key("bob", publish=False), "--registry",
                   str(reg), "--sign", env=env)
    assert done.returncode == 0, done.stderr
    assert git(reg, "log", "-1", "--format=%G?", gnupghome=builder.home).strip() == "G"
    pygit2.Repository(str(reg)).config["commit.gpgsign"] = True
    wheel = builder.wheel("tinyhttp", "1.0")
    done = run_cli("attest", str(wheel), "--criteria", "safe-to-run", "--key", maint,
                   "--registry", str(reg), "--no-sign", env=env)
    assert done.returncode == 0, done.stderr
    assert git(reg, "log", "-1", "--format=%G?", gnupghome=builder.home).strip() == "N"


def test_registry_init_follows_the_global_git_config(tmp_path: Path) -> None:
    with gnupg_home() as gnupghome:
        fpr = generate_key(gnupghome, "Maintainer <maint@example.org>")
        home = tmp_path / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = M\n\temail = maint@example.org\n"
            f"\tsigningkey = {fpr}\n[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = gpg\n")
        env = {"HOME": str(home), "GNUPGHOME": str(gnupghome), "XDG_CONFIG_HOME": str(home)}
        done = run_installed("registry", "init", str(tmp_path / "reg"), env=env)
        assert done.returncode == 0, done.stderr
        verified = git(tmp_path / "reg", "verify-commit", "--raw", "HEAD", gnupghome=gnupghome)
        assert verified == ""  # verify-commit passed; its status lines go to stderr
        signature, _ = pygit2.Repository(str(tmp_path / "reg")).head.peel(
            pygit2.Commit).gpg_signature
        assert signature is not None and b"BEGIN PGP SIGNATURE" in signature


def test_a_wrong_signing_key_fails_with_exit_2_and_leaves_the_registry_as_it_was(
        builder: RegistryBuilder) -> None:
    reg = builder.registry.path
    before = str(builder.registry.head_commit().id)
    pygit2.Repository(str(reg)).config["user.signingkey"] = "nobody@example.org"
    done = run_cli("registry", "add-key", builder.key("bob", publish=False), "--registry",
                   str(reg), "--sign", env={"GNUPGHOME": str(builder.home)})
    assert done.returncode == 2
    assert "could not sign the commit with key 'nobody@example.org'" in done.stderr
    assert str(pygit2.Repository(str(reg)).head.target) == before
    assert not (reg / "keys").exists()


def test_a_passphrase_key_without_a_terminal_gets_the_gpg_tty_hint(tmp_path: Path) -> None:
    home = new_home()
    try:
        subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback",
                        "--passphrase", "secret", "--quick-gen-key", "Locked <locked@example.org>",
                        "ed25519", "sign", "never"], check=True, capture_output=True)
        reg = tmp_path / "reg"
        assert run_cli("registry", "init", str(reg), "--no-sign").returncode == 0
        pygit2.Repository(str(reg)).config["user.signingkey"] = "locked@example.org"
        env = {"GNUPGHOME": str(home), "GPG_TTY": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
        wheel = tmp_path / "w"
        wheel.mkdir()
        done = run_cli("attest", str(build_wheel(wheel, "tinyhttp", "1.0").path), "--criteria",
                       "safe-to-run", "--registry", str(reg), env=env)
        assert done.returncode == 2
        assert "Inappropriate ioctl" not in done.stderr.split("hint:")[-1]
        assert "GPG_TTY" in done.stderr and "pinentry" in done.stderr
        signed = run_cli("registry", "add-key", "locked@example.org", "--registry", str(reg),
                         "--sign", env=env)
        assert signed.returncode == 2
        assert "GPG_TTY" in signed.stderr
    finally:
        remove_home(home)


def test_a_signed_message_without_a_final_newline_still_verifies(
        builder: RegistryBuilder) -> None:
    """pygit2's gpg_signature reads past such a message; the rule parses the object itself."""
    maint = builder.key("maint")
    repo = builder.registry.repo
    since = builder.registry.head_commit()
    who = pygit2.Signature("m", "m@example.org")
    content = str(repo.create_commit_string(who, who, "no newline", since.tree_id, [since.id]))
    signature = sign_commit_content(content.encode(), maint, gnupghome=builder.home)
    commit = repo.create_commit_with_signature(content, signature)
    repo.references["refs/heads/main"].set_target(commit)
    keys = builder.registry.keys_at()
    report = check_maintainers(repo, keys, commit, str(since.id), [maint], "the registry")
    assert report.signers == {str(commit): maint}
