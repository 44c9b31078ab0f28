"""Command-line options and console helpers that several `signoff` commands share.

Conventions every option follows (see `signoff.trust.cli.help`): an explicit `metavar` naming
what the value is (FILE, DIR, FPR, URL, ...), help text on every option and argument, and
`--format` on every command. Rich is imported only by the helpers that draw on a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click.core import ParameterSource

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
