"""Shared fixtures: a RegistryBuilder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builder import RegistryBuilder


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """Client state (last verified heads) goes to a temporary folder, never the real one."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture
def builder(tmp_path: Path) -> Iterator[RegistryBuilder]:
    """A fresh registry with real keys, removed after the test."""
    b = RegistryBuilder(tmp_path)
    try:
        yield b
    finally:
        b.close()
