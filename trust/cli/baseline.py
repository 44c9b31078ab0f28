"""`signoff baseline INPUT...`: exempt everything that fails today for want of vetting, so that
`check` can be switched on green and the list burnt down. Exit 0 when check now passes, 1 when
something an exemption cannot cover still fails, 2 for bad input, policy or registry."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from signoff import DEFAULT_POLICY, InputError, gather_inputs, load_policy
from signoff.trust.cli.check import run_check
from signoff.trust.cli.options import (
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    InputsArgument,
    OfflineOption,
    OutputFormat,
    PolicyOption,
    StateDirOption,
    fetch_mode,
    print_warnings,
)
from signoff.trust.decide.baseline import plan_baseline
from signoff.trust.policy.edit import add_exemptions
from signoff.trust.policy.exemptions import parse_until
from signoff.trust.report.baseline import baseline_json, render_baseline


def until_date(text: str | None, today: date) -> date | None:
    """`--until` as a date after today; InputError otherwise."""
    if text is None:
        return None
    try:
        until = parse_until(text)
    except ValueError as e:
        raise InputError(f"--until: {e}") from None
    if until <= today:
        raise InputError(f"--until {until.isoformat()} is not after today "
                         f"({today.isoformat()}): the exemptions would have ended already")
    return until


def baseline_command(
    paths: InputsArgument,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="DATE", help="End date of the new exemptions (YYYY-MM-DD).")] = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", metavar="TEXT",
        help="Why, as each new entry will say it (default: `baseline DATE`).")]
        = None,
    policy: PolicyOption = DEFAULT_POLICY,
    output_format: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Add an exemption to the policy for everything that fails today for want of vetting."""
    today = datetime.now(tz=UTC).date()
    ends = until_date(until, today)
    why = (reason or "").strip() or f"baseline {today.isoformat()}: not yet vetted"
    mode = fetch_mode(fetch, offline)
    loaded = load_policy(policy)
    files, problems = gather_inputs(paths, [])
    report = run_check(loaded, files, problems, state_dir, accept_rewrite, fetch=mode)
    print_warnings(report.warnings)
    plan = plan_baseline(report, why, ends)
    if plan.entries:
        add_exemptions(policy, loaded, plan.entries)
    sys.stdout.write(baseline_json(plan, policy) if output_format is OutputFormat.JSON
                     else render_baseline(plan, policy))
    raise typer.Exit(0 if plan.green else 1)
