"""Gradual adoption through the real command line, real gpg and real git: exemptions in the
policy, `baseline` to switch `check` on green, and an exemption that never hides an alarm."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from signoff.trust.decide.exemptions import apply_exemption
from signoff.trust.decide.rules import FileStatus, FileVerdict, Finding
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.edit import NewExemption, with_exemptions
from signoff.trust.policy.exemptions import Exemption
from signoff.trust.policy.policy import Requirement
from signoff.trust.release import ReleaseFile
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli, run_installed

FUTURE = "2099-01-01"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def requirements(builder: RegistryBuilder, pins: dict[str, Path]) -> Path:
    """requirements.txt pinning each `project==version` to its file's hash."""
    path = builder.tmp / "requirements.txt"
    path.write_text("".join(f"{pin} --hash=sha256:{sha(f)}\n" for pin, f in pins.items()))
    return path


def check_json(builder: RegistryBuilder, *inputs: Path) -> tuple[int, dict[str, Any]]:
    out = run_cli("check", *map(str, inputs), "--policy", str(builder.tmp / "signoff-policy.yaml"),
                  "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {f"{f['project']}=={f['version']}": f["status"] for f in doc["files"]}


def baseline(builder: RegistryBuilder, *args: str) -> Any:
    return run_cli("baseline", *args, "--policy", str(builder.tmp / "signoff-policy.yaml"))


@pytest.fixture
def three(builder: RegistryBuilder) -> Path:
    """tinyhttp 1.0 vetted by alice; leftpad 2.0 and colors 3.0 not vetted; one signer needed."""
    vetted = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", vetted)
    builder.policy(roots=["alice", "carol"], signers=1)
    return requirements(builder, {"tinyhttp==1.0": vetted,
                                  "leftpad==2.0": builder.wheel("leftpad", "2.0"),
                                  "colors==3.0": builder.wheel("colors", "3.0")})


def test_baseline_then_check_is_green_and_exempt_files_are_counted_apart(
        builder: RegistryBuilder, three: Path) -> None:
    code, doc = check_json(builder, three)
    assert code == 1
    assert statuses(doc) == {"tinyhttp==1.0": "pass", "leftpad==2.0": "fail",
                             "colors==3.0": "fail"}

    added = baseline(builder, str(three), "--until", FUTURE)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "added 2 exemption(s) covering 2 file(s)" in added.stdout
    assert "check now passes" in added.stdout

    code, doc = check_json(builder, three)
    assert code == 0
    assert doc["conclusion"] == "pass"
    assert statuses(doc) == {"tinyhttp==1.0": "pass", "leftpad==2.0": "exempt",
                             "colors==3.0": "exempt"}
    exempt = next(f for f in doc["files"] if f["project"] == "leftpad")
    assert exempt["exemption"]["code"] == "exempt"
    assert exempt["exemption"]["params"]["until"] == FUTURE
    assert exempt["exemption"]["params"]["sha256"] == [
        sha(builder.dist / "leftpad-2.0-py3-none-any.whl")]
    text = run_cli("check", str(three), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert text.returncode == 0
    assert "3 requirements: 1 pass, 2 exempt, 0 fail" in text.stdout


def test_baseline_twice_adds_nothing_twice(builder: RegistryBuilder, three: Path) -> None:
    policy = builder.tmp / "signoff-policy.yaml"
    assert baseline(builder, str(three)).returncode == 0
    once = policy.read_bytes()
    again = baseline(builder, str(three))
    assert again.returncode == 0
    assert "nothing to add" in again.stdout and "2 file(s) already exempt" in again.stdout
    assert policy.read_bytes() == once


COMMENTED = """\
# Our deployment policy. Every comment here must survive a baseline.
signoff: policy/v1   # schema
registries:
  - path: registry   # the vetting registry, beside this file
trust:
  roots: [{roots}]
require:                 # what every file needs
  criteria: safe-to-deploy
  signers: 1
exemptions:
  # Burn these down by 2099.
  - project: unrelated   # kept as written
    version: "9.9"
    reason: >
      folded reason
      over two lines

# Rules come last.
rules:
  - projects: ["internal-*"]   # our own
    require: {{signers: 1}}
# trailing comment
"""


def test_baseline_keeps_every_other_byte_of_the_policy(builder: RegistryBuilder,
                                                        three: Path) -> None:
    policy = builder.tmp / "signoff-policy.yaml"
    old = COMMENTED.format(roots=builder.key("alice"))
    policy.write_text(old)
    assert baseline(builder, str(three), "--until", FUTURE).returncode == 0
    new = policy.read_text()
    start = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    inserted = new[start:len(new) - (len(old) - start)]
    assert new == old[:start] + inserted + old[start:]
    # The block sits at the end of the list, before the blank line and the comment after it.
    assert old[:start].endswith("      over two lines\n")
    assert all(line.startswith(("  - ", "    ")) for line in inserted.splitlines())
    assert inserted.count("  - project:") == 2
    assert run_cli("check", str(three), "--policy", str(policy)).returncode == 0


def test_baseline_makes_the_list_when_the_policy_has_none(builder: RegistryBuilder,
                                                          three: Path) -> None:
    policy = builder.tmp / "signoff-policy.yaml"
    old = policy.read_text() + "# the end\n"
    policy.write_text(old)
    assert baseline(builder, str(three)).returncode == 0
    new = policy.read_text()
    assert new.startswith(old) and new[len(old):].startswith("exemptions:\n  - project: ")
    assert run_cli("check", str(three), "--policy", str(policy)).returncode == 0


def test_an_ended_exemption_fails_and_says_so(builder: RegistryBuilder, three: Path) -> None:
    policy = builder.tmp / "signoff-policy.yaml"
    policy.write_text(policy.read_text() + (
        "exemptions:\n"
        "  - {project: leftpad, version: '2.0', reason: legacy, until: 2020-01-01}\n"
        f"  - {{project: colors, version: '3.0', reason: legacy, until: {FUTURE}}}\n"))
    code, doc = check_json(builder, three)
    assert code == 1
    assert statuses(doc) == {"tinyhttp==1.0": "pass", "leftpad==2.0": "fail",
                             "colors==3.0": "exempt"}
    ended = next(f for f in doc["files"] if f["project"] == "leftpad")
    assert ended["findings"][0]["code"] == "exemption-expired"
    assert ended["findings"][0]["fix"]["code"] == "vet-or-renew"
    assert "exemptions[0] (line 10) ended on 2020-01-01" in ended["reasons"][0]
    # Renewing is the policy owner's decision: baseline leaves the ended entry failing.
    again = baseline(builder, str(three))
    assert again.returncode == 1
    assert "still failing" in again.stdout and "ended on 2020-01-01" in again.stdout


def test_a_rejection_still_fails_an_exempt_file(builder: RegistryBuilder, three: Path) -> None:
    builder.reject("carol", builder.dist / "leftpad-2.0-py3-none-any.whl")
    policy = builder.tmp / "signoff-policy.yaml"
    policy.write_text(policy.read_text() + (
        "exemptions:\n"
        "  - {project: leftpad, version: '2.0', reason: legacy}\n"
        "  - {project: colors, version: '3.0', reason: legacy}\n"))
    code, doc = check_json(builder, three)
    assert code == 1
    assert statuses(doc)["leftpad==2.0"] == "fail"
    rejected = next(f for f in doc["files"] if f["project"] == "leftpad")
    assert rejected["exemption"] is None
    assert next(f["code"] for f in rejected["findings"] if not f["met"]) == "rejected"
    assert baseline(builder, str(three)).returncode == 1


def test_an_exemption_by_hash_covers_no_other_file_of_the_version(
        builder: RegistryBuilder) -> None:
    wheel = builder.wheel("leftpad", "2.0")
    sdist = builder.sdist("leftpad", "2.0")
    builder.policy(roots=["alice"], signers=1, extra=(
        f"exemptions:\n  - project: LeftPad\n    version: '2.0'\n    sha256: {sha(wheel)}\n"
        "    reason: reviewed the wheel by hand\n"))
    code, doc = check_json(builder, requirements(builder, {"leftpad==2.0": wheel}))
    assert (code, statuses(doc)) == (0, {"leftpad==2.0": "exempt"})
    code, doc = check_json(builder, requirements(builder, {"leftpad==2.0": sdist}))
    assert (code, statuses(doc)) == (1, {"leftpad==2.0": "fail"})


def _verdict(*findings: Finding) -> FileVerdict:
    file = ReleaseFile("leftpad", "2.0", "ab" * 32, "leftpad-2.0.tar.gz")
    return FileVerdict(file, all(f.met for f in findings), findings, (),
                       Requirement(("safe-to-deploy",), 1), "require", 0)


MISSING = Finding("approvals", False, Reason(Code.TOO_FEW_APPROVALS, {}))
ENTRY = Exemption("leftpad", "2.0", (), "legacy", None, 0, 9)


@pytest.mark.parametrize("alarm", [
    Finding("conflicts", False, Reason(Code.CONFLICTING_HASH, {"conflicts": []})),
    Finding("rejections", False, Reason(Code.REJECTED, {"rejections": []})),
    Finding("size", False, Reason(Code.SIZE_MISMATCH, {"size": 1, "attested": [2]})),
    Finding("size", False, Reason(Code.LARGER_THAN_ATTESTED, {"limit": 1})),
])
def test_an_exemption_never_covers_an_alarm(alarm: Finding) -> None:
    assert apply_exemption(_verdict(MISSING), ENTRY, 0).status is FileStatus.EXEMPT
    assert apply_exemption(_verdict(alarm, MISSING), ENTRY, 0).status is FileStatus.FAIL


BAD_ENTRIES = [
    ("  - {project: a, version: '1', reason: x, owner: me}\n", "unknown key 'owner'"),
    ("  - {project: a, version: 1.10, reason: x}\n", "quote it"),
    ("  - {project: a, version: '1', reason: x, until: 2027-02-30}\n", "not a valid date"),
    ("  - {project: a, version: '1', reason: x, until: tomorrow}\n", "not a date"),
    ("  - {project: a, version: '1', reason: x, until: 2027-01-01T10:00:00Z}\n", "a time"),
    ("  - {project: 'a b', version: '1', reason: x}\n", "not a valid project name"),
    ("  - {project: a, version: 'one', reason: x}\n", "not a valid PEP 440 version"),
    ("  - {project: a, version: '1', reason: x, sha256: abc}\n", "not a 64-hex"),
    ("  - {project: a, version: '1'}\n", "exemptions[0].reason is required"),
    ("  - {project: a, version: '1', reason: '  '}\n", "must say why"),
    ("  - {project: A_, version: '1.0', reason: x}\n", "not a valid project name"),
    ("  - {project: a.b, version: '1', reason: x}\n  - {project: A_B, version: '1.0', "
     "reason: y}\n", "repeats exemptions[0]"),
]


@pytest.mark.parametrize(("entry", "message"), BAD_ENTRIES)
def test_a_bad_exemption_is_refused_naming_its_line(builder: RegistryBuilder, entry: str,
                                                     message: str) -> None:
    f = builder.wheel("tinyhttp", "1.0")
    policy = builder.policy(roots=["alice"], signers=1, extra="exemptions:\n" + entry)
    out = run_cli("check", str(f), "--policy", str(policy))
    assert out.returncode == 2
    assert message in out.stderr
    line = 10 if entry.count("\n") == 1 else 11
    assert f"{policy}:{line}" in out.stderr


def test_baseline_refuses_a_past_until_and_a_flow_list(builder: RegistryBuilder,
                                                       three: Path) -> None:
    policy = builder.tmp / "signoff-policy.yaml"
    before = policy.read_bytes()
    out = baseline(builder, str(three), "--until", "2020-01-01")
    assert out.returncode == 2 and "not after today" in out.stderr
    policy.write_text(policy.read_text()
                      + "exemptions: [{project: x, version: '1', reason: y}]\n")
    before = policy.read_bytes()
    out = baseline(builder, str(three))
    assert out.returncode == 2 and "not a block list" in out.stderr
    assert policy.read_bytes() == before


# -- suggest -----------------------------------------------------------------------------------


def pylock(builder: RegistryBuilder, pins: dict[str, Path]) -> Path:
    """A pylock.toml naming each file with its size, so that suggest can weigh the reading."""
    text = 'lock-version = "1.0"\ncreated-by = "test"\n'
    for pin, f in pins.items():
        name, version = pin.split("==")
        text += (f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\n'
                 f'[[packages.wheels]]\nname = "{f.name}"\nsize = {f.stat().st_size}\n'
                 f'hashes = {{ sha256 = "{sha(f)}" }}\n')
    path = builder.tmp / "pylock.toml"
    path.write_text(text)
    return path


def suggest_json(builder: RegistryBuilder, *inputs: Path) -> dict[str, Any]:
    out = run_cli("suggest", *map(str, inputs), "--policy",
                  str(builder.tmp / "signoff-policy.yaml"), "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_suggest_names_the_reviews_that_turn_the_most_failures_into_passes(
        builder: RegistryBuilder) -> None:
    # colors 2.0 is vetted; colors 3.0 has one of two approvals; leftpad has none;
    # carol rejected tinyhttp, and pair's sdist, so reviewing pair's wheel unblocks nothing.
    old = builder.wheel("colors", "2.0")
    builder.approve("alice", old)
    builder.approve("bob", old)
    new = builder.wheel("colors", "3.0")
    builder.approve("alice", new)
    rejected = builder.wheel("tinyhttp", "1.0")
    builder.reject("carol", rejected)
    pair_sdist = builder.sdist("pair", "1.0")
    builder.reject("carol", pair_sdist)
    pair_wheel = builder.wheel("pair", "1.0")
    builder.policy(roots=["alice", "bob", "carol"], signers=2)
    reqs = requirements(builder, {"colors==3.0": new, "leftpad==2.0": builder.wheel("leftpad",
                                                                                    "2.0"),
                                  "tinyhttp==1.0": rejected})
    reqs.write_text(reqs.read_text() + f"pair==1.0 --hash=sha256:{sha(pair_wheel)} "
                    f"--hash=sha256:{sha(pair_sdist)}\n")

    doc = suggest_json(builder, reqs)
    assert [(r["project"], r["unblocks"], r["approvals"]) for r in doc["reviews"]] == [
        ("colors", ["colors==3.0"], 1), ("leftpad", ["leftpad==2.0"], 2), ("pair", [], 2)]
    colors = doc["reviews"][0]
    # The registry files versions canonically: 2.0 is filed as 2.
    assert colors["diff_from"] == {"version": "2", "files": ["colors-2.0-py3-none-any.whl"]}
    assert doc["reviews"][1]["diff_from"] is None
    # Who could sign: keys valid under the policy that have not signed about the file yet.
    label = {n: f"{builder.key(n)[-16:]} ({n})"
             for n in ("alice", "bob", "carol")}
    assert colors["signers"] == sorted([label["bob"], label["carol"]],
                                       key=lambda s: builder.fprs[s.split(" (")[1].rstrip(")")])
    assert sorted(doc["reviews"][1]["signers"]) == sorted(label.values())
    assert {(b["project"], b["filename"]) for b in doc["blocked"]} == {
        ("tinyhttp", "tinyhttp-1.0-py3-none-any.whl"), ("pair", "pair-1.0.tar.gz")}
    assert doc["blocked"][0]["reasons"][0]["code"] == "rejected"

    text = run_cli("suggest", str(reqs), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert text.returncode == 0
    assert "1. colors 3.0: unblocks 1 requirement (colors==3.0); failing today" in text.stdout
    assert "review the diff against colors 2, vetted: colors-2.0-py3-none-any.whl" in text.stdout
    assert label["bob"] in text.stdout
    assert "A review will not fix these:" in text.stdout

    # Doing the first suggestion turns that failure into a pass.
    builder.approve("bob", new)
    _, checked = check_json(builder, reqs)
    assert statuses(checked)["colors==3.0"] == "pass"
    assert [r["project"] for r in suggest_json(builder, reqs)["reviews"]] == ["leftpad", "pair"]


def test_suggest_ranks_smaller_reads_first_and_burns_down_a_baseline(
        builder: RegistryBuilder) -> None:
    builder.policy(roots=["alice"], signers=1)
    small = builder.wheel("small", "1.0")
    big = builder.dist / "big-1.0-py3-none-any.whl"
    big.write_bytes(builder.wheel("big", "1.0").read_bytes() + b"\0" * 5000)
    lock = pylock(builder, {"big==1.0": big, "small==1.0": small})
    assert baseline(builder, str(lock)).returncode == 0
    doc = suggest_json(builder, lock)
    assert [(r["project"], r["exempt"]) for r in doc["reviews"]] == [("small", True),
                                                                      ("big", True)]
    assert doc["reviews"][0]["size"] == small.stat().st_size
    assert doc["reviews"][0]["files"][0]["status"] == "exempt"


# -- writing entries as text -------------------------------------------------------------------


def _new(name: str | None = "colors-3.0-py3-none-any.whl") -> NewExemption:
    return NewExemption("colors", "3.10", (("ab" * 32, name),), 'say "why"\nand how', None)


@pytest.mark.parametrize("hostile", ["x.whl\nexemptions: []", "x.whl # y", "../x.whl", "é.whl"])
def test_a_file_name_goes_into_a_comment_only_when_it_is_plain(hostile: str) -> None:
    text = with_exemptions("signoff: policy/v1\n", [_new(hostile)], "p.yaml")
    assert "#" not in text
    assert yaml.safe_load(text)["exemptions"] == [{
        "project": "colors", "version": "3.10", "sha256": ["ab" * 32],
        "reason": 'say "why"\nand how'}]
    assert "  # colors-3.0-py3-none-any.whl\n" in with_exemptions("a: 1\n", [_new()], "p.yaml")


def test_entries_keep_the_files_line_endings() -> None:
    text = "signoff: policy/v1\r\nexemptions:\r\n  - {project: a, version: '1', reason: x}\r\n"
    new = with_exemptions(text, [_new()], "p.yaml")
    assert new.startswith(text) and "\n" not in new.replace("\r\n", "")
    assert len(yaml.safe_load(new)["exemptions"]) == 2


def test_explain_shows_the_exemption(builder: RegistryBuilder, three: Path) -> None:
    assert baseline(builder, str(three), "--until", FUTURE).returncode == 0
    out = run_cli("explain", str(three), "--policy", str(builder.tmp / "signoff-policy.yaml"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "status: EXEMPT" in out.stdout
    assert f"until {FUTURE}: baseline" in out.stdout


_COMMENT = st.sampled_from(["", "  # note", "   # x: [y]"])
_GAP = st.lists(st.sampled_from(["", "# a comment", "   ", "  # indented comment"]), max_size=3)


@st.composite
def policies(draw: st.DrawFn) -> str:
    """A policy's text: comments and blank lines anywhere, an `exemptions:` list or none,
    written at any indentation, before or after other keys."""
    dash = draw(st.integers(0, 4))
    keys = dash + draw(st.integers(1, 3)) + 1
    entries = []
    for i in range(draw(st.integers(0, 3))):
        style = draw(st.sampled_from(["plain", "folded", "flow-sha"]))
        reason = {"plain": f"reason {i}{draw(_COMMENT)}",
                  "folded": ">\n" + " " * (keys + 2) + f"folded {i}\n" + "\n" * draw(
                      st.integers(0, 2)),
                  "flow-sha": f"r{i}\n{' ' * keys}sha256: [{'ab' * 32}]"}[style]
        entries.append(f"{' ' * dash}-{' ' * (keys - dash - 1)}project: p{i}{draw(_COMMENT)}\n"
                       f"{' ' * keys}version: '1.{i}'\n{' ' * keys}reason: {reason}".rstrip("\n")
                       + "\n" + "".join(g + "\n" for g in draw(_GAP)))
    first_gap: list[str] = draw(_GAP)[:1]
    if entries:
        exemptions = (f"exemptions:{draw(_COMMENT)}\n" + "".join(g + "\n" for g in first_gap)
                      + "".join(entries))
    elif draw(st.booleans()):
        empty = draw(st.sampled_from(["exemptions: []", "exemptions:", "exemptions: ~"]))
        exemptions = empty + draw(_COMMENT) + "\n"
    else:
        exemptions = ""
    parts = ["require:\n  signers: 1\n", "rules: []\n", exemptions]
    order = draw(st.permutations(parts))
    gaps = ["".join(g + "\n" for g in draw(_GAP)) for _ in order]
    return "signoff: policy/v1\n" + "".join(g + p for g, p in zip(gaps, order, strict=True))


@settings(max_examples=200, deadline=None)
@given(policies(), st.integers(1, 3))
def test_entries_added_as_text_change_nothing_else(text: str, count: int) -> None:
    new = [NewExemption(f"new{i}", "2.0", (("cd" * 32, f"new{i}-2.0.tar.gz"),), "baseline",
                        None) for i in range(count)]
    result = with_exemptions(text, new, "p.yaml")
    before, after = yaml.safe_load(text), yaml.safe_load(result)
    added = [{"project": f"new{i}", "version": "2.0", "sha256": ["cd" * 32],
              "reason": "baseline"} for i in range(count)]
    assert after.pop("exemptions") == (before.pop("exemptions", None) or []) + added
    assert after == before
    # Every byte of the old text is still there, in order, around one inserted block; only an
    # empty value (`[]`, `~`) goes.
    base = text.replace("exemptions: []", "exemptions: ", 1).replace("exemptions: ~",
                                                                     "exemptions: ", 1)
    prefix = next((i for i, (a, b) in enumerate(zip(base, result, strict=False)) if a != b),
                  len(base))
    suffix = next((i for i, (a, b) in enumerate(zip(reversed(base), reversed(result),
                                                    strict=False)) if a != b), len(base))
    assert len(result) > len(base) and prefix + suffix >= len(base)


def test_the_installed_command_baselines_and_suggests(builder: RegistryBuilder,
                                                      three: Path) -> None:
    policy = str(builder.tmp / "signoff-policy.yaml")
    assert run_installed("check", str(three), "--policy", policy, timeout=120).returncode == 1
    added = run_installed("baseline", str(three), "--policy", policy, timeout=120)
    assert added.returncode == 0, added.stderr
    assert run_installed("check", str(three), "--policy", policy, timeout=120).returncode == 0
    listed = run_installed("suggest", str(three), "--policy", policy, timeout=120)
    assert listed.returncode == 0 and "exempt today" in listed.stdout


def test_exempt_requirements_are_rows_warnings_and_never_passes(
        builder: RegistryBuilder, three: Path) -> None:
    policy = str(builder.tmp / "signoff-policy.yaml")
    assert baseline(builder, str(three), "--until", FUTURE, "--offline").returncode == 0
    _, doc = check_json(builder, three)
    rows = {f"{r['project']}=={r['version']}": r["status"] for r in doc["requirements"]}
    assert rows == {"tinyhttp==1.0": "pass", "leftpad==2.0": "exempt", "colors==3.0": "exempt"}
    github = run_cli("check", str(three), "--policy", policy, "--format", "github")
    assert github.returncode == 0
    warnings = [line for line in github.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 2 and not any(line.startswith("::error")
                                          for line in github.stdout.splitlines())
    markdown = run_cli("check", str(three), "--policy", policy, "--format", "markdown")
    assert markdown.returncode == 0
    assert "1 passed, 2 exempt, 0 failed under policy" in markdown.stdout
    assert "**FAIL**" not in markdown.stdout
    suggested = run_cli("suggest", str(three), "--policy", policy, "--offline")
    assert suggested.returncode == 0, suggested.stderr
    both = run_cli("suggest", str(three), "--policy", policy, "--offline", "--fetch")
    assert both.returncode == 2 and "--fetch and --offline" in both.stderr
    # The lock still keeps only vetted files: an exempt requirement gets no hash, and it fails.
    out = builder.tmp / "vetted.txt"
    locked = run_cli("lock", str(three), "-o", str(out), "--policy", policy)
    assert locked.returncode == 1, locked.stdout + locked.stderr
    text = out.read_text()
    assert sha(builder.dist / "leftpad-2.0-py3-none-any.whl") not in text
    assert sha(builder.dist / "tinyhttp-1.0-py3-none-any.whl") in text
