"""Every error the command line reports, in one voice: `signoff: error: ...` on stderr, or with
`--format json` one document on stdout, `{"error": {"code", "message", "file", "line", "hint"}}`.

Errors signoff raises (`SignoffError`), the environment's (`OSError`), a registry's git objects
that no reader wrapped, and the argument parser's own complaints (a bad option value, a missing
argument, an unknown option) all end here, and all exit 2.
"""

from __future__ import annotations

import difflib
import enum
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from typer import _click
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperArgument, TyperOption

from signoff.attest.errors import SignoffError
from signoff.trust.cli.help import metavar

PREFIX = "signoff: error: "
USAGE_EXIT = 2


@dataclass(frozen=True)
class ErrorReport:
    """One error as the command line reports it."""

    code: str
    """Stable kind: a `SignoffError.code`, or `usage`, `git`, `environment`."""
    message: str
    """What is wrong, without the file prefix."""
    file: str | None = None
    """The file at fault, when there is one."""
    line: int | None = None
    """Its line, when known."""
    hint: str | None = None
    """What to do about it."""

    def text(self) -> str:
        """The lines printed on stderr."""
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        text = f"{PREFIX}{where}{self.message}"
        return text if self.hint is None else f"{text}\nhint: {self.hint}"

    def json(self) -> str:
        """The document printed on stdout with `--format json`."""
        return json.dumps({"error": asdict(self)}, indent=2)


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for `--format json` (read before parsing, so that even a
    parse error is reported as JSON)."""
    for i, arg in enumerate(argv):
        if arg == "--":
            return False
        if arg == "--format=json" or (arg == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


def emit(report: ErrorReport, as_json: bool) -> None:
    """Print the error where its format says."""
    if as_json:
        sys.stdout.write(report.json() + "\n")
    else:
        sys.stderr.write(report.text() + "\n")


def from_signoff_error(e: SignoffError) -> ErrorReport:
    """An error signoff raised on purpose."""
    return ErrorReport(e.code, e.message, e.file, e.line, e.hint)


def from_os_error(e: OSError) -> ErrorReport:
    """The environment failed us (disk full, permissions): never exit 1, "fell short"."""
    return ErrorReport("environment", e.strerror or str(e),
                       str(e.filename) if e.filename else None)


def from_git_error(e: Exception) -> ErrorReport:
    """A git read that no registry reader wrapped: still a broken registry."""
    return ErrorReport("git", f"cannot read a registry's git objects: {e}")


def _param_name(param: _click.Parameter | None) -> str:
    if isinstance(param, TyperOption):
        return max(param.opts, key=len)
    if isinstance(param, TyperArgument):
        return metavar(param).removesuffix("...")
    return "a value"


def _bad_value(e: BadParameter) -> str:
    param = e.param
    if isinstance(param, TyperOption | TyperArgument):
        desc = param.type_descriptor
        if desc.is_choice and desc.choices is not None:
            names = [str(c.value if isinstance(c, enum.Enum) else c) for c in desc.choices]
            return f"{_param_name(param)}: expected one of {', '.join(names)}"
        if desc.annotation is int:
            return f"{_param_name(param)}: expected a whole number"
    detail = e.message.removeprefix("Value error, ").rstrip(".")
    return f"{_param_name(param)}: {detail[:1].lower()}{detail[1:]}"


def from_usage_error(e: UsageError) -> ErrorReport:
    """The parser's complaint, rewritten in signoff's words; the hint names the help to read."""
    if isinstance(e, MissingParameter):
        kind = "option" if isinstance(e.param, TyperOption) else "argument"
        shown = _param_name(e.param)
        if isinstance(e.param, TyperOption):
            shown = f"{shown} {metavar(e.param)}"
        message = f"missing {kind} {shown}"
    elif isinstance(e, NoSuchOption):
        message = f"no such option {e.option_name}"
        close = difflib.get_close_matches(e.option_name, e.possibilities or [], n=1)
        if close:
            message += f" (did you mean {close[0]}?)"
    elif isinstance(e, BadOptionUsage):
        message = f"{e.option_name}: needs a value" if "requires an argument" in e.message \
            else e.message[:1].lower() + e.message[1:].rstrip(".")
    elif isinstance(e, BadParameter):
        message = _bad_value(e)
    else:
        text = e.format_message().rstrip(".")
        message = text[:1].lower() + text[1:]
    command = e.ctx.command_path if e.ctx is not None else "signoff"
    return ErrorReport("usage", message, hint=f"see '{command} --help'")
