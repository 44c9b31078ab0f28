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
    FetchMode,
    InputError,
    InputProblem,
    Policy,
    ReleaseFile,
    gather_inputs,
    load_policy,
    open_registries,
)
from signoff.trust.cli.options import (
    AbiOption,
    AcceptRewriteOption,
    ColorChoice,
    ColorOption,
    FetchOption,
    ImplementationOption,
    IndexUrlOption,
    InterpreterOption,
    OfflineOption,
    PlatformOption,
    PolicyOption,
    PythonVersionOption,
    QuietOption,
    StateDirOption,
    VerboseOption,
    fetch_mode,
    print_warnings,
    progress_bar,
    target_of,
    terminal_width,
    use_color,
)
from signoff.trust.decide.target import Target
from signoff.trust.inputs.index_names import name_files_from_index
from signoff.trust.report.github import GithubReport
from signoff.trust.report.interface import ReportFormat
from signoff.trust.report.json_report import JsonReport
from signoff.trust.report.markdown import MarkdownReport
from signoff.trust.report.table import TableOptions, TableReport


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
              state_dir: Path | None = None, accept_rewrite: bool = False,
              target: Target | None = None, fetch: FetchMode = FetchMode.AUTO) -> CheckReport:
    """Open the policy's registries and judge the files, with progress on a terminal."""
    with open_registries(policy, state_dir=state_dir, accept_rewrite=accept_rewrite,
                         fetch=fetch) as session, \
            progress_bar(len(files), "verifying signatures") as tick:
        session.require_known_trust_keys()
        return session.check(files, problems, tick, target)


def render(report: CheckReport, output: CheckFormat, table: TableOptions | None = None) -> str:
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
            fmt = TableReport(options=table or TableOptions(color=sys.stdout.isatty()))
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
    python_version: PythonVersionOption = None,
    platform: PlatformOption = None,
    implementation: ImplementationOption = None,
    abi: AbiOption = None,
    target_from_interpreter: InterpreterOption = None,
    index_url: IndexUrlOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
    color: ColorOption = ColorChoice.AUTO,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Check release files against the policy: exit 0 if all pass, 1 if any falls short."""
    if verbose and quiet:
        raise InputError("give --verbose or --quiet, not both")
    target = target_of(python_version, platform, implementation, abi, target_from_interpreter)
    loaded = load_policy(policy)
    files, problems = gather_inputs(paths or [], requirement or [], pylock or [],
                                    pip_report or [], uv_lock or [])
    if index_url is not None:
        files = name_files_from_index(files, index_url)
    report = run_check(loaded, files, problems, state_dir, accept_rewrite, target,
                       fetch_mode(fetch, offline))
    if not files and not problems:
        print_warnings(["the inputs name no release files; nothing was checked"])
    print_warnings(report.warnings)
    table = TableOptions(width=terminal_width(), color=use_color(color), verbose=verbose,
                         quiet=quiet)
    sys.stdout.write(render(report, output, table))
    raise typer.Exit(0 if report.passed else 1)
