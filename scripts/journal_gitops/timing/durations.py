"""Durations as people write them (`30m`, `24h`, `2d`, `1w`, `1d12h`, `0`), and as Go, and so
Argo CD, reads them (`64h`, `1h30m`).

One reader for every option and key that takes a duration: a freeze's `--for` and `--duration`,
`minSoak`, `metrics --since`. A duration beyond a century is refused: nothing here lasts that
long, and time arithmetic past the calendar's end would fail.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ..errors import UsageError

UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
LONGEST = timedelta(days=36500)
_DURATION = re.compile(r"^(?:[0-9]+[wdhms])+$", re.ASCII)
_PART = re.compile(r"([0-9]+)([wdhms])", re.ASCII)


def parse_duration(text: str, what: str) -> timedelta:
    """`30m`, `24h`, `2d`, `1w`, `1d12h` or `0`: weeks, days, hours, minutes and seconds."""
    value = text.strip()
    if value == "0":
        return timedelta(0)
    if not _DURATION.match(value):
        raise UsageError(f"{what} {text!r} is not a duration such as 30m, 24h or 2d")
    seconds = sum(int(n) * UNITS[unit] for n, unit in _PART.findall(value))
    if seconds > LONGEST.total_seconds():
        raise UsageError(f"{what} {text!r} is longer than a century")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """A duration in hours, minutes and seconds, as Go (and so Argo CD) reads it: `64h`,
    `1h30m`; `0s` for none."""
    seconds = int(span.total_seconds())
    if seconds <= 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs else ""]
    return "".join(parts)
