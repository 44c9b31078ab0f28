"""Command-line options that several `signoff` commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PolicyOption = Annotated[Path, typer.Option(
    "--policy", help="Policy file; registries in it are relative to it.")]
