"""The command line under test: in-process by default, the installed command for a few tests."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from signoff.trust.cli.main import main

EXAMPLE_SIGNOFF_SOURCE = "git+https://github.com/example/signoff.git@" + "1" * 40
"""What `registry init` writes into a new registry's CI during tests ($SIGNOFF_SOURCE, set by
conftest.py): the installed signoff is an editable checkout, which CI could not reach."""


@contextlib.contextmanager
def _process_state(argv: list[str], cwd: Path | None,
                   env: Mapping[str, str] | None) -> Iterator[None]:
    """argv, the working folder and the environment as a subprocess would have them; restored."""
    saved_argv, saved_cwd, saved_env = sys.argv, os.getcwd(), dict(os.environ)
    sys.argv = argv
    try:
        if cwd is not None:
            os.chdir(cwd)
        os.environ.update(env or {})
        yield
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_cli(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
            stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`signoff args...` through `main(argv)` in this process: exit code, stdout and stderr.

    The result has the shape of a finished subprocess, so a test can switch to
    `run_installed` without other changes.
    """
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with (_process_state(["signoff", *args], cwd, env), contextlib.redirect_stdout(out),
          contextlib.redirect_stderr(err)):
        saved_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code
        finally:
            sys.stdin = saved_stdin
    if isinstance(code, str):  # sys.exit("message"): printed, exit 1, as Python does
        err.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(["signoff", *args], code or 0, out.getvalue(),
                                       err.getvalue())


def run_installed(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                  timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `signoff` console script, in a subprocess: the real entry point;
    `timeout` turns a hang into an error."""
    command = Path(sys.executable).parent / "signoff"
    found = str(command) if command.exists() else shutil.which("signoff")
    assert found, "the signoff command is not installed beside this Python"
    return subprocess.run([found, *args], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, check=False, timeout=timeout)
