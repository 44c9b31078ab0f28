"""Shared fixtures: a RegistryBuilder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builder import RegistryBuilder


@pytest.fixture
def builder(tmp_path: Path) -> Iterator[RegistryBuilder]:
    """A fresh registry with real keys, removed after the test."""
    b = RegistryBuilder(tmp_path)
    try:
        yield b
    finally:
        b.close()
