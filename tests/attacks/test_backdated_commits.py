"""Dates on the main line: a committer chooses a commit's date, so a backdated commit must never
make an approval (or a key) look older than it is. Time never runs backwards on the main line:
a commit counts from the latest committer time of it and every commit before it."""

from __future__ import annotations

import json
import time

import pygit2

from signoff.attest.gpg import certify_key
from signoff.registry.layout import key_path
from tests.builder import RegistryBuilder
from tests.harness.cli import run_installed

TIMEOUT = 120
DAY = 86_400


def _backdate_head(builder: RegistryBuilder, days: int) -> str:
    """Replace main's newest commit by one with the same tree and parent, dated `days` ago:
    what anyone who can push to the registry (or get a commit merged as it is) can do."""
    repo = builder.registry.repo
    head = repo.head.peel(pygit2.Commit)
    when = int(time.time()) - days * DAY
    who = pygit2.Signature("mallory", "mallory@example.org", when, 0)
    forged = repo.create_commit(None, who, who, head.message, head.tree_id, head.parent_ids)
    repo.references["refs/heads/main"].set_target(forged)
    return str(forged)


def _check(builder: RegistryBuilder, *args: str) -> tuple[int, dict[str, object], str]:
    out = run_installed("check", *args, "--format", "json", timeout=TIMEOUT)
    return out.returncode, json.loads(out.stdout), out.stderr


def test_a_backdated_approval_does_not_end_its_quarantine(builder: RegistryBuilder) -> None:
    """Attack: commit a fresh approval with a committer date 30 days before its parent's.
    Gain: the approval passes a `min-age: 7d` quarantine at once, so a file approved minutes
    ago (by a stolen key, say) is deployed before anyone could notice and reject it."""
    f = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", f)
    forged = _backdate_head(builder, 30)
    policy = builder.policy(roots=["alice"], signers=1, require_extra="  min-age: 7d\n")
    code, doc, err = _check(builder, str(f), "--policy", str(policy))
    assert code == 1, err
    files = doc["files"]
    assert isinstance(files, list)
    att = files[0]["attestations"][0]
    assert att["first_seen"]["commit"] == forged
    assert att["age"] < DAY  # clamped to its parent's time: minutes, not 30 days
    assert "Traceback" not in err


def test_a_key_added_in_a_backdated_commit_is_still_young(builder: RegistryBuilder) -> None:
    """Attack: add a new signer's key in a commit dated 60 days before its parent.
    Gain: the key passes `trust.min-key-age: 30d` at once, so a key made today (and certified
    by a compromised introducer) counts before its owner's community could notice it."""
    f = builder.wheel("tinyhttp", "1.0")
    builder.key("alice")
    bob = builder.key("bob", publish=False)
    certify_key(builder.home, builder.key("alice"), bob)
    builder.approve("bob", f)
    builder.publish("bob")  # the key arrives last, in a commit then backdated
    _backdate_head(builder, 60)
    assert builder.registry.read_file(key_path(bob)) is not None
    policy = builder.policy(roots=["alice"], signers=1, trust_extra="  min-key-age: 30d\n")
    code, doc, err = _check(builder, str(f), "--policy", str(policy))
    assert code == 1, err
    assert "key-too-young" in json.dumps(doc)
