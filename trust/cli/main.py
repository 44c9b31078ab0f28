"""The `signoff` command: its root app, `check` and `demo`, and the sub-apps mounted on it.

Commands parse arguments, call the core, render the result and map errors to exit codes:
0 all passed, 1 something fell short of the policy, 2 bad input, policy, registry or
environment.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pygit2
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from signoff.attest.errors import InputError, SignoffError
from signoff.trust.cli.lock import lock_command
from signoff.trust.cli.options import PolicyOption
from signoff.trust.cli.registry import app as registry_app
from signoff.trust.cli.registry import attest_command
from signoff.trust.cli.trust_keys import app as trust_app
from signoff.trust.decide.checker import CheckReport, CheckSession
from signoff.trust.decide.explain import explain, explain_verdicts, parse_pin
from signoff.trust.decide.versions import newest_passing, parse_project_and_spec, version_statuses
from signoff.trust.demo.demo import build_demo
from signoff.trust.inputs.interface import DeploymentInput, detect_input
from signoff.trust.policy.policy import DEFAULT_POLICY, Policy, load_policy
from signoff.trust.release import InputProblem, ReleaseFile
from signoff.trust.report.explain_text import render_explanations
from signoff.trust.report.interface import ReportFormat
from signoff.trust.report.json_report import JsonReport
from signoff.trust.report.table import TableReport

app = typer.Typer(help="Share the work of vetting Python release files.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(registry_app, name="registry")
app.add_typer(trust_app, name="trust")
app.command("attest")(attest_command)
app.command("lock")(lock_command)


class OutputFormat(StrEnum):
    """How `check` prints its report."""

    TEXT = "text"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]
StateDirOption = Annotated[Path | None, typer.Option(
    "--state-dir", help="Where the last verified head of each registry is recorded "
    "(default: $XDG_STATE_HOME/signoff).")]
AcceptRewriteOption = Annotated[bool, typer.Option(
    "--accept-rewrite", help="Accept a registry head that does not descend from the last "
    "verified one (an announced history rewrite).")]


def stderr_console() -> Console:
    """Where warnings and progress go; never stdout."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def gather_inputs(paths: Sequence[Path], requirements: Sequence[Path],
                  pylock: Sequence[Path] = (), pip_report: Sequence[Path] = (),
                  uv_lock: Sequence[Path] = ()) -> tuple[list[ReleaseFile], list[InputProblem]]:
    """Read every deployment input named on the command line."""
    from signoff.trust.inputs.pip_report import PipReportInput
    from signoff.trust.inputs.pylock import PylockInput
    from signoff.trust.inputs.requirements import RequirementsInput
    from signoff.trust.inputs.uv_lock import UvLockInput

    inputs: list[DeploymentInput] = [detect_input(p) for p in paths]
    inputs += [RequirementsInput(p) for p in requirements]
    inputs += [PylockInput(p) for p in pylock]
    inputs += [PipReportInput(p) for p in pip_report]
    inputs += [UvLockInput(p) for p in uv_lock]
    if not inputs:
        raise InputError("nothing to check: give release files, folders, or -r requirements.txt")
    files: list[ReleaseFile] = []
    problems: list[InputProblem] = []
    for item in inputs:
        contents = item.read()
        files.extend(contents.files)
        problems.extend(contents.problems)
    return files, problems


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


def run_check(policy: Policy, files: list[ReleaseFile], problems: list[InputProblem],
              state_dir: Path | None = None, accept_rewrite: bool = False) -> CheckReport:
    """Open the policy's registries and judge the files, with progress on a terminal."""
    session = CheckSession.open(policy, state_dir=state_dir, accept_rewrite=accept_rewrite)
    try:
        with progress_bar(len(files), "verifying signatures") as tick:
            return session.check(files, problems, tick)
    finally:
        session.close()


def render(report: CheckReport, output: OutputFormat) -> str:
    """The report in the chosen format."""
    fmt: ReportFormat = JsonReport() if output is OutputFormat.JSON else TableReport(
        color=sys.stdout.isatty())
    return fmt.render(report)


@app.command("check")
def check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Release files, folders, requirements (*.txt, *.in), pylock.toml, uv.lock or "
        "pip reports (*.json).")] = None,
    requirement: Annotated[list[Path] | None, typer.Option(
        "-r", "--requirement", help="A requirements file with --hash pins.")] = None,
    pylock: Annotated[list[Path] | None, typer.Option(help="A PEP 751 pylock.toml.")] = None,
    pip_report: Annotated[list[Path] | None, typer.Option(
        help="JSON from pip install --dry-run --report.")] = None,
    uv_lock: Annotated[list[Path] | None, typer.Option(help="A uv.lock.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
    output: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
) -> None:
    """Check release files against the policy: exit 0 if all pass, 1 if any falls short."""
    loaded = load_policy(policy)
    files, problems = gather_inputs(paths or [], requirement or [], pylock or [],
                                    pip_report or [], uv_lock or [])
    report = run_check(loaded, files, problems, state_dir, accept_rewrite)
    if not files and not problems:
        stderr_console().print("warning: the inputs name no release files; nothing was checked",
                               markup=False)
    for warning in report.warnings:
        stderr_console().print(f"warning: {warning}", markup=False)
    sys.stdout.write(render(report, output))
    raise typer.Exit(0 if report.passed else 1)


@app.command("versions")
def versions(
    project: Annotated[str, typer.Argument(help="Project name, or PROJECT==SPEC.")],
    spec: Annotated[str | None, typer.Argument(help="Version specifier, e.g. '==2.0.*'.")] = None,
    newest: Annotated[bool, typer.Option("--newest", help="Print only the newest passing "
                                         "version.")] = False,
    policy: PolicyOption = DEFAULT_POLICY,
    output: FormatOption = OutputFormat.TEXT,
) -> None:
    """List every attested version and file of a project, with its status under the policy."""
    name, specifier = parse_project_and_spec(project, spec)
    session = CheckSession.open(load_policy(policy))
    try:
        statuses = version_statuses(session, name, specifier)
    finally:
        session.close()
    best = newest_passing(statuses)
    if output is OutputFormat.JSON:
        doc = {"project": name, "spec": str(specifier),
               "newest": best.version if best else None,
               "versions": [{"version": s.version, "status": "pass" if s.passed else "fail",
                             "files": [{"filename": v.file.filename, "sha256": v.file.sha256,
                                        "status": "pass" if v.passed else "fail",
                                        "reasons": v.reasons} for v in s.verdicts]}
                            for s in statuses]}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif newest:
        if best is not None:
            typer.echo(best.version)
    else:
        if not statuses:
            typer.echo(f"no attested version of {name} matches {specifier or 'any'}")
        for s in statuses:
            typer.echo(f"{name} {s.version}: {'pass' if s.passed else 'FAIL'}")
            for v in s.verdicts:
                typer.echo(f"  {'pass' if v.passed else 'FAIL'} {v.file.filename} "
                           f"{v.file.sha256[:16]}…  {'; '.join(v.reasons)}")
    if best is None:
        if newest:
            sys.stderr.write(f"no attested version of {name} {specifier} passes the policy\n")
        raise typer.Exit(1)


@app.command("explain")
def explain_command(
    target: Annotated[str, typer.Argument(
        help="PROJECT==VERSION, or a deployment input (requirements, lock, report, files).")],
    sha256: Annotated[str | None, typer.Option("--sha256", help="Only this file.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
) -> None:
    """Explain the verdict on each file of a release, and what would make it pass."""
    loaded = load_policy(policy)
    as_path = Path(target)
    by_input = "==" not in target and as_path.exists()
    if by_input:
        files, problems = gather_inputs([as_path], [])
    else:
        project, version = parse_pin(target)
    session = CheckSession.open(loaded)
    try:
        if by_input:
            report = session.check(files, problems)
            explanations = explain_verdicts(session, report.verdicts)
            for p in report.problems:
                sys.stdout.write(f"{p.source}: {p.requirement}: {p.reason}\n")
        else:
            explanations = explain(session, project, version, sha256)
    finally:
        session.close()
    sys.stdout.write(render_explanations(explanations))
    failed = not all(e.verdict.passed for e in explanations) or (by_input and bool(problems))
    raise typer.Exit(1 if failed else 0)


@app.command("demo")
def demo(folder: Annotated[Path, typer.Option("--dir", help="Where to build the demo.")]
         = Path("signoff-demo")) -> None:
    """Build a throwaway registry, keys, files and policy, then check them."""
    err = stderr_console()
    err.print(f"building the demo in {folder}/ (real gpg keys, real git, real wheels)…")
    built = build_demo(folder)
    for name, fpr in built.keys.items():
        typer.echo(f"  key {name:<14} {fpr}  (short id {fpr[-16:]})")
    typer.echo(f"\n$ signoff check {built.dist} --policy {built.policy}\n")
    policy = load_policy(built.policy)
    files, problems = gather_inputs([built.dist], [])
    report = run_check(policy, files, problems)
    typer.echo(render(report, OutputFormat.TEXT))
    typer.echo(f"The check exits {0 if report.passed else 1}: some files pass and some do not, "
               "as intended.\nExplore it:\n"
               f"  git -C {built.registry} log --stat\n"
               f"  signoff check -r {built.requirements} --policy {built.policy} --format json\n"
               f"  GNUPGHOME={built.gnupghome} signoff attest --registry {built.registry} "
               f"--key {built.keys['bob']} --criteria safe-to-deploy "
               f"{built.dist}/tinyhttp-1.0.0.tar.gz")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app, turning every SignoffError into its diagnostics and exit 2."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except SignoffError as e:
        sys.stderr.write(f"error: {e.diagnostics()}\n")
        sys.exit(2)
    except pygit2.GitError as e:
        # A git read that no registry reader wrapped: still a broken registry, never "fell short".
        sys.stderr.write(f"error: cannot read a registry's git objects: {e}\n")
        sys.exit(2)
    except OSError as e:
        # The environment failed us (disk full, permissions): never exit 1, "fell short".
        where = f"{e.filename}: " if e.filename else ""
        sys.stderr.write(f"error: {where}{e.strerror or e}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
