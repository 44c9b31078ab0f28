"""`signoff check`: judge release files against the policy; exit 0 if all pass, 1 if not."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, assert_never

import typer

from signoff import (
    DEFAULT_POLICY,
    CheckReport,
    InputProblem,
    Policy,
    ReleaseFile,
    gather_inputs,
    load_policy,
    open_registries,
)
from signoff.trust.cli.options import (
    AcceptRewriteOption,
    PolicyOption,
    StateDirOption,
    print_warnings,
    progress_bar,
)
from signoff.trust.report.github import GithubReport
from signoff.trust.report.interface import ReportFormat
from signoff.trust.report.json_report import JsonReport
from signoff.trust.report.markdown import MarkdownReport
from signoff.trust.report.table import TableReport


class CheckFormat(StrEnum):
    """How `check` prints its report."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    MARKDOWN = "markdown"


CheckFormatOption = Annotated[CheckFormat, typer.Option(
    "--format", help="text, json, github (workflow annotations) or markdown (a job "
    "summary).")]


def run_check(policy: Policy, files: list[ReleaseFile], problems: list[InputProblem],
              state_dir: Path | None = None, accept_rewrite: bool = False) -> CheckReport:
    """Open the policy's registries and judge the files, with progress on a terminal."""
    with open_registries(policy, state_dir=state_dir, accept_rewrite=accept_rewrite) as session, \
            progress_bar(len(files), "verifying signatures") as tick:
        return session.check(files, problems, tick)


def render(report: CheckReport, output: CheckFormat) -> str:
    """The report in the chosen format."""
    fmt: ReportFormat
    match output:
        case CheckFormat.JSON:
            fmt = JsonReport()
        case CheckFormat.GITHUB:
            fmt = GithubReport()
        case CheckFormat.MARKDOWN:
            fmt = MarkdownReport()
        case CheckFormat.TEXT:
            fmt = TableReport(color=sys.stdout.isatty())
        case _:
            assert_never(output)
    return fmt.render(report)


def check_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="INPUT",
        help="Release files, folders, requirements (*.txt, *.in), pylock.toml, uv.lock or "
        "pip reports (*.json).")] = None,
    requirement: Annotated[list[Path] | None, typer.Option(
        "-r", "--requirement", metavar="FILE",
        help="A requirements file with --hash pins.")] = None,
    pylock: Annotated[list[Path] | None, typer.Option(
        metavar="FILE", help="A PEP 751 pylock.toml.")] = None,
    pip_report: Annotated[list[Path] | None, typer.Option(
        metavar="FILE", help="JSON from pip install --dry-run --report.")] = None,
    uv_lock: Annotated[list[Path] | None, typer.Option(
        metavar="FILE", help="A uv.lock.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
    output: CheckFormatOption = CheckFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
) -> None:
    """Check release files against the policy: exit 0 if all pass, 1 if any falls short."""
    loaded = load_policy(policy)
    files, problems = gather_inputs(paths or [], requirement or [], pylock or [],
                                    pip_report or [], uv_lock or [])
    report = run_check(loaded, files, problems, state_dir, accept_rewrite)
    if not files and not problems:
        print_warnings(["the inputs name no release files; nothing was checked"])
    print_warnings(report.warnings)
    sys.stdout.write(render(report, output))
    raise typer.Exit(0 if report.passed else 1)
