"""The `signoff` command: its root app, every command mounted on it, and `main(argv)`.

Each command lives in its own module beside this one. Commands parse arguments, call the core
(`signoff`'s public API), render the result with `signoff.trust.report` and map errors to exit
codes: 0 all passed, 1 something fell short of the policy, 2 bad input, policy, registry or
environment.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pygit2
import typer

from signoff import SignoffError
from signoff.trust.cli.attest import attest_command
from signoff.trust.cli.baseline import baseline_command
from signoff.trust.cli.check import check_command
from signoff.trust.cli.demo import demo_command
from signoff.trust.cli.explain import explain_command
from signoff.trust.cli.index import app as index_app
from signoff.trust.cli.lock import lock_command
from signoff.trust.cli.registry import app as registry_app
from signoff.trust.cli.serve import serve_command
from signoff.trust.cli.site import site_command
from signoff.trust.cli.suggest import suggest_command
from signoff.trust.cli.trust_keys import app as trust_app
from signoff.trust.cli.versions import versions_command

app = typer.Typer(help="Share the work of vetting Python release files.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(registry_app, name="registry")
app.add_typer(trust_app, name="trust")
app.add_typer(index_app, name="index")
app.command("attest")(attest_command)
app.command("lock")(lock_command)
app.command("serve")(serve_command)
app.command("site")(site_command)
app.command("check")(check_command)
app.command("versions")(versions_command)
app.command("explain")(explain_command)
app.command("demo")(demo_command)
app.command("baseline")(baseline_command)
app.command("suggest")(suggest_command)


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
