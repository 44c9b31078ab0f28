"""The strict YAML reader gives every key path its own line, and the loaders report it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.attest.errors import AttestationError, PolicyError
from signoff.attest.model import load_attestation
from signoff.attest.strict_yaml import load_mapping
from signoff.trust.policy.policy import load_policy

FPR = "A" * 40
NESTED = b"""\
top: 1
outer:
  inner:
    deep: x
  items:
    - a
    - {name: b, value: 2}
    -
      name: c
"""


def test_every_key_path_has_its_line() -> None:
    doc = load_mapping(NESTED, "n.yaml", max_bytes=4096)
    assert doc.line_of("top") == 1
    assert doc.line_of(("outer", "inner", "deep")) == 4
    assert doc.line_of(("outer", "items", 0)) == 6
    assert doc.line_of(("outer", "items", 1, "value")) == 7
    assert doc.line_of(("outer", "items", 2)) == 9  # a block item starts on its first key
    assert doc.line_of(("outer", "items", 2, "name")) == 9


def test_a_missing_path_falls_back_to_its_nearest_ancestor() -> None:
    doc = load_mapping(NESTED, "n.yaml", max_bytes=4096)
    assert doc.line_of(("outer", "inner", "absent")) == 3
    assert doc.line_of(("absent",)) is None
    assert doc.error("bad", ("outer", "items", 1, "name")).line == 7


@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=8))
def test_lines_of_a_generated_nesting(keys: list[str]) -> None:
    """A chain of nested mappings, one key per line: key path i sits on line i + 1."""
    text = "".join("  " * i + f"{k}:\n" for i, k in enumerate(keys[:-1]))
    text += "  " * (len(keys) - 1) + f"{keys[-1]}: 1\n"
    doc = load_mapping(text.encode(), "g.yaml", max_bytes=4096)
    for i in range(len(keys)):
        assert doc.line_of(tuple(keys[: i + 1])) == i + 1


POLICY = f"""\
signoff: policy/v1
registries:
  - path: one
  - path: two
    maintainers: [{FPR}]
    since: abc
trust:
  roots: [{FPR}]
  introducers:
    {"B" * 40}: full
require:
  criteria: safe-to-deploy
  signers: 1
criteria:
  reviewed:
    implies: [safe-to-run, fine]
rules:
  - projects: [a]
    require: {{signers: 2}}
  - projects: [b]
    require:
      criteria: [safe-to-run]
      min-age: 7d
      signers: 1
"""

# (what to change, the line the error must name)
NESTED_POLICY_ERRORS = {
    "second registry's since": (("since: abc", "since: 5"), 6),
    "second registry's second maintainer": ((f"[{FPR}]\n    since", f"[{FPR}, xyz]\n    since"), 5),
    "an introducer's level": (("B" * 40 + ": full", "B" * 40 + ": ultimate"), 10),
    "a criterion implying an unknown one": (("", ""), 16),
    "the second rule's min-age": (("min-age: 7d", "min-age: soon"), 23),
    "the second rule's signers": (("      signers: 1", "      signers: 0"), 24),
    "the second rule's unknown key": (("      min-age: 7d", "      max-age: 7d"), 23),
    "the first rule's require, flow style": (("{signers: 2}", "{signers: two}"), 19),
    "the second rule's criteria item": (("[safe-to-run]", "[\n        safe-to-run, nope]"), 23),
}


@pytest.mark.parametrize("case", sorted(NESTED_POLICY_ERRORS))
def test_policy_errors_name_the_line_of_the_wrong_value(tmp_path: Path, case: str) -> None:
    (old, new), line = NESTED_POLICY_ERRORS[case]
    text = POLICY.replace(old, new, 1) if old else POLICY
    if case != "a criterion implying an unknown one":
        text = text.replace("[safe-to-run, fine]", "[safe-to-run]")
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert (caught.value.file, caught.value.line) == (str(path), line), caught.value.message


def test_the_fixed_policy_loads(tmp_path: Path) -> None:
    """The cases above fail only because of their one change."""
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.replace("[safe-to-run, fine]", "[safe-to-run]"))
    assert len(load_policy(path).rules) == 2


STATEMENT = f"""\
signoff: attestation/v1
subject:
  project: requests
  version: 2.31.0
  filename: requests-2.31.0-py3-none-any.whl
  sha256: {"ab" * 32}
  size: 62574
verdict: approved
criteria:
  - safe-to-deploy
  - safe-to-run
signer: {FPR}
date: '2026-11-25T10:00:00Z'
"""

NESTED_STATEMENT_ERRORS = {
    "subject version not normalised": (("version: 2.31.0", "version: 2.31.00"), 4),
    "subject filename of another project": (("filename: requests-", "filename: other-"), 5),
    "subject sha256 not hex": (("sha256: ab", "sha256: zz"), 6),
    "subject unknown field": (("  size: 62574\n", "  size: 62574\n  extra: 1\n"), 8),
    "second criterion malformed": (("- safe-to-run", "- Safe To Run"), 11),
    "second criterion repeated": (("- safe-to-run", "- safe-to-deploy"), 11),
}


@pytest.mark.parametrize("case", sorted(NESTED_STATEMENT_ERRORS))
def test_statement_errors_name_the_line_of_the_wrong_value(case: str) -> None:
    (old, new), line = NESTED_STATEMENT_ERRORS[case]
    assert old in STATEMENT
    with pytest.raises(AttestationError) as caught:
        load_attestation(STATEMENT.replace(old, new, 1).encode(), "s.yaml")
    assert caught.value.line == line, caught.value.message


def test_the_fixed_statement_loads() -> None:
    assert load_attestation(STATEMENT.encode(), "s.yaml").criteria == (
        "safe-to-deploy", "safe-to-run")
