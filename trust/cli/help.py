"""How every `signoff` command's help and usage read: one convention, whoever adds the option.

Typer builds the click objects from the commands' signatures; `adopt` gives each of them the
classes below, which write help as pip and git users expect: `Usage: signoff check [OPTIONS]
[FILE]...`, an option with its metavar (`--policy FILE`), a flag alone (`--reject`), choices as
`[text|json]`, and `[required]`, `[repeatable]`, `[default: ...]` and `[env: ...]` after the help.
A parameter without an explicit `metavar` gets one from its type (PATH, TEXT, N), never a Python
type name.
"""

from __future__ import annotations

import enum
import typing
from pathlib import Path
from typing import Any

from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_TYPE_METAVARS: dict[Any, str] = {Path: "PATH", str: "TEXT", int: "N", float: "NUMBER"}


def metavar(param: TyperArgument | TyperOption) -> str:
    """The word a help text shows for the value `param` takes."""
    if param.metavar:
        return param.metavar
    desc = param.type_descriptor
    if desc.is_choice and desc.choices is not None:
        return "[" + "|".join(str(c.value if isinstance(c, enum.Enum) else c)
                              for c in desc.choices) + "]"
    annotation: Any = desc.annotation
    if typing.get_origin(annotation) is list:
        annotation = typing.get_args(annotation)[0]
    if isinstance(param, TyperArgument):
        return (param.name or "ARG").upper()
    return _TYPE_METAVARS.get(annotation, (param.name or "VALUE").upper())


def usage_piece(arg: TyperArgument) -> str:
    """`NAME`, `[NAME]`, `NAME...` or `[NAME]...`, as click and argparse write them."""
    name = metavar(arg).removesuffix("...")
    shown = name if arg.required else f"[{name}]"
    return shown + ("..." if arg.nargs != 1 else "")


def _default_text(param: TyperArgument | TyperOption) -> str | None:
    if isinstance(param.show_default, str):
        return param.show_default
    if not param.show_default:
        return None
    default = param.default
    if default is None or default is False or default == [] or default == ():
        return None
    if isinstance(default, enum.Enum):
        return str(default.value)
    return str(default)


def help_record(param: TyperArgument | TyperOption) -> tuple[str, str]:
    """(what to type, what it does) for one row of a help page."""
    extra: list[str] = []
    if isinstance(param, TyperOption):
        names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
        if param.secondary_opts:
            names += " / " + ", ".join(param.secondary_opts)
        term = names if param.is_flag or param.count else f"{names} {metavar(param)}"
        if param.multiple:
            extra.append("repeatable")
        if param.envvar and isinstance(param.envvar, str):
            extra.append(f"env: {param.envvar}")
    else:
        term = usage_piece(param)
    default = _default_text(param)
    if default and not param.required:
        extra.append(f"default: {default}")
    if param.required:
        extra.append("required")
    text = param.help or ""
    if extra:
        text = f"{text}  [{'; '.join(extra)}]" if text else f"[{'; '.join(extra)}]"
    return term, text


def _format_params(command: _click.Command, ctx: _click.Context,
                   formatter: _click.HelpFormatter) -> None:
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if isinstance(param, TyperArgument):
            arguments.append(help_record(param))
        elif isinstance(param, TyperOption):
            options.append(help_record(param))
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    if options:
        with formatter.section("Options"):
            formatter.write_dl(options)


def _usage_pieces(command: _click.Command, ctx: _click.Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    pieces += [usage_piece(p) for p in command.get_params(ctx) if isinstance(p, TyperArgument)]
    return pieces


class SignoffCommand(TyperCommand):
    """A command whose help follows signoff's convention (see the module's docstring)."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Usage, description, arguments and options, as plain text."""
        _click.Command.format_help(self, ctx, formatter)

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Arguments and options, each with its metavar and help."""
        _format_params(self, ctx, formatter)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        """`[OPTIONS]` and the arguments, bracketed when optional."""
        return _usage_pieces(self, ctx)


class SignoffGroup(TyperGroup):
    """A group of commands whose help follows signoff's convention."""

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Usage, description, options and commands, as plain text."""
        _click.Command.format_help(self, ctx, formatter)

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """The group's own options, then its commands."""
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        """`[OPTIONS] COMMAND [ARGS]...`."""
        return [*_usage_pieces(self, ctx), self.subcommand_metavar or "COMMAND [ARGS]..."]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The subcommand, adopted into the convention."""
        found = super().get_command(ctx, cmd_name)
        return adopt(found) if found is not None else None


def adopt(command: _click.Command) -> _click.Command:
    """Give a command typer built (and its subcommands) signoff's help convention.

    Typer chooses the click classes itself; swapping in these subclasses, which add no state,
    makes every command follow the convention, including commands added later."""
    if isinstance(command, TyperGroup) and not isinstance(command, SignoffGroup):
        command.__class__ = SignoffGroup
    elif isinstance(command, TyperCommand) and not isinstance(command, SignoffCommand):
        command.__class__ = SignoffCommand
    return command
