"""The attestation: schema `attestation/v1`, strict loading from signed bytes, stable emitting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import yaml
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from signoff.attest.errors import AttestationError
from signoff.attest.limits import LIMITS
from signoff.attest.names import (
    normalize_fingerprint,
    normalize_project,
    normalize_sha256,
    normalize_version,
    same_version,
)
from signoff.attest.strict_yaml import Document, KeyPath, load_mapping

SCHEMA = "attestation/v1"
_CRITERION_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\Z")
_KNOWN_FIELDS = ("signoff", "subject", "verdict", "criteria", "signer", "date", "expires",
                 "comment")
_SUBJECT_FIELDS = ("project", "version", "filename", "sha256", "size")


class Verdict(StrEnum):
    """What the signer concluded about the file."""

    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    """The signer takes back an earlier statement: it counts neither for nor against."""


@dataclass(frozen=True)
class Subject:
    """The release file an attestation is about."""

    project: str
    """PEP 503 normalised project name."""
    version: str
    """PEP 440 normalised version."""
    filename: str
    """The release file's name, as published."""
    sha256: str
    """Lower-case hex sha256 of the file."""
    size: int
    """Size of the file in bytes."""


@dataclass(frozen=True)
class Attestation:
    """One signer's signed statement about one release file."""

    subject: Subject
    """The file."""
    verdict: Verdict
    """Approved, rejected, or withdrawn (an earlier statement taken back)."""
    criteria: tuple[str, ...]
    """What is certified (approved) or violated (rejected)."""
    signer: str
    """Upper-case 40-hex primary-key fingerprint of the signer."""
    date: datetime
    """When the signer says they signed (UTC); history, not this, decides age."""
    expires: datetime | None = None
    """After this moment the statement no longer counts."""
    comment: str | None = None
    """Free text from the signer."""
    unknown_fields: tuple[str, ...] = ()
    """Top-level fields this version of signoff does not know; kept in `raw`, reported."""
    raw: bytes = field(default=b"", repr=False, compare=False)
    """The exact bytes that were signed and parsed."""


def is_valid_criterion(name: str) -> bool:
    """Criteria are short lower-case names: `safe-to-deploy`."""
    return bool(_CRITERION_RE.match(name))


def release_name_and_version(filename: str) -> tuple[str, str]:
    """Project and version from a wheel or sdist file name; ValueError if it is neither."""
    if "/" in filename or "\\" in filename or filename in ("", ".", ".."):
        raise ValueError(f"not a bare file name: {filename!r}")
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            raise ValueError(f"not a wheel or sdist file name (.whl, .tar.gz, .zip): {filename!r}")
    except (InvalidWheelFilename, InvalidSdistFilename) as e:
        raise ValueError(str(e)) from e
    return str(name), str(version)


def load_attestation(data: bytes, source: str) -> Attestation:
    """Parse signed bytes strictly; AttestationError names `source` and the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        # signoff never writes one; a reader that strips it and one that does not would hash
        # and show different bytes for one signed statement.
        raise AttestationError("starts with a byte-order mark (BOM); a statement is plain UTF-8",
                               file=source, line=1)
    doc = load_mapping(data, source, max_bytes=LIMITS.attestation_bytes, error=AttestationError)
    return _Reader(doc).attestation(data)


class _Reader:
    """Field-by-field validation, each error pointing at its key's line."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def fail(self, message: str, key: str | KeyPath | None = None) -> AttestationError:
        return AttestationError(message, file=self.doc.source,
                                line=self.doc.line_of(key) if key else None)

    def field(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        if key not in self.doc.data:
            if required:
                raise self.fail(f"missing required field {key!r}")
            return None
        value = self.doc.data[key]
        # bool is an int in Python; a size of `true` is still wrong.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(f"field {key!r} must be {_kind_name(kind)}, "
                            f"not {type(value).__name__}", key)
        return value

    def attestation(self, raw: bytes) -> Attestation:
        schema = self.field("signoff", str)
        if schema != SCHEMA:
            raise self.fail(f"unsupported schema {schema!r}; expected {SCHEMA!r}", "signoff")
        verdict_text = self.field("verdict", str)
        try:
            verdict = Verdict(verdict_text)
        except ValueError:
            raise self.fail("verdict must be 'approved', 'rejected' or 'withdrawn', not "
                            f"{verdict_text!r}", "verdict") from None
        criteria = self.field("criteria", list)
        for i, item in enumerate(criteria):
            if not isinstance(item, str) or not is_valid_criterion(item):
                raise self.fail(f"criterion {item!r} is not a lower-case name like "
                                "'safe-to-deploy'", ("criteria", i))
        for i, item in enumerate(criteria):
            if item in criteria[:i]:
                raise self.fail("criteria lists a name twice", ("criteria", i))
        if verdict is Verdict.WITHDRAWN and criteria:
            raise self.fail("a withdrawal takes back a statement and names no criteria: "
                            "write `criteria: []`", "criteria")
        signer_text = self.field("signer", str)
        try:
            signer = normalize_fingerprint(signer_text)
        except ValueError as e:
            raise self.fail(str(e), "signer") from e
        if signer != signer_text:
            raise self.fail("signer must be written as 40 upper-case hex digits", "signer")
        comment = self.field("comment", str, required=False)
        if comment is not None and len(comment) > LIMITS.comment_chars:
            raise self.fail(f"comment is over {LIMITS.comment_chars} characters", "comment")
        return Attestation(
            subject=self.subject(),
            verdict=verdict,
            criteria=tuple(criteria),
            signer=signer,
            date=self.timestamp("date", required=True) or datetime.min.replace(tzinfo=UTC),
            expires=self.timestamp("expires", required=False),
            comment=comment,
            unknown_fields=tuple(k for k in self.doc.data if k not in _KNOWN_FIELDS),
            raw=raw,
        )

    def subject(self) -> Subject:
        subject = self.field("subject", dict)
        extra = set(subject) - set(_SUBJECT_FIELDS)
        if extra:
            raise self.fail(f"subject has unknown fields: {', '.join(sorted(extra))}",
                            ("subject", sorted(extra)[0]))
        for key in _SUBJECT_FIELDS:
            if key not in subject:
                raise self.fail(f"subject is missing {key!r}", "subject")
        project, version, filename = subject["project"], subject["version"], subject["filename"]
        sha256, size = subject["sha256"], subject["size"]
        for name, value in (("project", project), ("version", version),
                            ("filename", filename), ("sha256", sha256)):
            if not isinstance(value, str):
                raise self.fail(f"subject.{name} must be a string, not "
                                f"{type(value).__name__} (quote it)", ("subject", name))
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise self.fail("subject.size must be a non-negative integer", ("subject", "size"))
        at: str = "project"
        try:
            norm_project = normalize_project(project)
            at = "version"
            norm_version = normalize_version(version)
            at = "sha256"
            norm_sha = normalize_sha256(sha256)
            at = "filename"
            file_project, file_version = release_name_and_version(filename)
        except ValueError as e:
            raise self.fail(f"subject: {e}", ("subject", at)) from e
        for name, given, norm in (("project", project, norm_project),
                                  ("version", version, norm_version),
                                  ("sha256", sha256, norm_sha)):
            if given != norm:
                raise self.fail("subject project, version and sha256 must be written "
                                f"normalised: {norm_project} {norm_version} {norm_sha}",
                                ("subject", name))
        if file_project != norm_project or not same_version(file_version, norm_version):
            raise self.fail(f"subject.filename {filename!r} is not a file of "
                            f"{norm_project} {norm_version}", ("subject", "filename"))
        return Subject(norm_project, norm_version, filename, norm_sha, size)

    def timestamp(self, key: str, *, required: bool) -> datetime | None:
        value = self.field(key, (str, datetime, date), required=required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(f"{key} must be an ISO 8601 time like 2026-11-25T10:00:00Z",
                                key) from None
        if not isinstance(value, datetime):
            raise self.fail(f"{key} must be a time, not a bare date", key)
        if value.tzinfo is None:
            # YAML timestamps without an offset are UTC by the YAML spec.
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", list: "a list", dict: "a mapping",
             bool: "true or false", datetime: "a time", date: "a time"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def format_time(moment: datetime) -> str:
    """`2026-11-25T10:00:00Z`: the one way signoff writes a time."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def dump_attestation(att: Attestation) -> bytes:
    """Stable, readable YAML for a new attestation: fixed field order, block comment."""
    doc: dict[str, Any] = {
        "signoff": SCHEMA,
        "subject": {
            "project": att.subject.project,
            "version": att.subject.version,
            "filename": att.subject.filename,
            "sha256": att.subject.sha256,
            "size": att.subject.size,
        },
        "verdict": att.verdict.value,
        "criteria": list(att.criteria),
        "signer": att.signer,
        "date": format_time(att.date),
    }
    if att.expires is not None:
        doc["expires"] = format_time(att.expires)
    if att.comment:
        doc["comment"] = att.comment
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100).encode("utf-8")


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks and short lists inline."""


# Characters YAML reads as line breaks, or that a block scalar cannot carry faithfully.
_NEEDS_QUOTING = ("\r", "\x85", "\u2028", "\u2029", "\t")


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(c in value for c in _NEEDS_QUOTING) or (not value.isprintable() and "\n" not in value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


def _list_representer(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(list, _list_representer)
