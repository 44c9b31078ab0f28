"""Every error signoff raises on purpose, in one module, grouped by who is at fault.

python-tuf's habit: the fault decides the class, not the module that noticed it.

- `InputError`: something the user gave is wrong (a flag, a policy, a deployment input, an
  output path). The user fixes it.
- `RegistryError`: a registry's data or history is wrong (a malformed attestation or key file,
  a rolled-back head, an unsigned main-line commit, a sync clash). The registry's maintainers
  or signers fix it.
- `EnvironmentProblem`: the machine is not as needed (gpg missing, a key not in the keyring,
  a disk full).
- `TransportError`: reaching a remote failed (fetching from an upstream registry).

Each carries `diagnostics()`, the text a person needs in order to act (sigstore-python's habit).
The command line maps every one of them to exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

# ---- the root --------------------------------------------------------------------------------


class SignoffError(Exception):
    """Root of every error signoff raises on purpose."""

    code: ClassVar[str] = "error"
    """Stable name of the kind of error, for JSON output (`{"error": {"code": ...}}`)."""

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.where() + message)

    def where(self) -> str:
        """`FILE:LINE: ` prefix, or empty when the error has no file."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "

    def diagnostics(self) -> str:
        """The multi-line text shown to a person."""
        text = self.where() + self.message
        return text if self.hint is None else f"{text}\nhint: {self.hint}"


# ---- the user's fault ------------------------------------------------------------------------


class InputError(SignoffError):
    """Something the user gave is malformed: a file, a flag, a policy."""

    code: ClassVar[str] = "input"


class PolicyError(InputError):
    """The policy file is malformed or asks for something impossible."""

    code: ClassVar[str] = "policy"


class InputFormatError(InputError):
    """A deployment input is malformed, missing or too large; names the file and the line."""

    code: ClassVar[str] = "input-format"


class LockError(InputError):
    """The vetted lock could not be produced or did not verify; nothing was written."""

    code: ClassVar[str] = "lock"


# ---- the registry's fault --------------------------------------------------------------------


class RegistryError(SignoffError):
    """A registry is missing, malformed, or its history is not as required."""

    code: ClassVar[str] = "registry"


class AttestationError(RegistryError):
    """An attestation's (or its signature's) bytes do not follow the schema."""

    code: ClassVar[str] = "attestation"


class CorruptObject(RegistryError):
    """A registry object that cannot be read: truncated, damaged or missing."""

    code: ClassVar[str] = "corrupt-object"


class RollbackError(RegistryError):
    """A registry's head does not descend from the last head this client verified."""

    code: ClassVar[str] = "rollback"

    def __init__(self, registry: str, recorded: str, head: str, record_file: Path) -> None:
        self.registry = registry
        self.recorded = recorded
        self.head = head
        super().__init__(
            f"head {head} does not descend from {recorded}, the last head verified here; "
            "the registry's history was rolled back or rewritten",
            file=registry,
            hint=(f"if the registry's maintainers announced a rewrite, rerun with "
                  f"--accept-rewrite (the record is {record_file})"))


class MaintainerRuleError(RegistryError):
    """A main-line commit is not signed by a maintainer, or the rule cannot be checked."""

    code: ClassVar[str] = "maintainers"

    def __init__(self, message: str, registry: str, commit: str | None = None,
                 hint: str | None = None) -> None:
        self.commit = commit
        super().__init__(message, file=registry, hint=hint)


class SyncConflict(RegistryError):
    """Fork and upstream both changed the same signed paths; the fork was left untouched."""

    code: ClassVar[str] = "sync-conflict"

    def __init__(self, registry: str, paths: list[str]) -> None:
        self.paths = paths
        listed = "\n".join(f"  {p}" for p in paths[:50])
        more = f"\n  ... and {len(paths) - 50} more" if len(paths) > 50 else ""
        super().__init__(
            f"the fork and upstream both changed {len(paths)} signed path(s); nothing was "
            f"changed:\n{listed}{more}",
            file=registry,
            hint=("each path belongs to one signer, so that signer changed it on both sides. "
                  "Keep one version: revert the fork's change (git revert) or ask the signer to "
                  "re-attest upstream, then sync again."))


# ---- the environment's fault -----------------------------------------------------------------


class EnvironmentProblem(SignoffError):
    """The machine is not as needed: gpg missing, a key not found, a disk full."""

    code: ClassVar[str] = "environment"


class GpgError(EnvironmentProblem):
    """GnuPG failed, or could not be run."""

    code: ClassVar[str] = "gpg"


# ---- transport -------------------------------------------------------------------------------


class TransportError(SignoffError):
    """A remote could not be reached or read: the network, a server, a URL."""

    code: ClassVar[str] = "transport"
