"""`signoff demo`: a throwaway registry, real keys, real files, attestations and a policy.

Everything is real: gpg makes the keys, pygit2 commits the attestations, and the files are
small wheels and sdists built here. The folder is left behind for the user to explore.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pygit2

from signoff.attest.errors import InputError
from signoff.attest.gpg import UserGnuPG, certify_key, generate_key, kill_agent, new_home
from signoff.attest.model import Verdict
from signoff.registry.commit_signing import CommitSigning
from signoff.registry.repo import Registry
from signoff.registry.rollback import forget_registry
from signoff.registry.sign import subject_for_file, vouch
from signoff.trust.demo.sample_dists import build_sdist, build_wheel

MARKER = ".signoff-demo"
VETTERS = ("alice", "bob", "carol", "mallory")


@dataclass(frozen=True)
class Demo:
    """Where the demo put things."""

    folder: Path
    """The demo's folder."""
    registry: Path
    """The registry checkout."""
    policy: Path
    """The policy file."""
    dist: Path
    """The folder of release files to check."""
    requirements: Path
    """A requirements file with hashes naming the same files."""
    gnupghome: Path
    """The GnuPG home holding every demo key, secret keys included (short path, under /tmp)."""
    keys: dict[str, str]
    """Fingerprint per name."""


def build_demo(folder: Path) -> Demo:
    """Build the whole demo in `folder`, replacing an earlier demo there."""
    if folder.exists():
        if not (folder / MARKER).exists():
            raise InputError("exists and is not a signoff demo folder; choose another --dir",
                             file=folder)
        if (folder / "registry" / ".git").is_dir():
            forget_registry(pygit2.Repository(str(folder / "registry")))
        linked = folder / "gnupg"
        if linked.is_symlink():
            kill_agent(linked.resolve())
            shutil.rmtree(linked.resolve(), ignore_errors=True)
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `signoff demo`; safe to delete\n")
    # gpg-agent's socket lives in the home, and socket paths are limited to about 100 bytes:
    # the keys live in a short folder under /tmp, linked from the demo folder.
    home = new_home()
    (folder / "gnupg").symlink_to(home, target_is_directory=True)
    keys = {"acme-security": generate_key(home, "ACME Security <security@acme.example>")}
    for name in VETTERS:
        keys[name] = generate_key(home, f"{name.capitalize()} <{name}@vetters.example>")
    # The organisation's key is the root; it vouches for the identities of alice and bob.
    for name in ("alice", "bob"):
        certify_key(home, keys["acme-security"], keys[name])
    # carol is certified by alice only, and alice is no introducer: carol is not valid.
    certify_key(home, keys["alice"], keys["carol"])

    dist = folder / "dist"
    dist.mkdir()
    files = {
        "tinyhttp-whl": build_wheel(dist, "tinyhttp", "1.0.0").path,
        "tinyhttp-sdist": build_sdist(dist, "tinyhttp", "1.0.0").path,
        "leftpad-2.0": build_wheel(dist, "leftpad", "2.0").path,
        "leftpad-2.0.1": build_wheel(dist, "leftpad", "2.0.1").path,
        "evilpkg": build_wheel(dist, "evilpkg", "0.1").path,
        "fastjson": build_wheel(dist, "fastjson", "1.2").path,
        "internal-tools": build_wheel(dist, "internal-tools", "0.3").path,
    }
    # The demo's throwaway registry is never signed with the user's own key.
    registry = Registry.init(folder / "registry", "demo vetting registry",
                             signing=CommitSigning(sign=False))
    user = UserGnuPG(home)
    for name in ("acme-security", *VETTERS):
        registry.add_key(keys[name], user.export_public_key(keys[name]))
    now = datetime.now(tz=UTC)

    def say(who: str, what: str, verdict: Verdict, criteria: tuple[str, ...],
            comment: str) -> str:
        done = vouch(registry, user, subject_for_file(files[what]), verdict=verdict,
                     criteria=criteria, comment=comment, key=keys[who], now=now)
        return done.path

    deploy, run = ("safe-to-deploy",), ("safe-to-run",)
    say("alice", "tinyhttp-whl", Verdict.APPROVED, deploy, "Read all 40 lines.")
    say("bob", "tinyhttp-whl", Verdict.APPROVED, deploy, "No network, no subprocess.")
    say("alice", "tinyhttp-sdist", Verdict.APPROVED, deploy, "Same code as the wheel.")
    say("alice", "leftpad-2.0", Verdict.APPROVED, deploy, "Pads strings on the left.")
    say("bob", "leftpad-2.0", Verdict.APPROVED, deploy, "Fine.")
    say("carol", "leftpad-2.0", Verdict.REJECTED, deploy, "I just don't like it.")
    say("alice", "leftpad-2.0.1", Verdict.APPROVED, run, "Ran the tests in a sandbox only.")
    say("bob", "leftpad-2.0.1", Verdict.APPROVED, run, "Ran it; did not read it all.")
    say("alice", "evilpkg", Verdict.APPROVED, deploy, "Looked fine at first.")
    say("bob", "evilpkg", Verdict.REJECTED, deploy, "setup hook posts ~/.ssh to a server.")
    say("mallory", "evilpkg", Verdict.APPROVED, deploy, "Totally safe, trust me.")
    say("alice", "fastjson", Verdict.APPROVED, deploy, "Parser reviewed.")
    bob_fastjson = say("bob", "fastjson", Verdict.APPROVED, run, "Only ran it.")
    say("alice", "internal-tools", Verdict.APPROVED, deploy, "Our own code.")
    # Someone edits bob's statement after he signed it, to upgrade its criteria.
    edited = registry.read_file(bob_fastjson)
    assert edited is not None
    registry.commit_files({bob_fastjson: edited.replace(b"[safe-to-run]", b"[safe-to-deploy]")},
                          "Tidy fastjson attestation")
    policy = folder / "signoff-policy.yaml"
    policy.write_text(_POLICY.format(root=keys["acme-security"]))
    requirements = folder / "requirements.txt"
    lines = []
    for path in sorted(dist.iterdir()):
        s = subject_for_file(path)
        if path.name.endswith(".whl"):
            lines.append(f"{s.project}=={s.version} \\\n    --hash=sha256:{s.sha256}")
    requirements.write_text("\n".join(lines) + "\n")
    return Demo(folder, folder / "registry", policy, dist, requirements, home, keys)


_POLICY = """\
signoff: policy/v1
registries:
  - path: registry
trust:
  roots: [{root}]          # acme-security: the organisation's own key
  marginals-needed: 3
  completes-needed: 1
  max-depth: 5
require:
  criteria: safe-to-deploy
  signers: 2
  # min-age: 7d            # a quarantine: approvals count once they have stood a week
rules:
  - projects: ["internal-*"]
    require: {{signers: 1}}
"""
