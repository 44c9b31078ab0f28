"""Jinja2 rendering shared by the static site and the server's human pages.

Autoescaping is on for every template: each string from a registry or an upstream (project
names, comments, user IDs, reasons) is hostile input.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from signoff.trust.decide.listing import VettedPage
from signoff.trust.report.words import describe


@cache
def environment() -> Environment:
    """The template environment, autoescaping everything it renders."""
    env = Environment(loader=PackageLoader("signoff.trust.site", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["short"] = lambda fpr: fpr[-16:] if isinstance(fpr, str) else fpr
    env.filters["when"] = _when
    env.filters["describe"] = lambda reason: "" if reason is None else describe(reason)
    return env


def render(template: str, **context: Any) -> str:
    """One page."""
    return environment().get_template(template).render(**context)


def render_vetted_project(vetted: VettedPage, upstream: str, heads: Sequence[tuple[str, str]]
                          ) -> str:
    """The server's page for people: what it lists for a project, what it hides and why."""
    return render("served_project.html", vetted=vetted, upstream=upstream, heads=heads,
                  root="/", inline_css=stylesheet())


@cache
def stylesheet() -> str:
    """The site's CSS."""
    return resources.files("signoff.trust.site").joinpath("templates", "style.css").read_text()


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "" if value is None else str(value)
