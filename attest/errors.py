"""The root error of signoff, shared by every package.

Errors are grouped by who is at fault (python-tuf's habit): the input a user gave, the data in a
registry, or the environment (gpg missing, a disk full). Each carries `diagnostics()`, the text a
person needs in order to act (sigstore-python's habit). The command line maps every one of them
to exit code 2.
"""

from __future__ import annotations

from pathlib import Path


class SignoffError(Exception):
    """Root of every error signoff raises on purpose."""

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


class InputError(SignoffError):
    """Something the user gave is malformed: a file, a flag, a policy."""


class AttestationError(InputError):
    """An attestation's bytes do not follow the schema."""


class EnvironmentProblem(SignoffError):
    """The machine is not as needed: gpg missing, a key not found, a disk full."""


class GpgError(EnvironmentProblem):
    """GnuPG failed, or could not be run."""
