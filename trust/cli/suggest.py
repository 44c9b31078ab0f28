"""`signoff suggest INPUT...`: which reviews would turn the most failures into passes, and who
could sign them. Exit 0 when it could tell; 2 for bad input, policy or registry."""

from __future__ import annotations

import sys
from typing import assert_never

from signoff import DEFAULT_POLICY, gather_inputs, load_policy, open_registries
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
    progress_bar,
)
from signoff.trust.decide.suggest import SuggestReport, suggest
from signoff.trust.report.interface import Renderer
from signoff.trust.report.suggest import SuggestJson, SuggestText


def suggest_command(
    paths: InputsArgument,
    policy: PolicyOption = DEFAULT_POLICY,
    output_format: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """List the reviews that would turn the most failures (and exemptions) into passes."""
    mode = fetch_mode(fetch, offline)
    loaded = load_policy(policy)
    files, problems = gather_inputs(paths, [])
    with open_registries(loaded, state_dir=state_dir, accept_rewrite=accept_rewrite,
                         fetch=mode) as session, \
            progress_bar(len(files), "verifying signatures") as tick:
        result = suggest(session, session.check(files, problems, tick))
    print_warnings(result.warnings)
    renderer: Renderer[SuggestReport]
    match output_format:
        case OutputFormat.JSON:
            renderer = SuggestJson()
        case OutputFormat.TEXT:
            renderer = SuggestText()
        case _:
            assert_never(output_format)
    sys.stdout.write(renderer.render(result))
