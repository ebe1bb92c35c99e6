"""The one clock of the tooling, and the times and durations people write.

Release gates depend on the time (a freeze ends, a soak is over), so every gate asks `now()`
here. `GITOPS_NOW` (an ISO-8601 time such as 2026-03-06T16:00:00Z) sets it, for tests and for
asking "would this pass at that time?"; without it the clock is the system's, in UTC.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

from .errors import UsageError

NOW_VARIABLE = "GITOPS_NOW"
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^(?:[0-9]+[dhms])+$")
_PART = re.compile(r"([0-9]+)([dhms])")


def parse_instant(text: str, what: str) -> datetime:
    """An ISO-8601 date-time (UTC when it names no offset), as an aware UTC time."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z"))
                                        else value)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not an ISO-8601 time such as "
                         f"2026-03-09T08:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def now() -> datetime:
    """The current time in UTC, or the one GITOPS_NOW sets."""
    fixed = os.environ.get(NOW_VARIABLE)
    if fixed:
        return parse_instant(fixed, NOW_VARIABLE)
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A time as gitops.yaml and the outputs write it: UTC, to the second, with Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_duration(text: str, what: str) -> timedelta:
    """`30m`, `24h`, `2d`, `1d12h` or `0`: days, hours, minutes and seconds."""
    value = text.strip()
    if value == "0":
        return timedelta(0)
    if not _DURATION.match(value):
        raise UsageError(f"{what} {text!r} is not a duration such as 30m, 24h or 2d")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(value))
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
