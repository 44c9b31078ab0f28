"""Shared fixtures: a RegistryBuilder per test, and one private folder for the whole run.

Everything the run writes (pytest's tmp_path folders, GnuPG homes, keyrings, caches of the
tools the tests run) lands in one folder under /tmp that TMPDIR names. At the end of the session
every gpg-agent still running there is stopped and the folder is removed, so that /tmp holds
nothing of the run afterwards, not even the secret keys of a test that crashed.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builder import RegistryBuilder
from tests.harness.cli import EXAMPLE_SIGNOFF_SOURCE
from tests.harness.gnupg import start_run_folder, sweep_run_folder

_RUN: dict[str, Path] = {}
_MADE_BY: dict[str, str] = {}
"""Entry of the run's folder -> the test during which it appeared."""


def pytest_configure(config: pytest.Config) -> None:
    """Put the run in its own folder, pytest's temporary folders included."""
    if hasattr(config, "workerinput"):  # an xdist worker: its controller owns the folder
        return
    os.environ.setdefault("SIGNOFF_SOURCE", EXAMPLE_SIGNOFF_SOURCE)
    run = start_run_folder()
    _RUN["folder"] = run
    # A run stopped with SIGTERM ends like one stopped with ^C: the folder is still swept.
    signal.signal(signal.SIGTERM, _interrupt)
    if config.option.basetemp is None:
        config.option.basetemp = str(run / "pytest")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop every agent left in the run's folder and remove it."""
    run = _RUN.pop("folder", None)
    if run is not None:
        sweep_run_folder(run)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the GnuPG homes whose agent a test left running (the sweep stopped them)."""
    run = _RUN.get("folder")
    if run is None:
        return
    left = sorted(name for name in _MADE_BY if name != "pytest" and (run / name).exists())
    for name in left:
        agent = " (with a live agent)" if any((run / name).glob("S.gpg-agent")) else ""
        terminalreporter.write_line(f"left in the run's folder{agent}: {name}, made during "
                                    f"{_MADE_BY[name]}", yellow=True)


@pytest.fixture(autouse=True)
def _attribute_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Remember which test made each new entry of the run's folder, to name leaks."""
    run = _RUN.get("folder")
    before = set(os.listdir(run)) if run is not None else set()
    yield
    if run is not None:
        for name in set(os.listdir(run)) - before:
            _MADE_BY.setdefault(name, request.node.nodeid)


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """Client state (last verified heads) and caches (clones of registries named by URL) go to
    temporary folders, never the real ones."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def builder(tmp_path: Path) -> Iterator[RegistryBuilder]:
    """A fresh registry with real keys, removed after the test."""
    b = RegistryBuilder(tmp_path)
    try:
        yield b
    finally:
        b.close()
