"""`signoff index build`: write the vetted index as static files. Imports the server stack
(httpx) only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from signoff.attest.errors import EnvironmentProblem
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
from signoff.trust.cli.serve import DEFAULT_UPSTREAM, UpstreamOption, require_serve_extra
from signoff.trust.policy.policy import DEFAULT_POLICY, load_policy

app = typer.Typer(help="A static vetted index (PEP 503 and 691 files) for any static host.",
                  no_args_is_help=True)


@app.command("build")
def build_command(
    folder: Annotated[Path, typer.Argument(
        metavar="DIR", help="Output folder: the index's /simple/ root.")],
    policy: PolicyOption = DEFAULT_POLICY,
    upstream: UpstreamOption = DEFAULT_UPSTREAM,
    output: FormatOption = OutputFormat.TEXT,
    state_dir: StateDirOption = None,
    accept_rewrite: AcceptRewriteOption = False,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Write every attested project's vetted files, linking to the upstream's file URLs."""
    require_serve_extra()
    from signoff.trust.decide.checker import CheckSession
    from signoff.trust.index.build import build_index, fetch_pages
    from signoff.trust.serve.upstream import UpstreamError

    try:
        with CheckSession.open(load_policy(policy), state_dir=state_dir,
                               accept_rewrite=accept_rewrite,
                               fetch=fetch_mode(fetch, offline)) as session:
            built = build_index(session, folder, lambda names: fetch_pages(upstream, names))
    except UpstreamError as e:
        raise EnvironmentProblem(f"the upstream index failed: {e}",
                                 hint=f"is {upstream} reachable?") from e
    shown = sum(len(p.shown) for p in built.pages)
    hidden = sum(len(p.hidden) for p in built.pages)
    if output is OutputFormat.JSON:
        print_json({"index": str(folder), "projects": len(built.pages), "listed": shown,
                    "left_out": hidden, "summary": built.tree.summary()})
        return
    typer.echo(f"{folder}: {len(built.pages)} projects, {shown} vetted files listed, "
               f"{hidden} upstream files left out; {built.tree.summary()}")
