"""The attestation schema: strict loading, stable emitting, and hostile bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signoff.attest.errors import AttestationError
from signoff.attest.limits import LIMITS
from signoff.attest.model import (
    Attestation,
    Subject,
    Verdict,
    dump_attestation,
    load_attestation,
)

FPR = "0123456789ABCDEF0123456789ABCDEF01234567"


def make(**changes: object) -> Attestation:
    base = Attestation(Subject("requests", "2.31.0", "requests-2.31.0-py3-none-any.whl",
                               "ab" * 32, 62574), Verdict.APPROVED, ("safe-to-deploy",), FPR,
                       datetime(2026, 11, 25, 10, tzinfo=UTC), comment="Read it all.\n")
    return base if not changes else Attestation(**{**base.__dict__, **changes})


def error_of(data: bytes) -> AttestationError:
    with pytest.raises(AttestationError) as info:
        load_attestation(data, "x.yaml")
    return info.value


def test_round_trip_is_exact() -> None:
    att = make()
    data = dump_attestation(att)
    assert load_attestation(data, "x.yaml") == att
    assert dump_attestation(load_attestation(data, "x.yaml")) == data


@given(comment=st.text(max_size=200).filter(lambda t: "\x00" not in t and "\r" not in t),
       criteria=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), unique=True,
                         max_size=4),
       size=st.integers(min_value=0, max_value=2**40),
       version=st.sampled_from(["1.0", "2.0.1", "1!3.0", "1.0rc1", "2.0.post1", "0.1.dev3"]))
def test_any_emitted_attestation_loads_back_equal(comment: str, criteria: list[str], size: int,
                                                  version: str) -> None:
    att = Attestation(Subject("foo-bar", version, f"foo_bar-{version}-py3-none-any.whl",
                              "cd" * 32, size), Verdict.REJECTED, tuple(criteria), FPR,
                      datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), comment=comment or None)
    assert load_attestation(dump_attestation(att), "x.yaml") == att


def test_anchors_and_aliases_are_refused_with_a_line() -> None:
    e = error_of(b"signoff: attestation/v1\na: &x [1]\nb: *x\n")
    assert e.line == 2 and "anchors" in e.message


def test_duplicate_keys_are_refused() -> None:
    data = dump_attestation(make()) + b"verdict: rejected\n"
    e = error_of(data)
    assert "duplicate key 'verdict'" in e.message and e.line is not None


def test_explicit_tags_are_refused() -> None:
    e = error_of(b"signoff: !!python/object:os.system x\n")
    assert "tags" in e.message


def test_oversized_statement_is_refused_unread() -> None:
    e = error_of(b"#" * (LIMITS.attestation_bytes + 1))
    assert "cap" in e.message and e.file == "x.yaml"


def test_wrong_types_name_the_field_and_line() -> None:
    data = dump_attestation(make()).replace(b"size: 62574", b"size: '62574'")
    e = error_of(data)
    assert "subject.size" in e.message and e.line == 7  # the line of `size:`, not `subject:`


def test_float_looking_version_must_be_a_string() -> None:
    data = dump_attestation(make()).replace(b"version: 2.31.0", b"version: 2.0")
    assert "subject.version must be a string" in error_of(data).message


def test_unnormalised_names_are_refused() -> None:
    data = dump_attestation(make()).replace(b"project: requests", b"project: Requests")
    assert "normalised" in error_of(data).message


def test_filename_must_belong_to_the_subject() -> None:
    data = dump_attestation(make()).replace(b"requests-2.31.0-py3", b"urllib3-2.31.0-py3")
    assert "is not a file of requests 2.31.0" in error_of(data).message


def test_unknown_fields_are_kept_and_reported() -> None:
    data = dump_attestation(make()) + b"thoroughness: high\n"
    att = load_attestation(data, "x.yaml")
    assert att.unknown_fields == ("thoroughness",)
    assert att.raw == data


@pytest.mark.parametrize("data", [b"", b"- a\n", b"\xff\xfe", b"a: [", b"signoff: x\n",
                                  b"signoff: attestation/v1\n", b"a: b\x00\n"])
def test_malformed_documents_raise_attestation_errors(data: bytes) -> None:
    assert error_of(data).file == "x.yaml"
