"""Replays: a signer's old statement, copied where it looks newer, must never outvote the
statement that replaced it. A signer's statements are ordered by the `date` they signed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from signoff.attest.model import Verdict
from signoff.registry.repo import Registry
from signoff.registry.sign import subject_for_file, vouch
from tests.builder import RegistryBuilder
from tests.harness.cli import run_installed

TIMEOUT = 120
NOW = datetime.now(tz=UTC).replace(microsecond=0)


def _second_registry(builder: RegistryBuilder, first: str = "registry") -> tuple[Registry, Path]:
    """A second registry `mirror`, and the policy naming both (in the order given)."""
    mirror = Registry.init(builder.tmp / "mirror", "mirror")
    policy = builder.policy(roots=["alice"], signers=1)
    second = "mirror" if first == "registry" else "registry"
    policy.write_text(policy.read_text().replace(
        "  - path: registry\n", f"  - path: {first}\n  - path: {second}\n"))
    return mirror, policy


def _sign(builder: RegistryBuilder, registry: Registry, file: Path, verdict: Verdict,
          when: datetime) -> None:
    vouch(registry, builder.user, subject_for_file(file), verdict=verdict,
          criteria=("safe-to-deploy",), key=builder.key("alice"), now=when)


def _check_json(file: Path, policy: Path) -> tuple[int, dict[str, object], str]:
    out = run_installed("check", str(file), "--policy", str(policy), "--format", "json",
                  timeout=TIMEOUT)
    return out.returncode, json.loads(out.stdout), out.stderr


def _code(entry: dict[str, object]) -> object:
    reason = entry.get("reason")
    return reason.get("code") if isinstance(reason, dict) else None


def _alice_entries(doc: dict[str, object]) -> list[dict[str, object]]:
    files = doc["files"]
    assert isinstance(files, list)
    return list(files[0]["attestations"])


def test_an_old_approval_committed_later_to_a_second_registry_is_a_replay(
        builder: RegistryBuilder) -> None:
    """Attack: alice rejected a file after approving it; the attacker commits her old approval
    to a second registry of the policy, where its commit is the newest. Gain: her approval
    counts again and the rejected file deploys."""
    f = builder.wheel("tinyhttp", "1.0")
    mirror, policy = _second_registry(builder)
    _sign(builder, builder.registry, f, Verdict.REJECTED, NOW - timedelta(days=1))
    _sign(builder, mirror, f, Verdict.APPROVED, NOW - timedelta(days=2))  # committed later
    code, doc, stderr = _check_json(f, policy)
    assert code == 1, stderr
    assert "Traceback" not in stderr
    entries = _alice_entries(doc)
    replay = [e for e in entries if _code(e) == "replay"]
    assert len(replay) == 1 and replay[0]["verdict"] == "approved"
    assert str(replay[0]["registry"]).endswith("mirror") and not replay[0]["counted"]
    assert "replay: signed" in str(replay[0]["why_not"])
    assert [e["verdict"] for e in entries if e["counted"]] == ["rejected"]


def test_a_replay_in_the_first_registry_loses_too(builder: RegistryBuilder) -> None:
    """Attack: the same replay, with the copy in the registry the policy reads first. Gain:
    the first registry's statement wins by position."""
    f = builder.wheel("tinyhttp", "1.0")
    mirror, policy = _second_registry(builder, first="mirror")
    _sign(builder, builder.registry, f, Verdict.REJECTED, NOW - timedelta(days=1))
    _sign(builder, mirror, f, Verdict.APPROVED, NOW - timedelta(days=3))
    code, doc, stderr = _check_json(f, policy)
    assert code == 1 and "Traceback" not in stderr
    assert {_code(e) for e in _alice_entries(doc)} == {"replay", None}


def test_on_equal_dates_the_rejection_wins(builder: RegistryBuilder) -> None:
    """Attack: an approval with exactly the date of the signer's rejection, in another
    registry. Gain: a coin toss (or the registry order) decides for the approval."""
    f = builder.wheel("tinyhttp", "1.0")
    mirror, policy = _second_registry(builder, first="mirror")
    when = NOW - timedelta(hours=5)
    _sign(builder, builder.registry, f, Verdict.REJECTED, when)
    _sign(builder, mirror, f, Verdict.APPROVED, when)
    code, doc, stderr = _check_json(f, policy)
    assert code == 1 and "Traceback" not in stderr
    entries = {e["verdict"]: e for e in _alice_entries(doc)}
    assert entries["rejected"]["counted"]
    assert _code(entries["approved"]) == "superseded"


def test_a_replay_shows_in_explain(builder: RegistryBuilder) -> None:
    """Attack: the cross-registry replay, read with `explain`. Gain: a reviewer who reads the
    explanation sees no sign of the replay and trusts the mirror."""
    f = builder.wheel("tinyhttp", "1.0")
    mirror, policy = _second_registry(builder)
    _sign(builder, builder.registry, f, Verdict.REJECTED, NOW - timedelta(days=1))
    _sign(builder, mirror, f, Verdict.APPROVED, NOW - timedelta(days=2))
    out = run_installed("explain", str(f), "--policy", str(policy), timeout=TIMEOUT)
    assert "Traceback" not in out.stderr
    assert "not counted: replay: signed" in out.stdout, out.stdout + out.stderr


def test_a_newer_approval_in_a_second_registry_still_counts(builder: RegistryBuilder) -> None:
    """Not an attack: alice withdrew her rejection with a newer approval, which so far only
    the second registry has. The newer statement wins, and the old rejection is the replay."""
    f = builder.wheel("tinyhttp", "1.0")
    mirror, policy = _second_registry(builder)
    _sign(builder, builder.registry, f, Verdict.REJECTED, NOW - timedelta(days=2))
    _sign(builder, mirror, f, Verdict.APPROVED, NOW - timedelta(days=1))
    code, doc, stderr = _check_json(f, policy)
    assert code == 0, stderr
    assert {(e["verdict"], _code(e)) for e in _alice_entries(doc)} == {
        ("approved", None), ("rejected", "replay")}
