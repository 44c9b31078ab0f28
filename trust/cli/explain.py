"""`signoff explain`: everything behind the verdict on each file of a release or an input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from signoff import (
    DEFAULT_POLICY,
    explain,
    explain_verdicts,
    gather_inputs,
    load_policy,
    open_registries,
    parse_pin,
)
from signoff.trust.cli.options import (
    AcceptRewriteOption,
    PolicyOption,
    StateDirOption,
    print_warnings,
)
from signoff.trust.report.explain_text import render_explanations


def explain_command(
    target: Annotated[str, typer.Argument(
        help="PROJECT==VERSION, or a deployment input (requirements, lock, report, files).")],
    sha256: Annotated[str | None, typer.Option("--sha256", help="Only this file.")] = None,
    policy: PolicyOption = DEFAULT_POLICY,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
) -> None:
    """Explain the verdict on each file of a release, and what would make it pass."""
    loaded = load_policy(policy)
    as_path = Path(target)
    by_input = "==" not in target and as_path.exists()
    if by_input:
        files, problems = gather_inputs([as_path])
    else:
        project, version = parse_pin(target)
    with open_registries(loaded, state_dir=state_dir, accept_rewrite=accept_rewrite) as session:
        if by_input:
            report = session.check(files, problems)
            explanations = explain_verdicts(session, report.verdicts)
            for p in report.problems:
                sys.stdout.write(f"{p.source}: {p.requirement}: {p.reason}\n")
        else:
            explanations = explain(session, project, version, sha256)
        warnings = list(session.warnings)
    print_warnings(warnings)
    sys.stdout.write(render_explanations(explanations))
    failed = not all(e.verdict.passed for e in explanations) or (by_input and bool(problems))
    raise typer.Exit(1 if failed else 0)
