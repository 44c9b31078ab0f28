"""`signoff explain`: everything behind the verdict on each file of a release or an input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from signoff import (
    DEFAULT_POLICY,
    ExplainReport,
    explain_inputs,
    explain_release,
    gather_inputs,
    load_policy,
    open_registries,
    parse_pin,
)
from signoff.trust.cli.options import (
    AbiOption,
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    ImplementationOption,
    IndexUrlOption,
    InterpreterOption,
    OfflineOption,
    OutputFormat,
    PlatformOption,
    PolicyOption,
    PythonVersionOption,
    StateDirOption,
    fetch_mode,
    print_warnings,
    target_of,
)
from signoff.trust.inputs.index_names import name_files_from_index
from signoff.trust.report.explain import ExplainJson, ExplainText
from signoff.trust.report.interface import Renderer


def explain_command(
    target: Annotated[str, typer.Argument(
        metavar="TARGET",
        help="PROJECT==VERSION, or a deployment input (requirements, lock, report, files).")],
    sha256: Annotated[str | None, typer.Option(
        "--sha256", metavar="HEX", help="Only this file (its sha256).")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
    output: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    python_version: PythonVersionOption = None,
    platform: PlatformOption = None,
    implementation: ImplementationOption = None,
    abi: AbiOption = None,
    target_from_interpreter: InterpreterOption = None,
    index_url: IndexUrlOption = None,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Explain the verdict on each file of a release, and what would make it pass."""
    deployment = target_of(python_version, platform, implementation, abi,
                           target_from_interpreter)
    loaded = load_policy(policy)
    as_path = Path(target)
    by_input = "==" not in target and as_path.exists()
    if by_input:
        files, problems = gather_inputs([as_path])
        if index_url is not None:
            files = name_files_from_index(files, index_url)
    else:
        project, version = parse_pin(target)
    with open_registries(loaded, state_dir=state_dir, accept_rewrite=accept_rewrite,
                         fetch=fetch_mode(fetch, offline)) as session:
        session.require_known_trust_keys()
        report = (explain_inputs(session, files, problems, deployment) if by_input
                  else explain_release(session, project, version, sha256, deployment))
    print_warnings(report.warnings)
    renderer: Renderer[ExplainReport] = (ExplainJson() if output is OutputFormat.JSON
                                         else ExplainText())
    sys.stdout.write(renderer.render(report))
    raise typer.Exit(0 if report.passed else 1)
