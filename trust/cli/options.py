"""Command-line options and console helpers that several `signoff` commands share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

PolicyOption = Annotated[Path, typer.Option(
    "--policy", help="Policy file; registries in it are relative to it.")]
StateDirOption = Annotated[Path | None, typer.Option(
    "--state-dir", help="Where the last verified head of each registry is recorded "
    "(default: $XDG_STATE_HOME/signoff).")]
AcceptRewriteOption = Annotated[bool, typer.Option(
    "--accept-rewrite", help="Accept a registry head that does not descend from the last "
    "verified one (an announced history rewrite).")]
InputsArgument = Annotated[list[Path], typer.Argument(
    metavar="INPUT", help="Release files, folders, requirements (*.txt, *.in), pylock.toml, "
    "uv.lock or pip reports (*.json), as for check.")]


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
