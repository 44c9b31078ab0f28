"""Durations as policies write them: `7d`, `12h`, `30m`, `2w`, `90s`, or `0`."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION_RE = re.compile(r"^([0-9]{1,9})([smhdw])\Z")


def parse_duration(text: str) -> int:
    """Seconds in a duration; ValueError with the accepted forms otherwise."""
    if text.strip() == "0":
        return 0
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise ValueError(f"duration {text!r} must be a number and a unit: s, m, h, d or w "
                         "(e.g. 7d, 12h)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def describe_duration(seconds: int) -> str:
    """Short human text: `3 days`, `5 hours`, `40 minutes`."""
    seconds = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
