"""Signing the commits signoff makes, the way `git commit` would: git's settings, the user's gpg.

Every commit signoff writes (attest, add-key, init, sync's merges) goes through `make_commit`.
It follows `commit.gpgsign`, `user.signingkey` and `gpg.program` from the registry's git config
(which includes the global and system files), unless `--sign` or `--no-sign` says otherwise.
The signature is made as git makes it: the configured gpg program, run with the user's own
GNUPGHOME, agent and smartcard, over the exact commit object, as a detached armored signature
stored in the commit's `gpgsig` header. So a registry under the maintainers rule stays valid
when its maintainer runs signoff.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.attest.errors import GpgError, InputError
from signoff.attest.gpg import signing_failure_hint

_ARMOR_HEADER = "-----BEGIN PGP SIGNATURE-----"


@dataclass(frozen=True)
class CommitSigning:
    """Whether the commits signoff makes are signed: git's settings unless overridden."""

    sign: bool | None = None
    """True for --sign, False for --no-sign; None follows `commit.gpgsign`."""
    gnupghome: Path | None = None
    """The user's GnuPG home for gpg, when it is not $GNUPGHOME (attest's --gnupghome)."""


@dataclass(frozen=True)
class GitSigningConfig:
    """What git's configuration says about signing commits in one repository."""

    gpgsign: bool
    """`commit.gpgsign`: sign every commit."""
    signing_key: str | None
    """`user.signingkey`; None means the committer's identity, as git does."""
    program: str
    """`gpg.program` (default `gpg`)."""
    format: str
    """`gpg.format` (default `openpgp`); signoff signs with OpenPGP only."""


def git_signing_config(repo: pygit2.Repository) -> GitSigningConfig:
    """Read the signing settings from the repository's config, global and system included."""
    config = repo.config

    def text(name: str, default: str | None) -> str | None:
        try:
            return str(config[name])
        except KeyError:
            return default

    try:
        gpgsign = config.get_bool("commit.gpgsign")
    except KeyError:
        gpgsign = False
    except pygit2.GitError as e:
        raise InputError(f"git config commit.gpgsign is not true or false: {e}",
                         file=repo.path) from e
    return GitSigningConfig(gpgsign, text("user.signingkey", None) or None,
                            text("gpg.program", None) or "gpg",
                            (text("gpg.format", None) or "openpgp").lower())


def make_commit(repo: pygit2.Repository, author: pygit2.Signature, committer: pygit2.Signature,
                message: str, tree: pygit2.Oid, parents: Sequence[pygit2.Oid],
                signing: CommitSigning) -> pygit2.Oid:
    """Write a commit object (no ref moves), signed when git's settings or `signing` ask."""
    if not message.endswith("\n"):
        message += "\n"  # as `git commit` leaves every message
    config = git_signing_config(repo)
    wanted = config.gpgsign if signing.sign is None else signing.sign
    if not wanted:
        return repo.create_commit(None, author, committer, message, tree, list(parents))
    if config.format != "openpgp":
        raise InputError(f"git config gpg.format is {config.format}; signoff signs commits "
                         "with OpenPGP only", file=repo.path,
                         hint="the maintainers rule checks OpenPGP signatures; pass --no-sign "
                         "to commit unsigned")
    # The stubs say Oid; libgit2 returns the commit object's text, which str() keeps as it is.
    content = str(repo.create_commit_string(author, committer, message, tree, list(parents)))
    key = config.signing_key or f"{committer.name} <{committer.email}>"
    signature = sign_commit_content(content.encode("utf-8"), key, config.program,
                                    signing.gnupghome)
    return repo.create_commit_with_signature(content, signature)


def commit_signature(commit: pygit2.Commit) -> tuple[bytes | None, bytes]:
    """The commit's OpenPGP signature (or None) and the exact bytes it signs, as git splits them.

    Parsed from the raw object rather than through pygit2's `gpg_signature`, which (pygit2
    1.21) returns bytes past the end of a message without a final newline: a good signature
    would then read as bad, and the payload it returns is not the object's.
    """
    raw = commit.read_raw()
    head, sep, message = raw.partition(b"\n\n")
    payload: list[bytes] = []
    signature: list[bytes] | None = None
    in_signature = False
    for line in head.split(b"\n"):
        if line.startswith(b"gpgsig "):
            if signature is not None:
                return None, raw  # two signature headers: git verifies neither; nor do we
            signature, in_signature = [line[len(b"gpgsig "):]], True
        elif in_signature and line.startswith(b" "):
            assert signature is not None
            signature.append(line[1:])
        else:
            in_signature = False
            payload.append(line)
    signed = b"\n".join(payload) + sep + message
    return (b"\n".join(signature) + b"\n" if signature is not None else None), signed


def sign_commit_content(content: bytes, key: str, program: str = "gpg",
                        gnupghome: Path | None = None) -> str:
    """A detached armored signature over a commit object, made as `git commit -S` makes it."""
    env = dict(os.environ)
    if gnupghome is not None:
        env["GNUPGHOME"] = str(gnupghome)
    try:
        proc = subprocess.run([program, "--status-fd=2", "--detach-sign", "--armor",
                               "--local-user", key], input=content, env=env,
                              capture_output=True, check=False)
    except OSError as e:
        raise GpgError(f"cannot run gpg.program {program!r}: {e.strerror or e}",
                       hint="set gpg.program in git config, or install GnuPG") from e
    said = proc.stderr.decode("utf-8", "replace")
    signature = proc.stdout.decode("ascii", "replace")
    if proc.returncode != 0 or "[GNUPG:] SIG_CREATED" not in said or \
            not signature.lstrip().startswith(_ARMOR_HEADER):
        complaints = [line for line in said.splitlines() if line.startswith("gpg:")]
        detail = complaints[-1] if complaints else f"exit status {proc.returncode}"
        raise GpgError(f"gpg could not sign the commit with key {key!r}: {detail}",
                       hint=signing_failure_hint(said)
                       or "check user.signingkey and gpg.program in git config, or pass "
                       "--no-sign to commit unsigned")
    return signature
