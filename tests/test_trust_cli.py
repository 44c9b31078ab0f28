"""`signoff trust keys` and `signoff trust explain` on a real registry with real keys."""

from __future__ import annotations

import json
from pathlib import Path

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli


def _web(builder: RegistryBuilder) -> Path:
    """root certifies intro (a full introducer), intro certifies carol; dave is a stranger."""
    builder.key("root")
    builder.certify("root", "intro")
    builder.certify("intro", "carol")
    builder.key("dave")
    intro = builder.key("intro")
    return builder.policy(roots=["root"], trust_extra=f"  introducers: {{{intro}: full}}\n")


def test_keys_json_lists_every_key_with_validity_ownertrust_depth_and_paths(
        builder: RegistryBuilder) -> None:
    policy = _web(builder)
    result = run_cli("trust", "keys", "--policy", str(policy), "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = {row["fingerprint"]: row for row in json.loads(result.stdout)["keys"]}
    root, intro, carol, dave = (builder.key(n) for n in ("root", "intro", "carol", "dave"))
    assert set(rows) == {root, intro, carol, dave}
    assert (rows[root]["validity"], rows[root]["ownertrust"], rows[root]["depth"]) == \
        ("ultimate", "ultimate", 0)
    assert (rows[intro]["validity"], rows[intro]["ownertrust"]) == ("full", "full")
    assert rows[carol]["validity"] == "full"
    assert rows[carol]["paths"] == [[root, intro, carol]]
    assert rows[carol]["depth"] == 2
    assert rows[carol]["uids"] == ["carol <carol@example.org>"]
    assert rows[dave]["validity"] == "unknown" and rows[dave]["paths"] == []


def test_keys_text_and_a_second_run_from_the_cache(builder: RegistryBuilder) -> None:
    policy = _web(builder)
    first = run_cli("trust", "keys", "--policy", str(policy))
    assert first.returncode == 0, first.stderr
    assert builder.key("carol") in first.stdout and "carol <carol@example.org>" in first.stdout
    caches = list((builder.registry.git_dir / "signoff").glob("keys-*.json"))
    assert len(caches) == 1
    second = run_cli("trust", "keys", "--policy", str(policy))
    assert second.stdout == first.stdout


def test_explain_shows_the_path_with_each_introducers_ownertrust(
        builder: RegistryBuilder) -> None:
    policy = _web(builder)
    carol = builder.key("carol")
    result = run_cli("trust", "explain", carol, "--policy", str(policy))
    assert result.returncode == 0, result.stderr
    assert f"{carol}: full" in result.stdout
    assert f"path: {builder.key('root')[-16:]} (ultimate) -> {builder.key('intro')[-16:]} " \
           f"(full) -> {carol[-16:]}" in result.stdout


def test_explain_says_what_an_unconnected_key_lacks(builder: RegistryBuilder) -> None:
    policy = _web(builder)
    result = run_cli("trust", "explain", builder.key("dave"), "--policy", str(policy))
    assert result.returncode == 0, result.stderr
    assert "unknown" in result.stdout
    assert "missing: no certification from a valid introducer" in result.stdout


def test_bad_fingerprint_and_missing_policy_exit_2_with_a_message(
        builder: RegistryBuilder) -> None:
    policy = _web(builder)
    bad = run_cli("trust", "explain", "nothex", "--policy", str(policy))
    assert bad.returncode == 2
    assert "no key 'nothex' in the policy's registries" in bad.stderr
    missing = run_cli("trust", "keys", "--policy", str(builder.tmp / "nope.yaml"))
    assert missing.returncode == 2
    assert "nope.yaml" in missing.stderr


def test_a_key_file_holding_another_key_exits_2_naming_the_file(
        builder: RegistryBuilder) -> None:
    policy = _web(builder)
    carol, dave = builder.key("carol"), builder.key("dave")
    swapped = builder.registry.read_file(f"keys/{carol}.asc")
    builder.commit_raw({f"keys/{dave}.asc": swapped})
    result = run_cli("trust", "keys", "--policy", str(policy))
    assert result.returncode == 2
    assert f"keys/{dave}.asc" in result.stderr
    assert carol in result.stderr
