"""signoff: share the work of vetting Python release files.

The repository keeps three layered folders, installed under this one import name:
`signoff.attest` (one attestation), `signoff.registry` (the git store) and `signoff.trust`
(the decision). This module is the public Python API: everything the `signoff` command line
does to decide about release files goes through the names below.

    policy = signoff.load_policy(Path("signoff-policy.yaml"))
    files, problems = signoff.gather_inputs([Path("requirements.txt")])
    with signoff.open_registries(policy) as session:
        report = session.check(files, problems)

Nothing here prints or exits. Failures raise a `SignoffError` subclass, whose `diagnostics()`
is the text a person needs to act on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

# Every name below is imported when first used (PEP 562), so that importing any part of the
# package, `signoff --help` included, does not load pygit2, GnuPG and the whole decision core.
if TYPE_CHECKING:
    from signoff.attest.errors import (
        AttestationError,
        EnvironmentProblem,
        GpgError,
        InputError,
        LockError,
        MaintainerRuleError,
        PolicyError,
        RegistryError,
        RollbackError,
        SignoffError,
        TransportError,
    )
    from signoff.registry.clones import FetchMode
    from signoff.trust.decide.checker import CheckReport, CheckSession
    from signoff.trust.decide.explain import (
        ExplainReport,
        Explanation,
        explain,
        explain_inputs,
        explain_release,
        explain_verdicts,
        parse_pin,
    )
    from signoff.trust.decide.lock import LockResult
    from signoff.trust.decide.rules import FileVerdict, Finding, JudgedAttestation
    from signoff.trust.decide.target import Target, target_from_interpreter, target_from_options
    from signoff.trust.decide.versions import (
        VersionsReport,
        VersionStatus,
        newest_passing,
        parse_project_and_spec,
        version_statuses,
    )
    from signoff.trust.inputs.gather import gather_inputs
    from signoff.trust.outcomes import Code, Reason
    from signoff.trust.policy.policy import DEFAULT_POLICY, Policy, load_policy
    from signoff.trust.release import InputProblem, ReleaseFile
    from signoff.trust.wot.engine import TrustResult
    from signoff.trust.wot.keys import KeySet

    __version__: str


_LAZY: dict[str, tuple[str, str]] = {
    **{name: ("signoff.attest.errors", name) for name in (
        "AttestationError", "EnvironmentProblem", "GpgError", "InputError", "LockError",
        "MaintainerRuleError", "PolicyError", "RegistryError", "RollbackError", "SignoffError",
        "TransportError")},
    **{name: ("signoff.trust.decide.checker", name) for name in ("CheckReport", "CheckSession")},
    **{name: ("signoff.trust.decide.explain", name) for name in (
        "ExplainReport", "Explanation", "explain", "explain_inputs", "explain_release",
        "explain_verdicts", "parse_pin")},
    **{name: ("signoff.trust.decide.lock", name) for name in (
        "LockResult",)},
    **{name: ("signoff.trust.decide.rules", name) for name in (
        "FileVerdict", "Finding", "JudgedAttestation")},
    **{name: ("signoff.trust.decide.versions", name) for name in (
        "VersionsReport", "VersionStatus", "newest_passing", "parse_project_and_spec",
        "version_statuses")},
    **{name: ("signoff.trust.decide.target", name) for name in (
        "Target", "target_from_interpreter", "target_from_options")},
    "gather_inputs": ("signoff.trust.inputs.gather", "gather_inputs"),
    "FetchMode": ("signoff.registry.clones", "FetchMode"),
    **{name: ("signoff.trust.outcomes", name) for name in ("Code", "Reason")},
    **{name: ("signoff.trust.policy.policy", name) for name in (
        "DEFAULT_POLICY", "Policy", "load_policy")},
    **{name: ("signoff.trust.release", name) for name in ("InputProblem", "ReleaseFile")},
    "TrustResult": ("signoff.trust.wot.engine", "TrustResult"),
    "KeySet": ("signoff.trust.wot.keys", "KeySet"),
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562); `__version__` reads the installed
    metadata."""
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("signoff")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'signoff' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the ones not imported yet included."""
    return sorted({*globals(), *__all__})


LockInputKind = Literal["detect", "requirements", "pylock"]
"""How `lock` reads its input: by its name, or as the format given."""

__all__ = [
    "DEFAULT_POLICY",
    "AttestationError",
    "CheckReport",
    "CheckSession",
    "Code",
    "EnvironmentProblem",
    "ExplainReport",
    "Explanation",
    "FetchMode",
    "FileVerdict",
    "Finding",
    "GpgError",
    "InputError",
    "InputProblem",
    "JudgedAttestation",
    "KeySet",
    "LockError",
    "LockInputKind",
    "LockResult",
    "MaintainerRuleError",
    "Policy",
    "PolicyError",
    "Reason",
    "RegistryError",
    "ReleaseFile",
    "RollbackError",
    "SignoffError",
    "Target",
    "TransportError",
    "TrustResult",
    "VersionStatus",
    "VersionsReport",
    "__version__",
    "check",
    "explain",
    "explain_inputs",
    "explain_release",
    "explain_verdicts",
    "gather_inputs",
    "load_policy",
    "lock",
    "newest_passing",
    "open_registries",
    "parse_pin",
    "parse_project_and_spec",
    "target_from_interpreter",
    "target_from_options",
    "version_statuses",
]


def open_registries(policy: Policy, *, now: int | None = None, state_dir: Path | None = None,
                    accept_rewrite: bool = False, fetch: FetchMode | None = None
                    ) -> CheckSession:
    """Open every registry of `policy` with every safety check (fetching and `max-staleness`
    for registries named by URL, reading at the named ref, rollback protection, the
    maintainers rule, history, `min-key-age`).

    Use it as a context manager; `state_dir` is where verified heads are recorded (default
    `$XDG_STATE_HOME/signoff`), `accept_rewrite` accepts one announced history rewrite, and
    `fetch` says when `url:` registries are fetched. Raises TransportError for a registry
    staler than its `max-staleness`, RollbackError, MaintainerRuleError or another
    RegistryError when a check fails.
    """
    from signoff.registry.clones import FetchMode
    from signoff.trust.decide.checker import CheckSession

    return CheckSession.open(policy, now, state_dir=state_dir, accept_rewrite=accept_rewrite,
                             fetch=FetchMode.AUTO if fetch is None else fetch)


def check(policy: Policy, files: Sequence[ReleaseFile], problems: Sequence[InputProblem] = (),
          *, state_dir: Path | None = None, accept_rewrite: bool = False,
          now: int | None = None, progress: Callable[[], None] | None = None,
          target: Target | None = None, fetch: FetchMode | None = None) -> CheckReport:
    """Judge release files against `policy`: open its registries, decide, close them.
    `target` (from `target_from_options` or `target_from_interpreter`) limits the judgement to
    what an installer could take there; without one every file counts. `fetch` says when
    `url:` registries are fetched (None: when `refresh:` is due)."""
    with open_registries(policy, now=now, state_dir=state_dir, accept_rewrite=accept_rewrite,
                         fetch=fetch) as session:
        return session.check(files, problems, progress, target)


def lock(session: CheckSession, source: Path, output: Path,
         kind: LockInputKind = "detect", target: Target | None = None,
         index_url: str | None = None) -> LockResult:
    """Write `source` (a requirements file, pylock.toml, uv.lock or pip report) to `output`,
    keeping only the files that pass, and filling in the vetted hashes of a requirement pinned
    without any; `kind` says how to read it when its name does not, `target` (None: every file
    counts) which files an installer could take, and `index_url` the index whose names tell."""
    from signoff.trust.decide.lock import lock as lock_detected
    from signoff.trust.decide.lock import lock_pylock, lock_requirements
    from signoff.trust.inputs.index_names import name_files_from_index

    def judge(files: Sequence[ReleaseFile], problems: Sequence[InputProblem]) -> CheckReport:
        if index_url is not None:
            files = name_files_from_index(files, index_url)
        return session.check(files, problems, target=target)

    if kind == "requirements":
        return lock_requirements(source, judge, output, session.attested_files)
    if kind == "pylock":
        return lock_pylock(source, judge, output)
    return lock_detected(source, judge, output, session.attested_files)
