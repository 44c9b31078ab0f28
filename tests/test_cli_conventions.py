"""The command line's habits: --version, help text, JSON errors, one error voice, exit codes,
policy discovery, and a root that imports no command's dependencies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer import _click
from typer.core import TyperArgument, TyperOption

from signoff.trust.cli.main import COMMANDS, load_command
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli, run_installed


def every_command() -> list[tuple[list[str], _click.Command]]:
    """(words after `signoff`, command) for every leaf command."""
    found: list[tuple[list[str], _click.Command]] = []
    for name in COMMANDS:
        command = load_command(name)
        subcommands = getattr(command, "commands", None)
        if subcommands:
            found += [([name, sub], command.commands[sub])  # type: ignore[attr-defined]
                      for sub in subcommands]
        else:
            found.append(([name], command))
    return found


COMMAND_PATHS = [" ".join(words) for words, _ in every_command()]


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    done = run_installed("--version")
    assert (done.returncode, done.stdout) == (0, f"signoff {version('signoff')}\n")


@pytest.mark.parametrize("words", COMMAND_PATHS)
def test_help_uses_conventional_metavars_and_describes_everything(words: str) -> None:
    done = run_cli(*words.split(), "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith(f"Usage: signoff {words} [OPTIONS]")
    assert not re.search(r"<[a-z|\[\]]+>|\{\w+\}|list\[", text), text  # no Python types
    command = dict((" ".join(w), c) for w, c in every_command())[words]
    for param in command.params:
        assert isinstance(param, TyperArgument | TyperOption)
        assert param.help, f"signoff {words}: {param.name} has no help"
        if isinstance(param, TyperOption) and not param.is_flag \
                and not param.type_descriptor.is_choice:  # choices show as [a|b]
            assert param.metavar, f"signoff {words}: {param.opts} has no metavar"
            assert param.metavar in text
        if isinstance(param, TyperOption) and param.is_flag:
            # a flag shows no value, whatever its short form: `-v, --verbose   help`
            flag = rf"^  (?:-\w, )?{re.escape(param.opts[0])}(?: / --\S+)?\s{{2,}}\w"
            assert re.search(flag, text, re.M), text
    usage = text.splitlines()[0]
    assert "{" not in usage and "<" not in usage


@pytest.mark.parametrize("words", COMMAND_PATHS)
def test_every_command_takes_format_json(words: str) -> None:
    command = dict((" ".join(w), c) for w, c in every_command())[words]
    formats = [p for p in command.params if isinstance(p, TyperOption) and "--format" in p.opts]
    assert formats, f"signoff {words} has no --format"
    choices = {getattr(c, "value", c) for c in formats[0].type_descriptor.choices or ()}
    assert {"text", "json"} <= choices


def test_required_options_are_marked() -> None:
    help_text = run_cli("lock", "--help").stdout
    assert re.search(r"-o, --output FILE\s+Where to write.*\[required\]", help_text, re.S)


def test_root_lists_each_command_with_its_own_first_line() -> None:
    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.help is not None
        assert " ".join(command.help.split()).startswith(entry.summary), name
    listed = run_installed("--help").stdout
    assert all(re.search(rf"^  {name}\s", listed, re.M) for name in COMMANDS)


@pytest.mark.parametrize(("argv", "message"), [
    (["check", "--frmat", "json"], "no such option --frmat (did you mean --format?)"),
    (["check", "--format", "xml"], "--format: expected one of text, json, github, markdown"),
    (["serve", "--port", "eighty"], "--port: expected a whole number"),
    (["trust", "explain"], "missing argument KEY"),
    (["lock", "requirements.txt"], "missing option --output FILE"),
    (["lock", "-o"], "-o: needs a value"),
    (["chekc"], "no such command 'chekc' (did you mean 'check'?)"),
])
def test_parser_errors_speak_in_signoffs_voice(argv: list[str], message: str) -> None:
    done = run_cli(*argv)
    assert done.returncode == 2
    first, hint = done.stderr.splitlines()
    assert first == f"signoff: error: {message}"
    assert hint.startswith("hint: see 'signoff") and hint.endswith(" --help'")
    as_json = run_cli(*argv, "--format", "json") if argv[-1] != "-o" else None
    if as_json is not None and "--format" not in argv:
        assert as_json.returncode == 2 and as_json.stderr == ""
        error = json.loads(as_json.stdout)["error"]
        assert error["code"] == "usage" and error["message"] == message


@pytest.mark.parametrize("argv", [
    ["check"], ["lock", "req.txt", "-o", "out.txt"], ["explain", "a==1"],
    ["trust", "explain", "A" * 40], ["trust", "keys"], ["versions", "a"],
])
def test_json_errors_are_one_document_on_stdout(argv: list[str], tmp_path: Path) -> None:
    done = run_cli(*argv, "--policy", str(tmp_path / "missing.yaml"), "--format", "json",
                   cwd=tmp_path)
    assert done.returncode == 2 and done.stderr == ""
    assert json.loads(done.stdout) == {"error": {
        "code": "policy", "message": "policy file not found",
        "file": str(tmp_path / "missing.yaml"), "line": None,
        "hint": "pass --policy FILE or set $SIGNOFF_POLICY, or create signoff-policy.yaml "
                "here or in a parent folder"}}
    text = run_cli(*argv, "--policy", str(tmp_path / "missing.yaml"), cwd=tmp_path)
    assert text.returncode == 2 and text.stdout == ""
    assert text.stderr.startswith(f"signoff: error: {tmp_path / 'missing.yaml'}: policy file "
                                  "not found\nhint: ")


def test_a_json_error_names_the_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("signoff: policy/v1\nregistries: [{path: r}]\nbogus: 1\n")
    done = run_cli("check", "--policy", str(policy), "--format=json")
    error = json.loads(done.stdout)["error"]
    assert (done.returncode, error["code"], error["file"], error["line"]) == \
        (2, "policy", str(policy), 3)
    assert "bogus" in error["message"]


def _passing(builder: RegistryBuilder) -> Path:
    wheel = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", wheel)
    builder.policy(roots=["alice"], signers=1)
    return wheel


def test_policy_is_found_in_the_nearest_parent_folder(builder: RegistryBuilder) -> None:
    wheel = _passing(builder)
    deep = builder.dist / "a" / "b"
    deep.mkdir(parents=True)
    state = ["--state-dir", str(builder.tmp / "state")]
    done = run_cli("check", str(wheel), *state, "--format", "json", cwd=deep,
                   env={"SIGNOFF_POLICY": ""})
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["policy"] == str(builder.tmp / "signoff-policy.yaml")
    text = run_cli("check", str(wheel), *state, cwd=deep)
    assert f"under policy {builder.tmp / 'signoff-policy.yaml'}" in text.stdout


def test_signoff_policy_variable_then_the_option_win_over_discovery(
        builder: RegistryBuilder) -> None:
    wheel = _passing(builder)
    strict = builder.tmp / "strict.yaml"
    strict.write_text((builder.tmp / "signoff-policy.yaml").read_text()
                      .replace("signers: 1", "signers: 2"))
    state = ["--state-dir", str(builder.tmp / "state")]
    by_env = run_cli("check", str(wheel), *state, "--format", "json", cwd=builder.dist,
                     env={"SIGNOFF_POLICY": str(strict)})
    assert by_env.returncode == 1 and json.loads(by_env.stdout)["policy"] == str(strict)
    by_option = run_cli("check", str(wheel), *state, "--policy",
                        str(builder.tmp / "signoff-policy.yaml"), cwd=builder.dist,
                        env={"SIGNOFF_POLICY": str(strict)})
    assert by_option.returncode == 0, by_option.stdout + by_option.stderr
    nowhere = run_cli("check", str(wheel), cwd=Path("/"), env={"SIGNOFF_POLICY": ""})
    assert nowhere.returncode == 2 and "policy file not found" in nowhere.stderr


def test_the_root_imports_no_commands_dependencies() -> None:
    heavy = ("pygit2", "gnupg", "rich", "yaml", "packaging", "tomlkit", "starlette", "httpx",
             "signoff.trust.decide.checker")
    code = ("import sys; import signoff.trust.cli.main as m; import signoff; "
            f"print([n for n in {heavy!r} if n in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ})
    assert done.stdout.strip() == "[]"
    # The test can fail: asking for a public name loads its module.
    loaded = subprocess.run([sys.executable, "-c", code.replace(
        "import signoff;", "import signoff; signoff.CheckSession;")], capture_output=True,
        text=True, check=True)
    assert "pygit2" in loaded.stdout
