"""`signoff versions`: every attested version of a project and its status under the policy."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from signoff import (
    DEFAULT_POLICY,
    VersionsReport,
    load_policy,
    open_registries,
    parse_project_and_spec,
    version_statuses,
)
from signoff.trust.cli.options import (
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    OfflineOption,
    OutputFormat,
    PolicyOption,
    StateDirOption,
    fetch_mode,
    print_warnings,
)
from signoff.trust.report.interface import Renderer
from signoff.trust.report.versions import NewestText, VersionsJson, VersionsText


def versions_command(
    project: Annotated[str, typer.Argument(
        metavar="PROJECT", help="Project name, or PROJECT==SPEC.")],
    spec: Annotated[str | None, typer.Argument(
        metavar="SPEC", help="Version specifier, e.g. '==2.0.*'.")] = None,
    newest: Annotated[bool, typer.Option("--newest", help="Print only the newest passing "
                                         "version.")] = False,
    policy: PolicyOption = DEFAULT_POLICY,
    output: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """List every attested version and file of a project, with its status under the policy."""
    name, specifier = parse_project_and_spec(project, spec)
    with open_registries(load_policy(policy), state_dir=state_dir,
                         accept_rewrite=accept_rewrite, fetch=fetch_mode(fetch, offline)
                         ) as session:
        report = VersionsReport(name, specifier,
                                tuple(version_statuses(session, name, specifier)),
                                tuple(session.warnings))
    print_warnings(report.warnings)
    renderer: Renderer[VersionsReport] = (
        VersionsJson() if output is OutputFormat.JSON else NewestText() if newest
        else VersionsText())
    sys.stdout.write(renderer.render(report))
    if report.newest is None:
        if newest:
            sys.stderr.write(f"no attested version of {name} {specifier} passes the policy\n")
        raise typer.Exit(1)
