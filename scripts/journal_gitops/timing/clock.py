"""The one clock of the tooling, and the times people write.

Release gates depend on the time (a freeze ends, a soak is over), so every gate asks `now()`
here. `GITOPS_NOW` (an ISO-8601 time such as 2026-03-06T16:00:00Z) sets it, for tests and for
asking "would this pass at that time?"; without it the clock is the system's, in UTC.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from ..errors import UsageError

NOW_VARIABLE = "GITOPS_NOW"


FIRST_YEAR, LAST_YEAR = 1970, 9000


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
    try:
        moment = parsed.astimezone(timezone.utc)
    except OverflowError:
        moment = None
    # Far enough from the calendar's ends that adding a duration or a window stays in it.
    if moment is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise UsageError(f"{what} {text!r} is not between the years {FIRST_YEAR} and "
                         f"{LAST_YEAR}")
    return moment


def now() -> datetime:
    """The current time in UTC, or the one GITOPS_NOW sets."""
    fixed = os.environ.get(NOW_VARIABLE)
    if fixed:
        return parse_instant(fixed, NOW_VARIABLE)
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A time as gitops.yaml and the outputs write it: UTC, to the second, with Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
