"""Five-field cron schedules (minute hour day-of-month month day-of-week), read as Argo CD reads
a sync window's: `*`, lists, ranges and steps, in a time zone, each match the start of a window
that lasts a fixed duration of real time.

What is accepted is what Argo CD's parser (robfig/cron) accepts, or less: ASCII digits only,
no names, a step after every `/`, and day-of-week 0 (Sunday) to 6, with no 7.

Day-of-month and day-of-week follow cron's rule: when both are restricted, a day matches if
either does. Sunday is 0. A start that falls in a daylight-saving gap is read with the
offset before the change; a start in a repeated hour is the first of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:  # loaded when a zone is asked for: most commands never need one
    from zoneinfo import ZoneInfo

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 6))
NOT_ZONES = ("localtime", "posixrules", "Factory")  # files of the tz folder that name no zone
SEARCH_DAYS = 400  # every schedule matches within a year, or never


def zone(name: str | None) -> ZoneInfo:
    """A time zone by its IANA name (UTC when none is given): one of the zones the tz database
    lists, not a file that happens to be in its folder (`localtime`, `posixrules`)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None:
        return ZoneInfo("UTC")
    try:
        if name in NOT_ZONES or name.startswith(("posix/", "right/")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin)"
                         ) from None


def _number(text: str, name: str, low: int, high: int, schedule: str) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise UsageError(f"cron schedule {schedule!r}: {name} {text!r} is not a number from "
                         f"{low} to {high}")
    return int(text)


def _field(text: str, name: str, low: int, high: int, schedule: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        span, slash, step_text = part.partition("/")
        step = _number(step_text, f"{name} step", 1, high, schedule) if slash else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            a, _, b = span.partition("-")
            first = _number(a, name, low, high, schedule)
            last = _number(b, name, low, high, schedule)
            if first > last:
                raise UsageError(f"cron schedule {schedule!r}: {name} range {span} runs "
                                 f"backwards")
        else:
            first = _number(span, name, low, high, schedule)
            last = high if slash else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 Sunday ... 6 Saturday
    any_day: bool
    any_weekday: bool

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def starts_before(self, moment: datetime, tz: ZoneInfo) -> list[datetime]:
        """Every start at or before `moment` on the local day of `moment` and earlier days,
        newest first, in UTC (a generator would do; days are few)."""
        out: list[datetime] = []
        local = moment.astimezone(tz)
        for back in range(SEARCH_DAYS):
            day = local.date() - timedelta(days=back)
            if not self.day_matches(day):
                continue
            for hour in sorted(self.hours, reverse=True):
                for minute in sorted(self.minutes, reverse=True):
                    start = _instant(day, hour, minute, tz)
                    if start <= moment:
                        out.append(start)
            if out:
                return out
        return out

    def previous(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The latest start at or before `moment`."""
        found = self.starts_before(moment, tz)
        return max(found) if found else None

    def next_after(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The first start strictly after `moment`."""
        local = moment.astimezone(tz)
        for ahead in range(SEARCH_DAYS):
            day = local.date() + timedelta(days=ahead)
            if not self.day_matches(day):
                continue
            later = [start for hour in sorted(self.hours) for minute in sorted(self.minutes)
                     if (start := _instant(day, hour, minute, tz)) > moment]
            if later:
                return min(later)
        return None


def _instant(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(timezone.utc)


def parse_schedule(text: str) -> Schedule:
    fields = text.split()
    if len(fields) != 5:
        raise UsageError(f"cron schedule {text!r} needs 5 fields (minute hour day-of-month "
                         f"month day-of-week)")
    parsed = [_field(f, name, low, high, text)
              for f, (name, low, high) in zip(fields, _FIELDS, strict=True)]
    weekdays = frozenset(d % 7 for d in parsed[4])
    return Schedule(" ".join(fields), parsed[0], parsed[1], parsed[2], parsed[3], weekdays,
                    fields[2] == "*", fields[4] == "*")


def window_end(schedule: Schedule, length: timedelta, tz: ZoneInfo, moment: datetime
               ) -> datetime | None:
    """When the window open at `moment` closes (a window that starts before another ends runs
    on to the later end), or None when no window is open then."""
    start = schedule.previous(moment, tz)
    if start is None or start + length <= moment:
        return None
    end = start + length
    horizon = moment + timedelta(days=SEARCH_DAYS)  # windows that always overlap: no end
    while end < horizon:
        following = schedule.next_after(moment, tz)
        if following is None or following >= end:
            break
        end, moment = following + length, following
    return end
