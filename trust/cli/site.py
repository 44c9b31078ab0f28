"""`signoff site`: write a static HTML site of the registries a policy names. Imports Jinja2
only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from signoff.trust.cli.options import (
    AcceptRewriteOption,
    FetchOption,
    FormatOption,
    OfflineOption,
    OutputFormat,
    PolicyOption,
    StateDirOption,
    fetch_mode,
    print_json,
)
from signoff.trust.cli.serve import require_serve_extra
from signoff.trust.policy.policy import DEFAULT_POLICY, load_policy


def site_command(
    folder: Annotated[Path, typer.Argument(
        metavar="DIR", help="Output folder.")],
    policy: PolicyOption = DEFAULT_POLICY,
    output: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Write a static site for people: projects, versions, files, who attested what, keys."""
    require_serve_extra()
    from signoff.trust.decide.checker import CheckSession
    from signoff.trust.site.build import build_site

    with CheckSession.open(load_policy(policy), state_dir=state_dir,
                           accept_rewrite=accept_rewrite,
                           fetch=fetch_mode(fetch, offline)) as session:
        tree = build_site(session, folder)
    if output is OutputFormat.JSON:
        print_json({"site": str(folder / "index.html"), "summary": tree.summary()})
    else:
        typer.echo(f"{folder}/index.html: {tree.summary()}")
