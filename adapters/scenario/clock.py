"""The seller's office hours as the scenario needs them: Europe/Kyiv, Mon-Fri, 09:00-17:00.

These match the default :class:`rules.ruleset.CalendarSpec` hours in the seller's time zone,
without holidays. The scenario only uses them to *place* events (MQLs mostly in office hours, first
touches some business minutes later); judging SLAs is :mod:`rules.calendar`'s job, not this one's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Europe/Kyiv")
OPENS, CLOSES = time(9), time(17)
WORKDAY = timedelta(hours=8)

_DAY = timedelta(days=1)


def _bounds(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, OPENS, OFFICE_TZ), datetime.combine(day, CLOSES, OFFICE_TZ)


def is_open(at: datetime) -> bool:
    """Whether the office is open at ``at``."""
    local = at.astimezone(OFFICE_TZ)
    return local.isoweekday() <= 5 and OPENS <= local.time() < CLOSES


def add_business(start: datetime, duration: timedelta) -> datetime:
    """The instant ``duration`` of open office time after ``start``, in UTC.

    Wall-clock arithmetic inside one working day is safe: Kyiv changes its clocks at 03:00/04:00,
    never between 09:00 and 17:00.
    """
    local, remaining = start.astimezone(OFFICE_TZ), duration
    while True:
        opens, closes = _bounds(local.date())
        if local.isoweekday() <= 5 and local < closes:
            begin = max(local, opens)
            if remaining <= closes - begin:
                return (begin + remaining).astimezone(UTC)
            remaining -= closes - begin
        local = datetime.combine(local.date() + _DAY, time(0), OFFICE_TZ)


def subtract_business(end: datetime, duration: timedelta) -> datetime:
    """The instant ``duration`` of open office time before ``end``, in UTC."""
    local, remaining = end.astimezone(OFFICE_TZ), duration
    while True:
        opens, closes = _bounds(local.date())
        if local.isoweekday() <= 5 and local > opens:
            finish = min(local, closes)
            if remaining <= finish - opens:
                return (finish - remaining).astimezone(UTC)
            remaining -= finish - opens
        local = datetime.combine(local.date() - _DAY, time(23, 59, 59), OFFICE_TZ)


def business_bound(duration: timedelta) -> timedelta:
    """An upper bound of the calendar time :func:`add_business` needs for ``duration``.

    The worst start is Friday at closing time (64 hours until Monday opens); then every started
    working day costs at most a calendar day, plus an hour for a daylight-saving change.
    """
    days = -(-duration // WORKDAY)
    return timedelta(hours=64 + 1) + days * _DAY


def place_mql(rng: Random, candidate: datetime, in_office_share: float) -> datetime:
    """The moment a person becomes an MQL, on ``candidate``'s local day or a few days earlier.

    With probability ``in_office_share`` the moment falls in office hours of a weekday; otherwise
    it is an evening, an early morning or a weekend day, when MQLs wait for the office to open.
    The result is less than a day after ``candidate`` and at most six days before it, so callers
    can reserve room on both sides.
    """
    day = candidate.astimezone(OFFICE_TZ).date()
    if rng.random() < in_office_share:
        day -= max(0, day.isoweekday() - 5) * _DAY
        hour = 9 + 8 * rng.random()
    else:
        tail = rng.random()
        if tail < 0.55:
            hour = 17 + 6.5 * rng.random()
        elif tail < 0.7:
            hour = 6.5 + 2.5 * rng.random()
        else:
            if day.isoweekday() <= 5:  # back to the last Sunday or Saturday
                day -= (day.isoweekday() + rng.randrange(2)) * _DAY
            hour = 10 + 10 * rng.random()
    local = datetime.combine(day, time(0), OFFICE_TZ) + timedelta(hours=hour)
    return local.astimezone(UTC)
