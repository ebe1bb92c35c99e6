"""Every parser of what a person types (a duration, a time, a cron schedule, a time zone, a
reason, a name) answers any text with a value or one UsageError: never another exception, and
never a value it cannot use afterwards (a time plus a century of window stays in the calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal_gitops.errors import UsageError
from journal_gitops.history.trailers import one_line
from journal_gitops.kube.names import is_dns_label
from journal_gitops.timing.clock import parse_instant
from journal_gitops.timing.cron import parse_schedule, zone
from journal_gitops.timing.durations import parse_duration

# Texts near what each parser takes, and anything at all.
DIGITS = st.text(st.sampled_from("0123456789²٣"), min_size=1, max_size=14)
DURATIONS = st.one_of(st.text(max_size=20), st.builds("{}{}".format, DIGITS,
                                                      st.sampled_from(["s", "m", "h", "d", ""])))
INSTANTS = st.one_of(
    st.text(max_size=40),
    st.builds("{:04d}-{:02d}-{:02d}T{:02d}:00:00{}".format, st.integers(1, 9999),
              st.integers(1, 12), st.integers(1, 28), st.integers(0, 23),
              st.sampled_from(["Z", "+05:00", "-05:00", "+14:00", "-12:00", ""])))
CRON_FIELD = st.one_of(st.sampled_from(["*", "*/15", "1-5", "0", "7", "60", "1,2", "/", "-"]),
                       st.text(st.sampled_from("0123456789*/,-²"), min_size=1, max_size=6))
SCHEDULES = st.one_of(st.text(max_size=30),
                      st.lists(CRON_FIELD, min_size=5, max_size=5).map(" ".join))


def _value_or_usage_error(parse: object, *args: object) -> object:
    try:
        return parse(*args)  # type: ignore[operator]
    except UsageError as exc:
        assert "\n" not in str(exc)
        return None


@settings(max_examples=300)
@given(DURATIONS)
def test_a_duration_is_a_usable_timedelta_or_one_error(text: str) -> None:
    value = _value_or_usage_error(parse_duration, text, "--for")
    if value is not None:
        assert isinstance(value, timedelta) and timedelta(0) <= value <= timedelta(days=36525)


@settings(max_examples=300)
@given(INSTANTS)
def test_a_time_leaves_room_for_a_century_or_is_one_error(text: str) -> None:
    value = _value_or_usage_error(parse_instant, text, "--until")
    if isinstance(value, datetime):
        for sign in (1, -1):
            value + sign * timedelta(days=36525)  # no OverflowError


@settings(max_examples=300)
@given(SCHEDULES)
def test_a_schedule_parses_or_is_one_error(text: str) -> None:
    _value_or_usage_error(parse_schedule, text)


@given(st.text(max_size=40))
def test_a_zone_loads_or_is_one_error(text: str) -> None:
    _value_or_usage_error(zone, text)


@given(st.text(max_size=60))
def test_a_reason_is_one_printable_line_or_one_error(text: str) -> None:
    value = _value_or_usage_error(one_line, text, "--reason")
    if value is not None:
        assert isinstance(value, str) and value.isprintable() and value == value.strip()
        assert "\x1b" not in value and value


@pytest.mark.parametrize("reason", ["a\x1b[31mred", "tab\there", "line\nbreak", "\u202eevil",
                                    "bell\x07", "  "])
def test_control_characters_in_a_reason_are_refused(reason: str) -> None:
    with pytest.raises(UsageError, match="needs a reason on one line, without control"):
        one_line(reason, "--reason")


@given(st.text(max_size=80))
def test_a_name_is_a_dns_label_or_not_quickly(text: str) -> None:
    assert is_dns_label(text) == (0 < len(text) <= 63 and all(
        c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in text)
        and text[0] != "-" and text[-1] != "-")
