"""`signoff serve`: the vetted simple repository. The server stack is imported only when the
command runs, so `signoff --help` and `signoff check` never load it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from signoff.attest.errors import EnvironmentProblem, InputError
from signoff.trust.cli.options import (
    FetchOption,
    OfflineOption,
    OutputFormat,
    PolicyOption,
    fetch_mode,
)
from signoff.trust.policy.durations import parse_duration
from signoff.trust.policy.policy import DEFAULT_POLICY, load_policy

DEFAULT_UPSTREAM = "https://pypi.org/simple/"
UpstreamOption = Annotated[str, typer.Option(
    "--upstream", metavar="URL",
    help="The simple index whose files are vetted (PEP 691 or PEP 503).")]


def require_serve_extra() -> None:
    """Refuse clearly when the `serve` extra is not installed."""
    try:
        import httpx  # noqa: F401
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise EnvironmentProblem(f"{e.name} is not installed",
                                 hint="install the extra: pip install 'signoff[serve]'") from e


def serve_command(
    policy: PolicyOption = DEFAULT_POLICY,
    upstream: UpstreamOption = DEFAULT_UPSTREAM,
    host: Annotated[str, typer.Option(
        "--host", metavar="ADDRESS", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--port", metavar="PORT", help="Port to listen on.")] = 8080,
    refresh: Annotated[str, typer.Option(
        "--refresh", metavar="DURATION",
        help="How often the policy and registries are re-read, e.g. 5m.")] = "5m",
    state_dir: Annotated[Path | None, typer.Option(
        "--state-dir", metavar="DIR",
        help="Where the last verified head of each registry is recorded.")]
    = None,
    output: Annotated[OutputFormat, typer.Option(
        "--format", help="text, or json: errors before the server starts as one JSON "
        "document (the server's log stays text).")] = OutputFormat.TEXT,
    fetch: FetchOption = False,
    offline: OfflineOption = False,
) -> None:
    """Serve a simple repository (PEP 503 and 691) that lists only vetted files."""
    del output  # read by the error reporter (`signoff.trust.cli.errors.wants_json`)
    require_serve_extra()
    try:
        refresh_seconds = parse_duration(refresh)
    except ValueError as e:
        raise InputError(f"--refresh: {e}") from e
    load_policy(policy)  # a bad policy is exit 2 now, not a server that serves nothing
    mode = fetch_mode(fetch, offline)
    from signoff.trust.serve.app import ServeConfig
    from signoff.trust.serve.run import serve

    serve(ServeConfig(policy=policy.resolve(), upstream=upstream,
                      refresh_seconds=refresh_seconds, state_dir=state_dir, fetch=mode),
          host, port)
