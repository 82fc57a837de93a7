"""Business calendar by example: the issue's SLA, breaks, holidays, DST days, midnight, errors.

Times in the tables are local wall times of the calendar's zone unless they end in ``Z``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from rules.calendar import CALENDAR_CLOCK, BusinessCalendar, Clock, clock_for
from rules.ruleset import CalendarSpec, ClockKind

KYIV = "Europe/Kyiv"
LA = "America/Los_Angeles"
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)
ALL_DAY = ((time(0), time(0)),)
H = timedelta(hours=1)
US = timedelta(microseconds=1)


def at(zone: str, wall: str) -> datetime:
    """``wall`` (ISO, naive) in ``zone`` (first pass if repeated), or in UTC if it ends in ``Z``."""
    if wall.endswith("Z"):
        return datetime.fromisoformat(wall[:-1]).replace(tzinfo=UTC)
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone))


def hours(*spans: tuple[int, int]) -> tuple[tuple[time, time], ...]:
    """Whole-hour intervals; an end of 24 is written as 00:00 (midnight at the end of the day)."""
    return tuple((time(start), time(end % 24)) for start, end in spans)


def calendar(zone: str = KYIV, **spec: Any) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec(timezone=zone, **spec))


# -- the example -----------------------------------------------------------------------

UA_OFFICE = CalendarSpec(timezone=KYIV, hours=hours((9, 18)), holiday_country="UA")


def test_the_holidays_package_says_what_the_ua_examples_assume() -> None:
    # Under martial law (since 2022) Ukrainian public holidays are not days off; the package has
    # none for 2023 on. So the holiday examples use 2021 and the martial-law example uses 2024.
    ua_2021 = holidays.country_holidays("UA", years=2021)
    assert {date(2021, 3, 8), date(2021, 5, 3), date(2021, 5, 4)} <= set(ua_2021)
    assert date(2021, 3, 15) not in ua_2021
    assert not holidays.country_holidays("UA", years=2024)


@pytest.mark.parametrize(
    ("created", "due", "why"),
    [
        ("2021-03-12 17:30", "2021-03-15 12:30", "Friday 30 min + Monday 3.5 h"),
        ("2021-03-05 17:30", "2021-03-09 12:30", "Monday 8 March is Women's Day"),
        ("2021-04-30 17:30", "2021-05-05 12:30", "Mon 3 May Labour Day, Tue 4 May Easter (obs.)"),
        ("2024-05-03 17:30", "2024-05-06 12:30", "martial law: Easter Monday 2024 is a workday"),
    ],
)
def test_an_mql_created_friday_evening_is_due_on_the_next_working_day(
    created: str, due: str, why: str
) -> None:
    clock = BusinessCalendar(UA_OFFICE)
    result = clock.add(at(KYIV, created), 4 * H)
    assert result == at(KYIV, due), why
    assert result.tzinfo is UTC
    assert clock.elapsed(at(KYIV, created), result) == 4 * H


def test_an_extra_holiday_moves_the_due_time_a_day() -> None:
    clock = calendar(hours=hours((9, 18)), holiday_country="UA", extra_holidays=(date(2024, 5, 6),))
    assert clock.add(at(KYIV, "2024-05-03 17:30"), 4 * H) == at(KYIV, "2024-05-07 12:30")


# -- open hours, breaks, weekends --------------------------------------------------------------

LUNCH = calendar(hours=hours((9, 13), (14, 18)))  # Monday 2024-06-03 ... Sunday 2024-06-09


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2024-06-03 12:00", 2 * H, "2024-06-03 15:00"),
        ("2024-06-03 13:30", 1 * H, "2024-06-03 15:00"),  # arrives during lunch
        ("2024-06-03 12:30", H / 2, "2024-06-03 13:00"),  # runs out at a closing: due then
        ("2024-06-03 12:30", H / 2 + US, "2024-06-03 14:00:00.000001"),
        ("2024-06-03 07:00", 1 * H, "2024-06-03 10:00"),  # before opening
        ("2024-06-03 19:00", 1 * H, "2024-06-04 10:00"),  # after closing
        ("2024-06-07 17:00", 9 * H, "2024-06-10 18:00"),  # Friday into Monday
        ("2024-06-08 10:00", 1 * H, "2024-06-10 10:00"),  # Saturday
        ("2024-06-03 10:00", 39 * H, "2024-06-07 18:00"),  # 7 h Monday, then 8 h a day
        ("2024-06-03 13:30", timedelta(0), "2024-06-03 14:00"),  # zero: the next opening
        ("2024-06-03 10:00", timedelta(0), "2024-06-03 10:00"),
    ],
)
def test_add_counts_only_open_time(start: str, duration: timedelta, due: str) -> None:
    assert LUNCH.add(at(KYIV, start), duration) == at(KYIV, due)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-06-03 12:00", "2024-06-03 15:00", 2 * H),
        ("2024-06-03 13:10", "2024-06-03 13:50", timedelta(0)),
        ("2024-06-07 17:00", "2024-06-10 10:00", 2 * H),
        ("2024-06-03 09:00", "2024-06-04 09:00", 8 * H),
        ("2024-06-03 09:00", "2024-06-10 09:00", 40 * H),
        ("2024-06-03 15:00", "2024-06-03 12:00", timedelta(0)),  # end before start
        ("2024-06-03 10:00", "2024-06-03 10:00", timedelta(0)),
        ("2023-06-05 09:00", "2024-06-03 09:00", 52 * 40 * H),  # across a year end
        ("2022-01-03 09:00", "2025-01-06 09:00", 157 * 40 * H),  # across three
    ],
)
def test_elapsed_counts_open_time_in_the_half_open_span(
    start: str, end: str, expected: timedelta
) -> None:
    assert LUNCH.elapsed(at(KYIV, start), at(KYIV, end)) == expected


@pytest.mark.parametrize(
    ("t", "is_open", "next_open"),
    [
        ("2024-06-03 09:00", True, "2024-06-03 09:00"),
        ("2024-06-03 08:59:59.999999", False, "2024-06-03 09:00"),
        ("2024-06-03 12:59:59.999999", True, "2024-06-03 12:59:59.999999"),
        ("2024-06-03 13:00", False, "2024-06-03 14:00"),
        ("2024-06-03 18:00", False, "2024-06-04 09:00"),
        ("2024-06-08 10:00", False, "2024-06-10 09:00"),
        ("2024-12-31 18:00", False, "2025-01-01 09:00"),  # no holidays configured
    ],
)
def test_open_intervals_include_their_start_and_exclude_their_end(
    t: str, is_open: bool, next_open: str
) -> None:
    assert LUNCH.is_open(at(KYIV, t)) is is_open
    assert LUNCH.next_open(at(KYIV, t)) == at(KYIV, next_open)


@pytest.mark.parametrize(
    ("country", "subdivision", "zone", "start", "due"),
    [
        # Thanksgiving is federal; the day after is a holiday in California only.
        ("US", None, LA, "2024-11-28 10:00", "2024-11-29 10:00"),
        ("US", "CA", LA, "2024-11-28 10:00", "2024-12-02 10:00"),
        # Corpus Christi (Thursday 2024-05-30) is a holiday in Bavaria, not in Berlin.
        ("DE", "BE", "Europe/Berlin", "2024-05-29 17:30", "2024-05-30 09:30"),
        ("DE", "BY", "Europe/Berlin", "2024-05-29 17:30", "2024-05-31 09:30"),
    ],
)
def test_subdivision_holidays_close_only_that_subdivision(
    country: str, subdivision: str | None, zone: str, start: str, due: str
) -> None:
    clock = calendar(
        zone, hours=hours((9, 18)), holiday_country=country, holiday_subdivision=subdivision
    )
    assert clock.add(at(zone, start), 1 * H) == at(zone, due)


@pytest.mark.parametrize(
    ("open_hours", "start", "duration", "due"),
    [
        (hours((9, 18)), "2024-12-31 17:00", 1 * H, "2024-12-31 18:00"),  # the year's last close
        (hours((9, 18)), "2024-12-31 17:00", 2 * H, "2025-01-01 10:00"),
        (hours((22, 24)), "2024-12-31 23:00", 1 * H, "2025-01-01 00:00"),  # closes as 2025 starts
        (hours((0, 24)), "2024-12-31 23:00", 2 * H, "2025-01-01 01:00"),
        (hours((9, 18)), "2022-01-03 09:00", 157 * 45 * H, "2025-01-03 18:00"),  # 157 weeks
    ],
)
def test_add_runs_across_year_ends(
    open_hours: tuple[tuple[time, time], ...], start: str, duration: timedelta, due: str
) -> None:
    assert calendar(hours=open_hours).add(at(KYIV, start), duration) == at(KYIV, due)


@pytest.mark.parametrize(
    ("open_hours", "t", "is_open", "next_open"),
    [
        (hours((0, 24)), "2025-01-01 00:00", True, "2025-01-01 00:00"),  # opens as 2025 starts
        (hours((0, 24)), "2024-12-31 23:59:59.999999", True, "2024-12-31 23:59:59.999999"),
        (hours((22, 24)), "2025-01-01 00:00", False, "2025-01-01 22:00"),
        (hours((9, 18)), "2024-12-31 18:00", False, "2025-01-01 09:00"),
    ],
)
def test_year_ends_are_no_edges(
    open_hours: tuple[tuple[time, time], ...], t: str, is_open: bool, next_open: str
) -> None:
    clock = calendar(hours=open_hours)
    assert clock.is_open(at(KYIV, t)) is is_open
    assert clock.next_open(at(KYIV, t)) == at(KYIV, next_open)


# -- daylight saving time and odd offsets ------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "length"),
    [
        (LA, "2024-03-10", timedelta(hours=23)),
        (LA, "2024-11-03", timedelta(hours=25)),
        (LA, "2024-11-12", timedelta(hours=24)),
        ("America/Phoenix", "2024-03-10", timedelta(hours=24)),
        (KYIV, "2024-03-31", timedelta(hours=23)),
        (KYIV, "2024-10-27", timedelta(hours=25)),
        ("Australia/Lord_Howe", "2024-10-06", timedelta(hours=23, minutes=30)),
        ("Australia/Lord_Howe", "2024-04-07", timedelta(hours=24, minutes=30)),
        ("Asia/Kolkata", "2024-03-10", timedelta(hours=24)),
    ],
)
def test_a_whole_open_day_is_as_long_as_the_real_day(
    zone: str, day: str, length: timedelta
) -> None:
    clock = calendar(zone, workdays=EVERY_DAY, hours=ALL_DAY)
    midnight = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone))
    week = timedelta(days=3)
    # Open every day all day, so open time is real time, across the transition as anywhere.
    assert clock.elapsed(midnight, midnight + timedelta(days=1)) == length
    assert clock.elapsed(midnight - week, midnight + week) == length + 5 * timedelta(days=1)


@pytest.mark.parametrize(
    ("zone", "open_hours", "start", "duration", "due"),
    [
        # 4 business hours are 4 real hours although the wall clock moves 5 or 3 hours.
        (LA, ((0, 24),), "2024-03-09 23:00", 4 * H, "2024-03-10 04:00"),
        (KYIV, ((0, 24),), "2024-10-27 01:00", 4 * H, "2024-10-27 04:00"),
        # 01:00-05:00 holds 3 real hours on the spring-forward day, 5 on the fall-back day.
        (LA, ((1, 5),), "2024-03-10 01:00", 4 * H, "2024-03-11 02:00"),
        (LA, ((1, 5),), "2024-11-03 01:00", 4 * H, "2024-11-03 12:00Z"),  # 04:00 PST
        (LA, ((1, 5),), "2024-11-03 01:00", 5 * H, "2024-11-03 05:00"),
        ("Australia/Lord_Howe", ((1, 3),), "2024-10-06 01:00", 2 * H, "2024-10-07 01:30"),
        ("Australia/Lord_Howe", ((1, 3),), "2024-04-07 01:00", 2 * H, "2024-04-06T16:00Z"),
        ("America/Phoenix", ((9, 17),), "2024-03-08 16:00", 2 * H, "2024-03-09 10:00"),
        ("Asia/Kolkata", ((9, 18),), "2024-06-03 17:30", 4 * H, "2024-06-04T07:00Z"),
    ],
)
def test_durations_are_real_time_across_dst_transitions(
    zone: str, open_hours: tuple[tuple[int, int], ...], start: str, duration: timedelta, due: str
) -> None:
    clock = calendar(zone, workdays=EVERY_DAY, hours=hours(*open_hours))
    result = clock.add(at(zone, start), duration)
    assert result == at(zone, due)
    assert clock.elapsed(at(zone, start), result) == duration


@pytest.mark.parametrize(
    ("zone", "open_hours", "t", "is_open", "next_open"),
    [
        # LA springs 02:00 -> 03:00: 02:30 is never shown, so the interval opens at the jump.
        (LA, (time(2, 30), time(4)), "2024-03-10 00:00", False, "2024-03-10T10:00Z"),
        (LA, (time(2, 30), time(4)), "2024-03-10T10:59:59Z", True, "2024-03-10T10:59:59Z"),
        (LA, (time(2, 30), time(4)), "2024-03-10T11:00Z", False, "2024-03-11 02:30"),
        # Lord Howe springs 02:00 -> 02:30: an interval inside the gap never opens that day.
        (
            "Australia/Lord_Howe",
            (time(2), time(2, 30)),
            "2024-10-06 00:00",
            False,
            "2024-10-07 02:00",
        ),
        # LA falls back 02:00 PDT -> 01:00 PST: 01:30 opens on its first pass, and the interval
        # stays open through the repeated 01:00-01:30 (every interval opens and closes once).
        (LA, (time(1, 30), time(5)), "2024-11-03T08:30Z", True, "2024-11-03T08:30Z"),
        (LA, (time(1, 30), time(5)), "2024-11-03T09:15Z", True, "2024-11-03T09:15Z"),
        (LA, (time(1, 30), time(5)), "2024-11-03T13:00Z", False, "2024-11-04 01:30"),
    ],
)
def test_interval_ends_in_dst_gaps_and_repeats(
    zone: str, open_hours: tuple[time, time], t: str, is_open: bool, next_open: str
) -> None:
    clock = calendar(zone, workdays=EVERY_DAY, hours=(open_hours,))
    assert clock.is_open(at(zone, t)) is is_open
    assert clock.next_open(at(zone, t)) == at(zone, next_open)


@pytest.mark.parametrize(
    ("zone", "open_hours", "day", "expected"),
    [
        (LA, hours((1, 5)), "2024-03-10", [("2024-03-10T09:00Z", "2024-03-10T12:00Z")]),
        (LA, hours((1, 5)), "2024-11-03", [("2024-11-03T08:00Z", "2024-11-03T13:00Z")]),
        (LA, hours((0, 24)), "2024-11-03", [("2024-11-03T07:00Z", "2024-11-04T08:00Z")]),
        ("Australia/Lord_Howe", ((time(2), time(2, 30)),), "2024-10-06", []),
        (
            "Asia/Kolkata",
            hours((9, 13), (14, 18)),
            "2024-06-03",
            [
                ("2024-06-03T03:30Z", "2024-06-03T07:30Z"),
                ("2024-06-03T08:30Z", "2024-06-03T12:30Z"),
            ],
        ),
        ("Asia/Kolkata", hours((9, 13), (14, 18)), "2024-06-08", []),  # Saturday
    ],
)
def test_open_intervals_lists_a_days_intervals_in_utc(
    zone: str, open_hours: tuple[tuple[time, time], ...], day: str, expected: list[tuple[str, str]]
) -> None:
    clock = calendar(zone, workdays=(1, 2, 3, 4, 5, 7), hours=open_hours)
    assert clock.open_intervals(date.fromisoformat(day)) == tuple(
        (at(zone, start), at(zone, end)) for start, end in expected
    )


# -- midnight ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_hours", "start", "duration", "due"),
    [
        (hours((22, 24)), "2024-06-03 23:00", 2 * H, "2024-06-04 23:00"),
        (hours((22, 24)), "2024-06-03 23:00", 1 * H, "2024-06-04 00:00"),  # due at midnight
        (hours((22, 24)), "2024-06-07 23:30", 1 * H, "2024-06-10 22:30"),  # Friday night
        (ALL_DAY, "2024-06-07 23:00", 2 * H, "2024-06-10 01:00"),  # weekdays, all day
        (
            ((time(0), time(23, 59, 59)),),
            "2024-06-03 23:59:58.999999",
            2 * US,
            "2024-06-04 00:00:00.000001",
        ),
    ],
)
def test_an_end_of_midnight_means_the_end_of_the_day(
    open_hours: tuple[tuple[time, time], ...], start: str, duration: timedelta, due: str
) -> None:
    assert calendar(hours=open_hours).add(at(KYIV, start), duration) == at(KYIV, due)


def test_an_interval_to_midnight_includes_the_last_microsecond_only() -> None:
    clock = calendar(hours=hours((22, 24)))
    assert clock.is_open(at(KYIV, "2024-06-03 23:59:59.999999"))
    assert not clock.is_open(at(KYIV, "2024-06-04 00:00"))
    assert clock.elapsed(at(KYIV, "2024-06-03 00:00"), at(KYIV, "2024-06-04 00:00")) == 2 * H


# -- which clock -------------------------------------------------------------------------------

OWNER_START = at(KYIV, "2024-06-03T15:00Z")  # Monday: 18:00 in Kyiv, 08:00 in LA, 20:30 in India


@pytest.mark.parametrize(
    ("use_owner_timezone", "owner_timezone", "due"),
    [
        (False, LA, "2024-06-04T07:00Z"),  # the spec's zone: Tuesday 10:00 in Kyiv
        (True, None, "2024-06-04T07:00Z"),
        (True, LA, "2024-06-03T17:00Z"),  # Monday 10:00 in LA
        (True, "Asia/Kolkata", "2024-06-04T04:30Z"),  # Tuesday 10:00 in India
    ],
)
def test_an_owners_time_zone_applies_only_when_the_spec_allows_it(
    use_owner_timezone: bool, owner_timezone: str | None, due: str
) -> None:
    spec = CalendarSpec(timezone=KYIV, hours=hours((9, 18)), use_owner_timezone=use_owner_timezone)
    clock = clock_for(spec, ClockKind.BUSINESS, owner_timezone)
    assert clock.add(OWNER_START, 1 * H) == at(KYIV, due)
    assert clock_for(spec, ClockKind.BUSINESS, owner_timezone) is clock


def test_clock_for_shares_one_calendar_per_spec_and_zone() -> None:
    spec = CalendarSpec(timezone=KYIV, use_owner_timezone=False)
    assert clock_for(spec, ClockKind.BUSINESS, LA) is clock_for(spec, ClockKind.BUSINESS)
    assert clock_for(spec, ClockKind.CALENDAR, LA) is CALENDAR_CLOCK
    assert isinstance(clock_for(spec, ClockKind.BUSINESS), BusinessCalendar)


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2024-06-07 17:30", 4 * H, "2024-06-07 21:30"),
        ("2024-03-10 01:00", 4 * H, "2024-03-10 06:00"),  # LA springs forward meanwhile
        ("2024-06-08 10:00", timedelta(0), "2024-06-08 10:00"),
    ],
)
def test_the_calendar_clock_is_plain_time(start: str, duration: timedelta, due: str) -> None:
    begin = at(LA, start)
    result = CALENDAR_CLOCK.add(begin, duration)
    assert result == at(LA, due)
    assert result.tzinfo is UTC
    assert CALENDAR_CLOCK.elapsed(begin, result) == duration
    assert CALENDAR_CLOCK.elapsed(begin - H, begin) == H
    assert CALENDAR_CLOCK.elapsed(begin + H, begin) == timedelta(0)
    assert CALENDAR_CLOCK.is_open(begin)
    assert CALENDAR_CLOCK.next_open(begin) == begin
    assert CALENDAR_CLOCK.next_open(begin).tzinfo is UTC


# -- errors ------------------------------------------------------------------------------------

NAIVE = datetime(2024, 6, 3, 10)
AWARE = at(KYIV, "2024-06-03 10:00")


@pytest.mark.parametrize("clock", [LUNCH, CALENDAR_CLOCK], ids=["business", "calendar"])
@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda c: c.add(NAIVE, H), "start"),
        (lambda c: c.elapsed(NAIVE, AWARE), "start"),
        (lambda c: c.elapsed(AWARE, NAIVE), "end"),
        (lambda c: c.is_open(NAIVE), "t"),
        (lambda c: c.next_open(NAIVE), "t"),
    ],
)
def test_naive_datetimes_are_refused(
    clock: Clock, call: Callable[[Clock], object], what: str
) -> None:
    with pytest.raises(ValueError, match=f"^{what}: naive datetime"):
        call(clock)


@pytest.mark.parametrize("clock", [LUNCH, CALENDAR_CLOCK], ids=["business", "calendar"])
def test_negative_durations_are_refused(clock: Clock) -> None:
    with pytest.raises(ValueError, match=r"duration must not be negative, got -0:00:00\.000001"):
        clock.add(AWARE, -US)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CalendarSpec(workdays=()), r"calendar\.workdays is empty: the calendar would never open"),
        (CalendarSpec(workdays=(0, 8)), r"\[0, 8\] are not ISO weekdays"),
        (CalendarSpec(hours=()), r"calendar\.hours is empty: the calendar would never open"),
        (CalendarSpec(hours=hours((18, 9))), r"hours\[0\]: 18:00:00 is not before 09:00:00"),
        (CalendarSpec(hours=hours((9, 13), (12, 18))), r"hours\[1\]: starts before hours\[0\]"),
        (CalendarSpec(holiday_subdivision="CA"), "holiday_subdivision is set without"),
        (CalendarSpec(timezone="Europe/Kiev-ish"), "unknown time zone 'Europe/Kiev-ish'"),
        (CalendarSpec(holiday_country="XX"), "holidays package says Country XX not available"),
        (CalendarSpec(holiday_country="US", holiday_subdivision="ZZ"), "not have subdivision ZZ"),
    ],
)
def test_invalid_specs_are_refused_when_the_calendar_is_built(
    spec: CalendarSpec, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(spec)


def test_every_problem_of_a_spec_is_listed_at_once() -> None:
    spec = CalendarSpec(workdays=(), hours=(), holiday_country="XX")
    expected = (
        "invalid business calendar:\n"
        "  calendar.workdays is empty: the calendar would never open\n"
        "  calendar.hours is empty: the calendar would never open\n"
        "  unknown time zone 'Mars/Olympus': use an IANA name such as 'Europe/Kyiv'\n"
        "  calendar.holiday_country/holiday_subdivision: the holidays package says Country XX"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        BusinessCalendar(spec, timezone="Mars/Olympus")


def _every_day(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


@pytest.mark.parametrize(
    "call", [lambda c: c.add(AWARE, H), lambda c: c.next_open(AWARE)], ids=["add", "next_open"]
)
def test_a_calendar_that_never_opens_raises_instead_of_searching_forever(
    call: Callable[[Clock], object],
) -> None:
    clock = calendar(extra_holidays=_every_day(date(2024, 1, 1), date(2026, 12, 31)))
    with pytest.raises(ValueError, match=r"no open time in local years 2025-2026: check its"):
        call(clock)
    assert clock.elapsed(AWARE, AWARE + timedelta(days=400)) == timedelta(0)


def test_instants_outside_the_covered_years_are_refused() -> None:
    with pytest.raises(ValueError, match=r"local year 1800 is outside 1900-9998"):
        LUNCH.add(at(KYIV, "1800-06-02 10:00"), H)


def test_years_beyond_a_countrys_lunar_holiday_data_still_have_the_fixed_holidays() -> None:
    # holidays warns for India outside 2001-2035; warnings are errors in this suite.
    spec = CalendarSpec(timezone="Asia/Kolkata", holiday_country="IN")
    calendar = BusinessCalendar(spec)
    republic_day = datetime(2040, 1, 26, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert not calendar.is_open(republic_day)
