"""The words for every outcome code: the only place that turns a `Reason` into English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, assert_never

from signoff.attest.names import short_fpr
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.durations import describe_duration

_VALIDITY_WORDS = {"marginal": "only marginally valid", "full": "fully valid",
                   "ultimate": "ultimately trusted"}


def describe(reason: Reason) -> str:
    """The sentence a person reads for one outcome."""
    p = reason.params
    match reason.code:
        case Code.STATEMENT_TOO_LARGE:
            return "statement or signature is over its size cap; not read"
        case Code.MALFORMED_STATEMENT:
            return f"malformed statement: {p['detail']}"
        case Code.BAD_SIGNATURE:
            return f"signature not good: {p['problem']}"
        case Code.SUBJECT_MISMATCH:
            return (f"subject ({p['project']} {p['version']} sha256 {p['sha256'][:12]}…) does not "
                    "match the directory it sits in: moved from another file's directory?")
        case Code.SIGNER_MISMATCH:
            return (f"signer mismatch: statement says {short_fpr(p['statement'])}, file name says "
                    f"{short_fpr(p['file_name'])}, signature is by "
                    f"{short_fpr(p['signature'] or '?')}")
        case Code.FILENAME_MISMATCH:
            return f"subject names file {p['attested']}, but this file is {p['actual']}"
        case Code.ATTESTED_SIZE_MISMATCH:
            return f"attested size {p['attested']} bytes, but the file is {p['actual']} bytes"
        case Code.EXPIRED:
            return f"expired on {p['expires']}"
        case Code.KEY_NOT_IN_REGISTRY:
            return f"key {short_fpr(p['signer'])} is not in the registry's keys/"
        case Code.SIGNER_REVOKED:
            return f"signer {short_fpr(p['signer'])} is revoked"
        case Code.SIGNER_EXPIRED:
            return f"signer {short_fpr(p['signer'])} has expired"
        case Code.BELOW_MIN_VALIDITY:
            name = _VALIDITY_WORDS.get(p["validity"], p["validity"])
            return (f"signer {short_fpr(p['signer'])} is {name}, below min-validity "
                    f"{p['min_validity']}: {p['shortfall']}")
        case Code.SIGNER_NOT_VALID:
            return (f"signer {short_fpr(p['signer'])} is not valid ({p['validity']})"
                    + (f": {p['shortfall']}" if p.get("shortfall") else ""))
        case Code.KEY_TOO_YOUNG:
            when = ("has no recorded history" if p["age"] is None
                    else f"was added {describe_duration(p['age'])} ago")
            return (f"key {short_fpr(p['signer'])} {when}; trust.min-key-age needs "
                    f"{describe_duration(p['need'])}")
        case Code.NO_HISTORY:
            return "no main-line history for this attestation; min-age cannot be met"
        case Code.ATTESTATION_TOO_YOUNG:
            return _too_young(p)
        case Code.SUPERSEDED:
            return f"superseded by {p['by']}"
        case Code.WITHDRAWN:
            return (f"withdrawn by {short_fpr(p['signer'])} on {p['signed']}: counts neither "
                    "for nor against")
        case Code.REPLAY:
            return (f"replay: signed {p['signed']}, but the signer has since signed "
                    f"{p['newer']} at {p['by']}; an older statement never outvotes a newer one")
        case Code.TOO_FEW_APPROVALS:
            return _too_few(p)
        case Code.NO_ATTESTATIONS:
            return f"no attestations for this file (sha256 {p['sha256'][:16]}…); " + _too_few(p)
        case Code.REJECTED:
            return "; ".join(f"rejected by {short_fpr(r['signer'])}"
                             + (f" ({', '.join(r['criteria'])})" if r["criteria"] else "")
                             for r in p["rejections"])
        case Code.CONFLICTING_HASH:
            return "; ".join(f"conflicting hash: the same file name is attested with sha256 "
                             f"{c['sha256'][:16]}… in {c['where']}" for c in p["conflicts"])
        case Code.SIZE_MISMATCH:
            return (f"size mismatch: the file is {p['size']} bytes, attested as "
                    f"{_numbers(p['attested'])}")
        case Code.SIZES_DISAGREE:
            return f"attestations disagree about the file's size: {_numbers(p['sizes'])}"
        case Code.LARGER_THAN_ATTESTED:
            return (f"file is larger than every attested size ({p['limit']} bytes); "
                    "not read to its end")
        case Code.LOCAL_FILE_DIFFERS:
            local = (f"sha256 {p['sha256']}, {p['size']} bytes" if p["sha256"]
                     else f"over {p['size']} bytes, too large to hash")
            return (f"the local {p['filename']} differs from every attested file of that name: "
                    f"it is {local}; attested: " + ", ".join(
                        f"sha256 {a['sha256']} ({a['size']} bytes)" for a in p["attested"]))
        case Code.MARKER_EXCLUDES:
            return f"skipped: its marker `{p['marker']}` excludes the target"
        case Code.NO_FILE_FOR_TARGET:
            return (f"none of its {p['files']} files fits the target ({p['target']}); an "
                    "installer could take none of them")
        case Code.NO_ATTESTED_NAME:
            return (f"no attestation for any file named {p['filename']} of {p['project']} "
                    f"{p['version']}; not hashed")
        case Code.INPUT_PROBLEM:
            return f"{p['requirement']}: {p['reason']}"
        case Code.NO_UPSTREAM_HASH:
            return ("the upstream gives no sha256 for this file, so it cannot be matched to an "
                    "attestation")
        case Code.NOT_A_RELEASE_FILE:
            return f"not a release file name: {p['detail']}"
        case Code.OTHER_PROJECT:
            return f"the file name names project {p['named']}, not {p['page']}"
        case Code.MORE_APPROVALS:
            return _more_approvals(p)
        case Code.WAIT:
            return (f"wait {describe_duration(p['wait'])} more: approvals already made reach "
                    f"{p['signers']} once they have stood {describe_duration(p['min_age'])}")
        case Code.WITHDRAW_REJECTION:
            return ("the rejecting signer must withdraw with a newer attestation, or the file "
                    "must not be deployed")
        case Code.RESOLVE_CONFLICT:
            return ("find out which file is genuine: two hashes for one file name is an alarm, "
                    "not a choice")
        case _:
            assert_never(reason.code)


def describe_all(reasons: Sequence[Reason]) -> list[str]:
    """The sentence for each outcome, in order."""
    return [describe(r) for r in reasons]


def record(reason: Reason | None) -> dict[str, Any] | None:
    """`{"code", "params", "message"}` for JSON, or None."""
    return None if reason is None else {**reason.as_dict(), "message": describe(reason)}


def _too_young(p: Mapping[str, Any]) -> str:
    return (f"attested {describe_duration(p['age'])} ago; policy needs "
            f"{describe_duration(p['need'])}")


def _too_few(p: Mapping[str, Any]) -> str:
    text = f"{p['have']} of {p['need']} trusted approvals for {' and '.join(p['criteria'])}"
    if p["weak"]:
        text += "; " + ", ".join(f"{short_fpr(w['signer'])} approved only "
                                 f"{', '.join(w['criteria']) or 'nothing'}" for w in p["weak"])
    if p["young"]:
        text += "; " + "; ".join(_too_young(y) for y in p["young"])
    return text


def _more_approvals(p: Mapping[str, Any]) -> str:
    missing = p["missing"]
    text = (f"{'one more approval' if missing == 1 else f'{missing} more approvals'} for "
            f"{' and '.join(p['criteria'])} from a key valid under this policy")
    if "candidates" in p:
        text += (f", e.g. one of: {', '.join(p['candidates'])}" if p["candidates"]
                 else "; no key not yet heard from is valid under this policy")
    return text


def _numbers(values: Sequence[int]) -> str:
    return ", ".join(str(v) for v in values)
