"""The test harness itself: homes and agents go however a test ends; the CLI runner is faithful."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from signoff.attest.gpg import generate_key
from tests.harness.cli import run_cli
from tests.harness.gnupg import gnupg_home, sweep_run_folder


def _agent_running(home: Path) -> bool:
    found = subprocess.run(["pgrep", "-f", f"gpg-agent --homedir {home} "], capture_output=True,
                           check=False)
    return found.returncode == 0


def test_a_home_and_its_agent_go_even_when_the_test_fails() -> None:
    with pytest.raises(RuntimeError), gnupg_home() as home:
        generate_key(home, "h <h@example.org>")
        assert (home / "S.gpg-agent").exists() and _agent_running(home)
        raise RuntimeError("the test failed")
    assert not home.exists()
    assert not _agent_running(home)


def test_the_sweep_stops_a_leaked_agent_and_removes_its_folder(tmp_path: Path) -> None:
    run = Path(os.environ["TMPDIR"]) / "sweep-me"
    home = run / "leaked"
    home.mkdir(parents=True, mode=0o700)
    generate_key(home, "l <l@example.org>")
    assert _agent_running(home)
    assert sweep_run_folder(run) == [home]
    assert not run.exists() and not _agent_running(home)


def test_the_in_process_cli_gives_exit_code_and_streams_and_restores_the_process(
        tmp_path: Path) -> None:
    cwd, env = os.getcwd(), dict(os.environ)
    done = run_cli("registry", "init", str(tmp_path / "reg"), "--name", "a\nb", cwd=tmp_path,
                   env={"SIGNOFF_HARNESS_PROBE": "1"})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("signoff: error: registry name 'a\\nb' must be one short line")
    usage = run_cli("no-such-command")
    assert usage.returncode == 2 and "no such command" in usage.stderr
    assert (os.getcwd(), dict(os.environ)) == (cwd, env)


def test_the_run_lives_in_one_private_folder(tmp_path: Path) -> None:
    run = Path(os.environ["TMPDIR"])
    assert run.name.startswith("so-run-") and tmp_path.is_relative_to(run)
