"""The `signoff` command: its root, the table of commands, and `main(argv)`.

Each command lives in its own module beside this one and is imported only when it runs (or its
help is asked for), so `signoff --help` and `signoff --version` never load pygit2, GnuPG, rich,
YAML or the server stack. Commands parse arguments, call the core (`signoff`'s public API),
render the result with `signoff.trust.report` and map errors to exit codes: 0 all passed, 1
something fell short of the policy, 2 bad input, policy, registry or environment.
"""

from __future__ import annotations

import difflib
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NamedTuple

import typer
import typer.main
from typer import _click
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from signoff.attest.errors import SignoffError
from signoff.trust.cli.errors import (
    USAGE_EXIT,
    ErrorReport,
    emit,
    from_git_error,
    from_os_error,
    from_signoff_error,
    from_usage_error,
    wants_json,
)
from signoff.trust.cli.help import SignoffGroup, adopt


class Entry(NamedTuple):
    """A command of the root: where it lives and the line `signoff --help` shows for it."""

    target: str
    """`module:attribute`, a command function or a typer sub-app."""
    summary: str
    """The first line of its help (a test checks that they agree)."""


_CLI = "signoff.trust.cli."
COMMANDS: dict[str, Entry] = {
    "check": Entry(_CLI + "check:check_command",
                   "Check release files against the policy: exit 0 if all pass, 1 if any "
                   "falls short."),
    "lock": Entry(_CLI + "lock:lock_command",
                  "Write INPUT with only the files that pass the policy, for `pip install "
                  "--require-hashes`."),
    "explain": Entry(_CLI + "explain:explain_command",
                     "Explain the verdict on each file of a release, and what would make it "
                     "pass."),
    "versions": Entry(_CLI + "versions:versions_command",
                      "List every attested version and file of a project, with its status "
                      "under the policy."),
    "attest": Entry(_CLI + "attest:attest_command",
                    "Sign an attestation about release files and commit it to the registry."),
    "registry": Entry(_CLI + "registry:app", "Create and maintain a registry of attestations."),
    "trust": Entry(_CLI + "trust_keys:app",
                   "The web of trust: every key's validity under the policy, and why."),
    "serve": Entry(_CLI + "serve:serve_command",
                   "Serve a simple repository (PEP 503 and 691) that lists only vetted files."),
    "index": Entry(_CLI + "index:app",
                   "A static vetted index (PEP 503 and 691 files) for any static host."),
    "site": Entry(_CLI + "site:site_command",
                  "Write a static site for people: projects, versions, files, who attested "
                  "what, keys."),
    "demo": Entry(_CLI + "demo:demo_command",
                  "Build a throwaway registry, keys, files and policy, then check them."),
}


def load_command(name: str) -> _click.Command:
    """Import one command's module and build its click command."""
    module_name, _, attribute = COMMANDS[name].target.partition(":")
    target: Any = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        return adopt(typer.main.get_group(target))
    single = typer.Typer(rich_markup_mode=None, add_completion=False)
    single.command(name)(target)
    return adopt(typer.main.get_command(single))


class LazyGroup(SignoffGroup):
    """The root: lists commands from the table and imports one only when it is used."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """Every command, in the table's order."""
        return list(COMMANDS)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The command, imported now."""
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands[cmd_name]

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The table's summaries, without importing any command."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])

    def resolve_command(self, ctx: _click.Context, args: list[str]
                        ) -> tuple[str | None, _click.Command | None, list[str]]:
        """The command named by `args[0]`; an unknown name suggests the nearest."""
        name = args[0]
        command = self.get_command(ctx, name)
        if command is None:
            if name.startswith("-"):
                self.parse_args(ctx, args)  # raises "no such option"
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            ctx.fail(f"no such command '{name}'"
                     + (f" (did you mean '{close[0]}'?)" if close else ""))
        return name, command, args[1:]


def _print_version(value: bool) -> None:
    if value:
        from signoff import __version__

        typer.echo(f"signoff {__version__}")
        raise typer.Exit(0)


root = typer.Typer(cls=LazyGroup, no_args_is_help=True, rich_markup_mode=None,
                   add_completion=False, pretty_exceptions_enable=False)


@root.callback()
def signoff(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print signoff's version and exit.")] = False) -> None:
    """Share the work of vetting Python release files: vetters sign attestations into a git
    registry; deployers check lock files against a web-of-trust policy."""


app = typer.main.get_group(root)
"""The root click group (the command line without `main`'s error reporting)."""


def _is_git_error(e: Exception) -> bool:
    pygit2 = sys.modules.get("pygit2")  # never imported just to ask
    return pygit2 is not None and isinstance(e, pygit2.GitError)


def run(argv: Sequence[str]) -> int:
    """Run the command line on `argv`; the exit code. Every error is reported, as text on
    stderr or, with `--format json`, as a JSON document on stdout."""
    as_json = wants_json(argv)
    try:
        result = app.main(list(argv), prog_name="signoff", standalone_mode=False)
    except NoArgsIsHelpError as e:
        sys.stderr.write(e.format_message() + "\n")
        return USAGE_EXIT
    except UsageError as e:
        emit(from_usage_error(e), as_json)
        return USAGE_EXIT
    except typer.Abort:
        sys.stderr.write("signoff: interrupted\n")
        return 130
    except SignoffError as e:
        emit(from_signoff_error(e), as_json)
        return 2
    except OSError as e:
        emit(from_os_error(e), as_json)
        return 2
    except sqlite3.Error as e:
        # A cache signoff keeps beside a registry is damaged: never a verdict from it.
        emit(ErrorReport("environment", f"a cache file in a registry's .git/signoff/ folder is "
                         f"damaged ({e})", hint="delete that folder (it is rebuilt) and run "
                         "again"), as_json)
        return 2
    except Exception as e:
        if not _is_git_error(e):
            raise
        emit(from_git_error(e), as_json)
        return 2
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the command line and exit with its code."""
    sys.exit(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
