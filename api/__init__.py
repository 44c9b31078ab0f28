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
from importlib import metadata
from pathlib import Path
from typing import Literal

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
from signoff.trust.decide.baseline import BaselinePlan, plan_baseline
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
from signoff.trust.decide.lock import (
    LockResult,
    lock_pylock,
    lock_requirements,
)
from signoff.trust.decide.lock import lock as lock_detected
from signoff.trust.decide.rules import FileStatus, FileVerdict, Finding, JudgedAttestation
from signoff.trust.decide.suggest import Review, SuggestReport, suggest
from signoff.trust.decide.versions import (
    VersionsReport,
    VersionStatus,
    newest_passing,
    parse_project_and_spec,
    version_statuses,
)
from signoff.trust.inputs.gather import gather_inputs
from signoff.trust.outcomes import Code, Reason
from signoff.trust.policy.edit import NewExemption, add_exemptions
from signoff.trust.policy.exemptions import Exemption
from signoff.trust.policy.policy import DEFAULT_POLICY, Policy, load_policy
from signoff.trust.release import InputProblem, ReleaseFile
from signoff.trust.wot.engine import TrustResult
from signoff.trust.wot.keys import KeySet

LockInputKind = Literal["detect", "requirements", "pylock"]
"""How `lock` reads its input: by its name, or as the format given."""

try:
    __version__ = metadata.version("signoff")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_POLICY",
    "AttestationError",
    "BaselinePlan",
    "CheckReport",
    "CheckSession",
    "Code",
    "EnvironmentProblem",
    "Exemption",
    "ExplainReport",
    "Explanation",
    "FileStatus",
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
    "NewExemption",
    "Policy",
    "PolicyError",
    "Reason",
    "RegistryError",
    "ReleaseFile",
    "Review",
    "RollbackError",
    "SignoffError",
    "SuggestReport",
    "TransportError",
    "TrustResult",
    "VersionStatus",
    "VersionsReport",
    "__version__",
    "add_exemptions",
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
    "plan_baseline",
    "suggest",
    "version_statuses",
]


def open_registries(policy: Policy, *, now: int | None = None, state_dir: Path | None = None,
                    accept_rewrite: bool = False) -> CheckSession:
    """Open every registry of `policy` with every safety check (rollback protection, the
    maintainers rule, history, uncommitted-change warnings, `min-key-age`).

    Use it as a context manager; `state_dir` is where verified heads are recorded (default
    `$XDG_STATE_HOME/signoff`), and `accept_rewrite` accepts one announced history rewrite.
    Raises RollbackError, MaintainerRuleError or another RegistryError when a check fails.
    """
    return CheckSession.open(policy, now, state_dir=state_dir, accept_rewrite=accept_rewrite)


def check(policy: Policy, files: Sequence[ReleaseFile], problems: Sequence[InputProblem] = (),
          *, state_dir: Path | None = None, accept_rewrite: bool = False,
          now: int | None = None, progress: Callable[[], None] | None = None) -> CheckReport:
    """Judge release files against `policy`: open its registries, decide, close them."""
    with open_registries(policy, now=now, state_dir=state_dir,
                         accept_rewrite=accept_rewrite) as session:
        return session.check(files, problems, progress)


def lock(session: CheckSession, source: Path, output: Path,
         kind: LockInputKind = "detect") -> LockResult:
    """Write `source` (a requirements file or a pylock.toml) to `output`, keeping only the
    files that pass; `kind` says how to read it when its name does not."""
    if kind == "requirements":
        return lock_requirements(source, session.check, output)
    if kind == "pylock":
        return lock_pylock(source, session.check, output)
    return lock_detected(source, session.check, output)
