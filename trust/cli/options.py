"""Command-line options and console helpers that several `signoff` commands share."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from signoff.attest.errors import InputError
from signoff.trust.decide.target import Target, target_from_interpreter, target_from_options

PolicyOption = Annotated[Path, typer.Option(
    "--policy", help="Policy file; registries in it are relative to it.")]
StateDirOption = Annotated[Path | None, typer.Option(
    "--state-dir", help="Where the last verified head of each registry is recorded "
    "(default: $XDG_STATE_HOME/signoff).")]
AcceptRewriteOption = Annotated[bool, typer.Option(
    "--accept-rewrite", help="Accept a registry head that does not descend from the last "
    "verified one (an announced history rewrite).")]


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]


def stderr_console() -> Console:
    """Where warnings and progress go; never stdout."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_warnings(warnings: tuple[str, ...] | list[str]) -> None:
    """Every warning of a run on stderr, one line each."""
    err = stderr_console()
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr when it is a terminal; otherwise nothing."""
    if not sys.stderr.isatty() or total == 0:
        yield None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                  console=stderr_console(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


PythonVersionOption = Annotated[str | None, typer.Option(
    "--python-version", help="Target Python version, as pip's option (3.11 or 311).",
    rich_help_panel="Target")]
PlatformOption = Annotated[list[str] | None, typer.Option(
    "--platform", help="Target platform tag, as pip's option (manylinux_2_17_x86_64, "
    "win_amd64, macosx_11_0_arm64); repeatable.", rich_help_panel="Target")]
ImplementationOption = Annotated[str | None, typer.Option(
    "--implementation", help="Target implementation, as pip's option (cp, pp, py).",
    rich_help_panel="Target")]
AbiOption = Annotated[list[str] | None, typer.Option(
    "--abi", help="Target ABI tag, as pip's option (cp311, abi3, none); repeatable.",
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
