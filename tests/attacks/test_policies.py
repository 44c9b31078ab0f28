"""Attacks on the policy: a policy that reads as strict but is read as lax, or that stalls the
check. Whoever edits a deployment's policy on its way to the machine (a pull request to the
deploy repository, a templating step) gains passing files if signoff guesses.

Every variant must be refused with exit 2, naming the policy file, before any file is judged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.attacks.deploy_kit import Deployment, deployment, failed_closed, signoff

__all__ = ["deployment"]  # the module-scoped fixture, used by every test


def _policy(deployment: Deployment, tmp_path: Path, edit: str) -> Path:
    """The scenario's policy with `edit` applied: `OLD=>NEW` replaces, else appended."""
    text = deployment.policy.read_text().replace("path: registry",
                                                 f"path: {deployment.tmp / 'registry'}")
    if "=>" in edit:
        old, new = edit.split("=>", 1)
        assert old in text, (old, text)
        text = text.replace(old, new)
    else:
        text += edit
    path = tmp_path / "signoff-policy.yaml"
    path.write_text(text)
    return path


def _refused(deployment: Deployment, policy: Path, *needles: str, names: str | None = None
             ) -> None:
    """check of the vetted wheel under `policy` exits 2, naming `names` (the policy file)."""
    out = signoff("check", deployment.vetted.path, "--policy", policy)
    failed_closed(out, names or policy, 2, *needles)


@pytest.mark.parametrize("edit", [
    "signers: 1=>signers: 1\n  signer: 5",
    "require:=>requires:",
    "trust:=>trust:\n  allow-unsigned: true",
    "extra: yes\n",
    "signoff: policy/v1=>signoff: policy/v2",
    "rules:\n  - projects: ['*']\n    require: {signers: 1}\n    except: [evil]\n",
])
def test_unknown_keys(deployment: Deployment, edit: str, tmp_path: Path) -> None:
    """Misspelt or invented keys (`signer:`, `requires:`, `allow-unsigned:`): a reader that
    ignores them runs a laxer policy than its author wrote. The attacker gains the default."""
    _refused(deployment, _policy(deployment, tmp_path, edit))


@pytest.mark.parametrize("edit", [
    "signers: 1=>signers: '2'",
    "signers: 1=>signers: true",
    "signers: 1=>signers: 1.5",
    "signers: 1=>signers: [2]",
    "criteria: safe-to-deploy=>criteria: 7",
    "criteria: safe-to-deploy=>criteria: []",
    "roots: [=>roots: ",
    "  - path:=>  path:",
    "require:\n  criteria: safe-to-deploy=>require:\n  min-age: -7d\n  criteria: safe-to-deploy",
    "require:\n  criteria: safe-to-deploy=>require:\n  min-age: 7 days\n  criteria: safe-to-deploy",
])
def test_wrong_types(deployment: Deployment, edit: str, tmp_path: Path) -> None:
    """Values of the wrong type: a string, a boolean or a float count, an empty criteria list,
    roots as a string, a negative or unparsable age. A coercing reader turns `true` into 1 and
    `[]` into "no criteria". The attacker gains a weaker requirement."""
    _refused(deployment, _policy(deployment, tmp_path, edit))


@pytest.mark.parametrize("edit", [
    "signers: 1=>signers: 0",
    "signers: 1=>signers: -1",
    "roots: [=>roots: []\n  old-roots: [",
    "rules:\n  - projects: ['*']\n    require: {signers: 0}\n",
    "trust:=>trust:\n  marginals-needed: 0",
    "trust:=>trust:\n  max-depth: 0",
])
def test_zero_signers_and_empty_roots(deployment: Deployment, edit: str,
                                      tmp_path: Path) -> None:
    """n=0 signers (every file passes with nobody's approval), no roots (nobody is valid, so
    a reader might skip the trust check), zero marginals or depth. The attacker gains a
    policy that passes everything or checks nothing."""
    _refused(deployment, _policy(deployment, tmp_path, edit))


@pytest.mark.parametrize("edit", [
    "criteria:\n  a: {implies: [b]}\n  b: {implies: [a]}\n",
    "criteria:\n  a: {implies: [a]}\n",
    "criteria:\n  a: {implies: [b]}\n  b: {implies: [c]}\n  c: {implies: [a, safe-to-run]}\n",
    "criteria:\n  safe-to-run: {implies: [safe-to-deploy]}\n",
    "criteria:\n  a: {implies: [nowhere]}\n",
])
def test_criteria_loops_and_redefinitions(deployment: Deployment, edit: str,
                                          tmp_path: Path) -> None:
    """Criteria that imply each other in a loop, redefine a built-in (`safe-to-run` implying
    `safe-to-deploy` would make every run-only review a deploy approval), or imply nothing
    known. The attacker gains a weaker criterion counting as a stronger one, or a hang."""
    _refused(deployment, _policy(deployment, tmp_path, edit))


@pytest.mark.parametrize("edit", [
    "signers: 1=>signers: 1\n  signers: 0",
    "require:=>require:\n  signers: 3\nrequire:",
    "roots: [=>roots: [0000000000000000000000000000000000000000]\n  roots: [",
])
def test_duplicate_keys(deployment: Deployment, edit: str, tmp_path: Path) -> None:
    """Duplicate keys: YAML readers disagree on which one wins, so a reviewer sees one value
    and signoff might use the other. The attacker gains the hidden value."""
    _refused(deployment, _policy(deployment, tmp_path, edit), "duplicate")


@pytest.mark.parametrize("edit", [
    "criteria: safe-to-deploy=>criteria: &c safe-to-deploy",
    "x: &a [1, 1]\ny: &b [*a, *a]\nz: [*b, *b]\n",
    "criteria: safe-to-deploy=>criteria: !!python/object:os.system safe-to-deploy",
    "criteria: safe-to-deploy=>criteria: !custom safe-to-deploy",
])
def test_yaml_features(deployment: Deployment, edit: str, tmp_path: Path) -> None:
    """Anchors, aliases (a billion-laughs document is a few lines of them) and tags (object
    construction). The attacker gains memory exhaustion or code execution."""
    _refused(deployment, _policy(deployment, tmp_path, edit))


def test_huge_and_strange_policy_files(deployment: Deployment, tmp_path: Path) -> None:
    """A policy past the size cap, a FIFO, a link to /dev/zero, a folder, invalid UTF-8, a
    deeply nested document. The attacker gains a stalled or crashed deployment."""
    huge = tmp_path / "huge.yaml"
    huge.write_text(deployment.policy.read_text() + "#" * (2 << 20) + "\n")
    _refused(deployment, huge)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    _refused(deployment, fifo)
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    _refused(deployment, zero)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    _refused(deployment, folder)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"signoff: policy/v1\nregistries: [\xff\xfe]\n")
    _refused(deployment, binary)
    nested = tmp_path / "nested.yaml"
    nested.write_text("signoff: policy/v1\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    _refused(deployment, nested)


@pytest.mark.parametrize(("edit", "names"), [
    ("  - path: =>  - path: /nonexistent/registry\n  - path: ", "/nonexistent/registry"),
    ("  - path: =>  - path: /dev/null\n  - path: ", "/dev/null"),
    ("  - path: =>  - path: ''\n  - path: ", None),
    ("registries:\n  - path: =>registries: []\nold:\n  - path: ", None),
])
def test_registries_that_are_not_registries(deployment: Deployment, edit: str,
                                            names: str | None, tmp_path: Path) -> None:
    """A registry path that is missing, a device, empty, or no registry at all: a reader that
    skips an unreadable registry judges with fewer statements (a rejection in it is lost).
    The attacker gains an ignored veto."""
    _refused(deployment, _policy(deployment, tmp_path, edit), names=names)
