"""Fuzzing with hypothesis: the statement and policy loaders, every deployment-input parser, and
name and version normalisation.

Property: any input gives a result or signoff's own error (a `SignoffError` with a message);
never another exception and never a hang (each example runs under a SIGALRM limit). Inputs are
bounded by the strategies and by signoff's own limits, so memory stays bounded too. For
requirements files there is a stronger property, differential against pip's own parser: when
signoff reads a file without a problem, pip accepts exactly the sha256 digests signoff checks.

Examples per target: 50 in `make test` (profile `signoff-fuzz`); SIGNOFF_LONG=1 runs 2000, and
SIGNOFF_FUZZ_EXAMPLES=N runs N.
"""

from __future__ import annotations

import json
import os
import string
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomlkit
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version
from pip._internal.network.session import PipSession
from pip._internal.req.req_file import parse_requirements as pip_parse_requirements

from signoff.attest.errors import SignoffError
from signoff.attest.model import load_attestation
from signoff.attest.names import (
    normalize_fingerprint,
    normalize_project,
    normalize_sha256,
    normalize_version,
)
from signoff.registry.layout import parse_attestation_path, statement_path
from signoff.trust.inputs.interface import InputContents
from signoff.trust.inputs.pip_report import PipReportInput
from signoff.trust.inputs.pylock import PylockInput
from signoff.trust.inputs.requirements import RequirementsInput
from signoff.trust.inputs.uv_lock import UvLockInput
from signoff.trust.policy.policy import load_policy
from tests.attacks.deploy_kit import time_limit

EXAMPLES = int(os.environ.get("SIGNOFF_FUZZ_EXAMPLES")
               or (2000 if os.environ.get("SIGNOFF_LONG") == "1" else 50))
settings.register_profile("signoff-fuzz", max_examples=EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
FUZZ = settings.get_profile("signoff-fuzz")
"""Applied to every test here: bounded examples, no per-example deadline (the SIGALRM limit
catches hangs without failing slow examples on a loaded machine)."""

PER_EXAMPLE = 30
"""Seconds one example may take before it counts as a hang."""

HEX = "0123456789abcdef"
SHA = "a" * 64
FPR = "0123456789ABCDEF0123456789ABCDEF01234567"


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """One folder for the module's example files (hypothesis reuses a test's fixtures)."""
    with tempfile.TemporaryDirectory(prefix="signoff-fuzz-") as name:
        yield Path(name)


def _outcome(read: Callable[[], Any]) -> Any:
    """The result of `read`, or None when it raised a SignoffError with a message."""
    with time_limit(PER_EXAMPLE):
        try:
            return read()
        except SignoffError as e:
            assert str(e).strip(), "a SignoffError without a message"
            return None


# -- values that look like what the formats hold -------------------------------------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True), st.text(max_size=40),
    st.sampled_from(["alpha", "1.0", "1.0.0", "sha256", SHA, SHA.upper(), FPR, "approved",
                     "rejected", "safe-to-deploy", "safe-to-run", ".", "..", "../x", "/etc",
                     "alpha-1.0-py3-none-any.whl", "alpha-1.0.tar.gz", "https://h/a.whl",
                     "file:///tmp/a.whl", "sha256:" + SHA, "sha256=" + SHA, "", "\x00",
                     "2026-11-25T10:00:00Z", "7d", "0", "-1", "registry", "git"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(["name", "version", "hashes", "sha256", "url", "path",
                                     "size", "wheels", "sdist", "vcs", "directory", "archive",
                                     "source", "hash", "filename", "x"]), inner, max_size=5)),
    max_leaves=20)


def _mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some keys replaced by arbitrary values, removed, or added."""
    return st.fixed_dictionaries({
        key: st.one_of(st.just(value), _values) for key, value in base.items()
    }).flatmap(lambda d: st.lists(st.sampled_from(sorted(d)), max_size=2).flatmap(
        lambda drop: st.dictionaries(st.text(max_size=10), _values, max_size=2).map(
            lambda extra: {**{k: v for k, v in d.items() if k not in drop}, **extra})))


# -- the statement (attestation) loader ----------------------------------------------------------

_ATTESTATION: dict[str, Any] = {
    "signoff": "attestation/v1",
    "subject": {"project": "alpha", "version": "1.0",
                "filename": "alpha-1.0-py3-none-any.whl", "sha256": SHA, "size": 100},
    "verdict": "approved",
    "criteria": ["safe-to-deploy"],
    "signer": FPR,
    "date": "2026-11-25T10:00:00Z",
    "comment": "read it",
}


def _yaml(value: Any) -> bytes:
    try:
        return yaml.safe_dump(value, allow_unicode=True).encode()
    except (yaml.YAMLError, ValueError, OverflowError):
        return b"{}"


@FUZZ
@given(st.one_of(_mutated(_ATTESTATION).map(_yaml),
                 _mutated(_ATTESTATION["subject"]).map(
                     lambda s: _yaml({**_ATTESTATION, "subject": s})),
                 st.binary(max_size=300),
                 st.text(alphabet=string.printable + "&*!|>{}[]#'\"\u2028\ufeff",
                         max_size=300).map(str.encode)))
def test_statement_loader(data: bytes) -> None:
    """Any bytes give an attestation or an AttestationError naming the source."""
    _outcome(lambda: load_attestation(data, "fuzz.yaml"))


# -- the policy loader ---------------------------------------------------------------------------

_POLICY: dict[str, Any] = {
    "signoff": "policy/v1",
    "registries": [{"path": "registry"}],
    "trust": {"roots": [FPR], "marginals-needed": 3, "max-depth": 5},
    "require": {"criteria": "safe-to-deploy", "signers": 2, "min-age": "7d"},
    "criteria": {"reviewed": {"implies": ["safe-to-deploy"]}},
    "rules": [{"projects": ["internal-*"], "require": {"signers": 1}}],
}


@FUZZ
@given(st.one_of(
    _mutated(_POLICY).map(_yaml),
    _mutated(_POLICY["trust"]).map(lambda t: _yaml({**_POLICY, "trust": t})),
    _mutated(_POLICY["require"]).map(lambda r: _yaml({**_POLICY, "require": r})),
    st.dictionaries(st.text(max_size=8), st.lists(st.text(max_size=8), max_size=3),
                    max_size=6).map(lambda c: _yaml({**_POLICY, "criteria": {
                        k: {"implies": v} for k, v in c.items()}})),
    st.binary(max_size=300)))
def test_policy_loader(folder: Path, data: bytes) -> None:
    """Any policy file gives a policy or a PolicyError naming the file."""
    path = folder / "signoff-policy.yaml"
    path.write_bytes(data)
    _outcome(lambda: load_policy(path))


# -- requirements files, differential against pip ------------------------------------------------

_TOKENS = ["alpha", "Alpha_Pkg", "beta", "==", "===", ">=", "1.0", "1.0.0", "2", "*", "[x]",
           " ", " ", "  ", "\t", "\n", "\n", "\r\n", "\\\n", "#", " #", "# c", "--hash=sha256:",
           "--hash", " sha256:", "sha512:", SHA, "b" * 64, "'", '"', "${X}", "$X", "-r ",
           "-c ", "-e ", "--index-url ", "-i ", "--find-links ", "--pre", "--no-binary :all:",
           "--require-hashes", "--global-option=x", "--config-settings=a=b", " @ ",
           "https://h/alpha-1.0.whl", "#sha256=" + SHA, "file:///x.whl", "./x", "; ",
           "python_version < '3'", ",", "\x0c", "\u2028", "\ufeff", "\x85", "é"]


@FUZZ
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join)
       | st.text(max_size=200))
def test_requirements_parser_agrees_with_pip(folder: Path, text: str) -> None:
    """Any requirements file is read or refused; when read without a problem, pip accepts
    exactly the sha256 digests signoff checks, and no digest of another algorithm."""
    path = folder / "requirements.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    contents = _outcome(lambda: RequirementsInput(path).read())
    if contents is None or contents.problems:
        return
    assert isinstance(contents, InputContents)
    try:
        with time_limit(PER_EXAMPLE):
            parsed = list(pip_parse_requirements(str(path), session=PipSession()))
    except Exception:  # pip refuses the file: it installs nothing from it
        return
    pip_sha256: set[str] = set()
    for requirement in parsed:
        hashes = dict((requirement.options or {}).get("hashes", {}))
        pip_sha256.update(digest.lower() for digest in hashes.pop("sha256", []))
        assert not hashes, f"pip accepts {hashes} that signoff did not check"
    assert pip_sha256 == {file.sha256 for file in contents.files}


# -- lock files and reports ----------------------------------------------------------------------

_PYLOCK_PACKAGE: dict[str, Any] = {
    "name": "alpha", "version": "1.0",
    "wheels": [{"name": "alpha-1.0-py3-none-any.whl", "url": "https://h/a.whl",
                "hashes": {"sha256": SHA}, "size": 10}],
}


def _toml(value: dict[str, Any]) -> bytes:
    try:
        return tomlkit.dumps(value).encode()
    except Exception:  # tomlkit cannot write every value (None, NaN keys): any valid TOML will do
        return b'lock-version = "1.0"\n'


@FUZZ
@given(st.one_of(
    st.lists(_mutated(_PYLOCK_PACKAGE), max_size=3).map(
        lambda packages: _toml({"lock-version": "1.0", "created-by": "fuzz",
                                "packages": packages})),
    _mutated({"lock-version": "1.0", "packages": [_PYLOCK_PACKAGE]}).map(_toml),
    st.binary(max_size=200)))
def test_pylock_parser(folder: Path, data: bytes) -> None:
    """Any pylock.toml gives files and problems or an InputFormatError naming the file."""
    path = folder / "pylock.toml"
    path.write_bytes(data)
    _outcome(lambda: PylockInput(path).read())


_UV_PACKAGE: dict[str, Any] = {
    "name": "alpha", "version": "1.0", "source": {"registry": "https://pypi.org/simple"},
    "wheels": [{"url": "https://h/alpha-1.0-py3-none-any.whl", "hash": "sha256:" + SHA}],
}


@FUZZ
@given(st.one_of(
    st.lists(_mutated(_UV_PACKAGE), max_size=3).map(
        lambda packages: _toml({"version": 1, "package": packages})),
    _mutated({"version": 1, "package": [_UV_PACKAGE]}).map(_toml),
    st.binary(max_size=200)))
def test_uv_lock_parser(folder: Path, data: bytes) -> None:
    """Any uv.lock gives files and problems or an InputFormatError naming the file."""
    path = folder / "uv.lock"
    path.write_bytes(data)
    _outcome(lambda: UvLockInput(path).read())


_REPORT_ITEM: dict[str, Any] = {
    "metadata": {"name": "alpha", "version": "1.0"},
    "download_info": {"url": "https://h/alpha-1.0-py3-none-any.whl",
                      "archive_info": {"hashes": {"sha256": SHA}, "hash": "sha256=" + SHA}},
}


def _json(value: Any) -> bytes:
    try:
        return json.dumps(value).encode()
    except (TypeError, ValueError):
        return b"{}"


@FUZZ
@given(st.one_of(
    st.lists(_mutated(_REPORT_ITEM), max_size=3).map(
        lambda items: _json({"version": "1", "install": items})),
    _mutated(_REPORT_ITEM["download_info"]).map(
        lambda info: _json({"version": "1", "install": [{**_REPORT_ITEM,
                                                          "download_info": info}]})),
    st.binary(max_size=200)))
def test_pip_report_parser(folder: Path, data: bytes) -> None:
    """Any pip report gives files and problems or an InputFormatError naming the file."""
    path = folder / "report.json"
    path.write_bytes(data)
    _outcome(lambda: PipReportInput(path).read())


# -- names and versions --------------------------------------------------------------------------

_name_text = st.text(alphabet=string.ascii_letters + string.digits + "-_.\n \t/\\\u0131\u212a",
                     max_size=20)


@FUZZ
@given(st.one_of(_name_text, st.text(max_size=20)))
def test_project_names(text: str) -> None:
    """A project name normalises to one lower-case PEP 503 form (idempotent, safe as a path
    component) or is refused with ValueError."""
    try:
        name = normalize_project(text)
    except ValueError as e:
        assert str(e)
        return
    assert name == normalize_project(name)
    assert name and set(name) <= set(string.ascii_lowercase + string.digits + "-")
    assert not name.startswith("-") and not name.endswith("-") and "--" not in name


@FUZZ
@given(st.one_of(
    st.text(alphabet="0123456789.!+-_abcdeflnoprstv \n", max_size=20),
    st.text(max_size=20)))
def test_versions(text: str) -> None:
    """A version normalises to a PEP 440 form equal to what was written (idempotent, safe as a
    path component), or is refused with ValueError."""
    try:
        version = normalize_version(text)
    except ValueError as e:
        assert str(e)
        return
    assert version == normalize_version(version)
    assert Version(version) == Version(text)
    assert "/" not in version and "\n" not in version and version not in (".", "..")


@FUZZ
@given(st.text(alphabet=HEX + HEX.upper() + " \n\t", max_size=70))
def test_fingerprints_digests_and_paths(text: str) -> None:
    """Fingerprints and digests normalise to exactly 40 and 64 hex digits or are refused; a
    statement path built from normalised parts parses back to the same parts."""
    fpr = sha = None
    try:
        fpr = normalize_fingerprint(text)
        assert len(fpr) == 40 and set(fpr) <= set("0123456789ABCDEF")
    except ValueError:
        pass
    try:
        sha = normalize_sha256(text)
        assert len(sha) == 64 and set(sha) <= set(HEX)
    except ValueError:
        pass
    path = statement_path("alpha", "1.0", sha or SHA, fpr or FPR)
    parsed = parse_attestation_path(path)
    assert parsed is not None, path
