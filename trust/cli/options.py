"""Command-line options and console helpers that several `signoff` commands share.

Conventions every option follows (see `signoff.trust.cli.help`): an explicit `metavar` naming
what the value is (FILE, DIR, FPR, URL, ...), help text on every option and argument, and
`--format` on every command. Rich is imported only by the helpers that draw on a terminal.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.core import ParameterSource

from signoff.attest.errors import InputError
from signoff.registry.clones import FetchMode
from signoff.trust.decide.target import Target, target_from_interpreter, target_from_options
from signoff.trust.policy.discovery import POLICY_ENV, POLICY_FILE, find_policy

if TYPE_CHECKING:
    from rich.console import Console


def _discover_policy(ctx: typer.Context, param: typer.CallbackParam, value: Path) -> Path:
    # --policy, else $SIGNOFF_POLICY, else the nearest signoff-policy.yaml upwards, as git
    # finds .git; when there is none, the default's "not found" error names what was looked for.
    if param.name and ctx.get_parameter_source(param.name) in (ParameterSource.COMMANDLINE,
                                                              ParameterSource.ENVIRONMENT):
        return value
    return find_policy(Path.cwd()) or value


PolicyOption = Annotated[Path, typer.Option(
    "--policy", metavar="FILE", envvar=POLICY_ENV, callback=_discover_policy,
    show_default=f"./{POLICY_FILE}, else the nearest in a parent folder",
    help="Policy file; registries in it are relative to it.")]
StateDirOption = Annotated[Path | None, typer.Option(
    "--state-dir", metavar="DIR", help="Where the last verified head of each registry is "
    "recorded (default: $XDG_STATE_HOME/signoff).")]
AcceptRewriteOption = Annotated[bool, typer.Option(
    "--accept-rewrite", help="Accept a registry head that does not descend from the last "
    "verified one (an announced history rewrite).")]


FetchOption = Annotated[bool, typer.Option(
    "--fetch", help="Fetch every registry named by url: now, whatever its refresh: says.")]
OfflineOption = Annotated[bool, typer.Option(
    "--offline", help="Never fetch; read the cached clones as they are (max-staleness still "
    "applies).")]


def fetch_mode(fetch: bool, offline: bool) -> FetchMode:
    """`--fetch` / `--offline` as a FetchMode; both at once is an error (exit 2)."""
    if fetch and offline:
        raise InputError("--fetch and --offline contradict each other; give one")
    return FetchMode.ALWAYS if fetch else FetchMode.NEVER if offline else FetchMode.AUTO


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", help="text, or json (one document on stdout; errors too).")]


def print_json(document: Any) -> None:
    """One JSON document on stdout: a command's result with `--format json`."""
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def stderr_console() -> Console:
    """Where warnings and progress go; never stdout."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_warnings(warnings: tuple[str, ...] | list[str]) -> None:
    """Every warning of a run on stderr, one line each."""
    for warning in warnings:
        sys.stderr.write(f"signoff: warning: {warning}\n")


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty() or total == 0:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                  console=stderr_console(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


PythonVersionOption = Annotated[str | None, typer.Option(
    "--python-version", metavar="VERSION",
    help="Target Python version, as pip's option (3.11 or 311).",
    rich_help_panel="Target")]
PlatformOption = Annotated[list[str] | None, typer.Option(
    "--platform", metavar="TAG", help="Target platform tag, as pip's option "
    "(manylinux_2_17_x86_64, win_amd64, macosx_11_0_arm64); repeatable.", rich_help_panel="Target")]
ImplementationOption = Annotated[str | None, typer.Option(
    "--implementation", metavar="NAME", help="Target implementation, as pip's option (cp, pp, py).",
    rich_help_panel="Target")]
AbiOption = Annotated[list[str] | None, typer.Option(
    "--abi", metavar="TAG", help="Target ABI tag, as pip's option (cp311, abi3, none); repeatable.",
    rich_help_panel="Target")]
InterpreterOption = Annotated[Path | None, typer.Option(
    "--target-from-interpreter", metavar="PYTHON",
    help="Read the target from this Python interpreter (runs it).", rich_help_panel="Target")]


def target_of(python_version: str | None, platforms: list[str] | None,
              implementation: str | None, abis: list[str] | None,
              interpreter: Path | None) -> Target | None:
    """The deployment target the options name, or None: every file counts."""
    pip_style = target_from_options(python_version, platforms or [], implementation, abis or [])
    if interpreter is not None:
        if pip_style is not None:
            raise InputError("give either --target-from-interpreter or pip's target options "
                             "(--python-version, --platform, --implementation, --abi), not both")
        return target_from_interpreter(interpreter)
    return pip_style


class ColorChoice(StrEnum):
    """When to colour the output."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


ColorOption = Annotated[ColorChoice, typer.Option(
    "--color", help="auto (on a terminal, unless NO_COLOR is set), always or never.")]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Add a row per file and the details of every failure.")]
QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", help="Print only failing requirements and the summary.")]


def use_color(choice: ColorChoice) -> bool:
    """Whether to colour stdout: NO_COLOR (no-color.org) turns `auto` off."""
    if choice is ColorChoice.AUTO:
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return choice is ColorChoice.ALWAYS


def terminal_width() -> int:
    """The width a table must fit: the terminal's, or $COLUMNS, else 120."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size((120, 24)).columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 20 else 120


IndexUrlOption = Annotated[str | None, typer.Option(
    "--index-url", metavar="URL", help="The package index the deployment installs from: "
    "gives files named only by hash (requirements files) their names, so a target can tell "
    "which an installer could take.", rich_help_panel="Target")]
