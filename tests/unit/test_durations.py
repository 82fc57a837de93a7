"""The duration parser: what marketing ops may write, and what each text means on each clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.config.durations import Duration, DurationError, parse_duration
from rules.ruleset import ClockKind

BUSINESS, CALENDAR = ClockKind.BUSINESS, ClockKind.CALENDAR
TRY = '(try "4h", "30m", "2 business days")'


@pytest.mark.parametrize(
    ("text", "days", "fixed", "clock"),
    [
        pytest.param("30m", 0, timedelta(minutes=30), None, id="minutes-short"),
        pytest.param("90 minutes", 0, timedelta(minutes=90), None, id="minutes-long"),
        pytest.param("4h", 0, timedelta(hours=4), None, id="hours-short"),
        pytest.param("1.5 hours", 0, timedelta(minutes=90), None, id="fractional-hours"),
        pytest.param("1 hour", 0, timedelta(hours=1), None, id="singular"),
        pytest.param(" 4H ", 0, timedelta(hours=4), None, id="case-and-blanks"),
        pytest.param("2d", 2, timedelta(), None, id="days-short"),
        pytest.param("2 days", 2, timedelta(), None, id="days-long"),
        pytest.param("4 business hours", 0, timedelta(hours=4), BUSINESS, id="business-hours"),
        pytest.param("2 business days", 2, timedelta(), BUSINESS, id="business-days"),
        pytest.param("8 calendar hours", 0, timedelta(hours=8), CALENDAR, id="calendar-hours"),
        pytest.param("1h 30m", 0, timedelta(minutes=90), None, id="two-terms"),
        pytest.param("1h30m", 0, timedelta(minutes=90), None, id="two-terms-joined"),
        pytest.param("1 day, 4 hours", 1, timedelta(hours=4), None, id="comma"),
        pytest.param("2 days and 3 hours", 2, timedelta(hours=3), None, id="and"),
        pytest.param(
            "1 business day 2 business hours", 1, timedelta(hours=2), BUSINESS, id="same-clock"
        ),
        pytest.param("PT4H", 0, timedelta(hours=4), None, id="iso-hours"),
        pytest.param("P1DT2H30M", 1, timedelta(minutes=150), None, id="iso-days-hours-minutes"),
        pytest.param("P2D", 2, timedelta(), None, id="iso-days"),
    ],
)
def test_parses(text: str, days: float, fixed: timedelta, clock: ClockKind | None) -> None:
    assert parse_duration(text) == Duration(text=text, days=days, fixed=fixed, clock=clock)


@pytest.mark.parametrize(
    ("text", "clock", "business_day", "expected"),
    [
        pytest.param("4h", BUSINESS, timedelta(hours=9), timedelta(hours=4), id="hours-any-clock"),
        pytest.param(
            "2 business days", BUSINESS, timedelta(hours=9), timedelta(hours=18), id="kyiv-day"
        ),
        pytest.param("2d", BUSINESS, timedelta(hours=8), timedelta(hours=16), id="lunch-day"),
        pytest.param("2d", CALENDAR, timedelta(hours=9), timedelta(days=2), id="calendar-day"),
        pytest.param(
            "1 day 2h", BUSINESS, timedelta(hours=9), timedelta(hours=11), id="day-plus-hours"
        ),
        pytest.param("0.5d", CALENDAR, timedelta(hours=9), timedelta(hours=12), id="half-day"),
    ],
)
def test_days_follow_the_clock(
    text: str, clock: ClockKind, business_day: timedelta, expected: timedelta
) -> None:
    assert parse_duration(text).to_timedelta(clock, business_day) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", f'"" is not a duration {TRY}', id="empty"),
        pytest.param("4 hourz", f'"4 hourz" is not a duration {TRY}', id="unknown-unit"),
        pytest.param("30s", f'"30s" is not a duration {TRY}', id="seconds"),
        pytest.param("4 business", f'"4 business" is not a duration {TRY}', id="no-unit-word"),
        pytest.param("h4", f'"h4" is not a duration {TRY}', id="unit-first"),
        pytest.param("4h!", f'"4h!" is not a duration {TRY}', id="trailing-junk"),
        pytest.param("4", f'"4" has no unit {TRY}', id="bare-number"),
        pytest.param(
            "four hours",
            f'"four hours" is not a duration: write the number in digits {TRY}',
            id="words",
        ),
        pytest.param(
            "half an hour",
            f'"half an hour" is not a duration: write the number in digits {TRY}',
            id="half",
        ),
        pytest.param("-1h", '"-1h" is negative: a duration must be positive', id="negative"),
        pytest.param("0h", '"0h" is zero: give a length such as "4h"', id="zero"),
        pytest.param("PT0M", '"PT0M" is zero: give a length such as "4h"', id="iso-zero"),
        pytest.param(
            "1 business day 2 calendar hours",
            '"1 business day 2 calendar hours" mixes business and calendar time: pick one',
            id="mixed-clocks",
        ),
        pytest.param("PT", f'"PT" is not a duration {TRY}', id="iso-empty"),
        pytest.param("PT30S", f'"PT30S" is not a duration {TRY}', id="iso-seconds"),
        pytest.param("200000d", '"200000d" is too long', id="too-long"),
    ],
)
def test_rejects_with_a_message_quoting_the_text(text: str, message: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)

    assert str(caught.value) == message


def test_zero_is_allowed_where_it_means_at_once() -> None:
    assert parse_duration("0h", allow_zero=True).is_zero


def test_a_duration_error_is_a_value_error() -> None:
    # pydantic reports ValueError from a validator with the key path; other errors would crash.
    assert issubclass(DurationError, ValueError)
