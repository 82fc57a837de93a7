"""Business calendar: SLA clocks that only run while the business is open.

A :class:`Clock` adds durations to instants and measures the time between two instants. Rules on
``ClockKind.CALENDAR`` use :class:`CalendarClock` (plain 24/7 time); rules on
``ClockKind.BUSINESS`` use a :class:`BusinessCalendar`, where only *open* time counts. Get either
from :func:`clock_for`.

What is open, for a :class:`~rules.ruleset.CalendarSpec` in time zone ``tz``:

* A local date is a working day when its ISO weekday is in ``workdays`` and it is not a holiday:
  a public holiday of ``holiday_country``/``holiday_subdivision`` in the ``holidays`` package
  (observed days included) or one of ``extra_holidays``. Holidays are local dates in ``tz``.
* On a working day each ``hours`` interval ``[start, end)`` opens at the first real instant at
  which the local wall clock reads ``start`` or later, and closes at the first instant at which it
  reads ``end`` or later. An ``end`` of ``00:00`` means midnight at the end of the day (24:00), so
  ``(00:00, 00:00)`` is the whole day and ``(22:00, 00:00)`` the last two hours.
* Daylight-saving transitions follow from that rule. A wall time inside a spring-forward gap is
  never shown, so an endpoint in the gap maps to the transition instant (an interval with both
  ends in one gap never opens that day). A wall time repeated by a fall-back maps to its first
  pass, so every interval opens once and closes once, and does not close or reopen when the
  clock turns back: ``(01:00, 05:00)`` in America/Los_Angeles is 5 real hours on the fall-back
  day and 3 on the spring-forward day.

Durations are real elapsed time (UTC microseconds) of open time: 4 business hours are 4 real
hours of open intervals, whatever the wall clock did meanwhile. Edges (``d`` a duration,
``s``/``e``/``t`` instants):

* ``elapsed(s, e)`` is the open time in ``[s, e)``; zero when ``e <= s``.
* ``add(s, d)`` for ``d > 0`` is the instant at which ``d`` of open time since ``s`` has run:
  the clock starts at the next opening when ``s`` is closed, and a duration that runs out exactly
  at a closing time returns that closing instant (a 30-minute SLA from 17:30 is due at 18:00, not
  at the next morning's opening). So the instant just before the result is always open.
  ``add(s, 0)`` is ``next_open(s)``. Hence ``elapsed(s, add(s, d)) == d`` and
  ``add(add(s, a), b) == add(s, a + b)`` for ``b > 0``.
* ``next_open(t)`` is ``t`` when ``t`` is open, else the next opening instant.

Instants must be timezone-aware (``ValueError`` otherwise); results are in UTC. A spec without
workdays or hours is refused when the calendar is built; a search that finds no open time in
:data:`SEARCH_YEARS` consecutive local years (every day a holiday) raises ``ValueError``.

Open intervals are materialised per local year as UTC instants with cumulative open time, so
``add``/``elapsed`` are binary searches plus ``timedelta`` arithmetic. Calendars are safe to share
between threads: a year built twice by a race is built identically.
"""

from __future__ import annotations

import functools
import math
import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from typing_extensions import override

from rules.model import require_aware
from rules.ruleset import CalendarSpec, ClockKind

SEARCH_YEARS = 2
"""Consecutive local years without open time after which a forward search gives up."""

FIRST_YEAR, LAST_YEAR = 1900, 9998
"""Local years a business calendar covers (the end leaves room to convert year ends to UTC)."""

_Interval = tuple[datetime, datetime]
_ZERO = timedelta()
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


class Clock(Protocol):
    """Adds and measures durations on one clock (business time or plain calendar time).

    Every method raises ``ValueError`` for a naive datetime, and ``add`` for a negative duration.
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The UTC instant at which ``duration`` (>= 0) of clock time since ``start`` has run."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Clock time in ``[start, end)``; zero when ``end <= start``."""
        ...

    def is_open(self, t: datetime) -> bool:
        """Whether the clock runs at instant ``t``."""
        ...

    def next_open(self, t: datetime) -> datetime:
        """``t`` in UTC when the clock runs then, else the next instant at which it starts."""
        ...


def _utc(value: datetime, what: str) -> datetime:
    return require_aware(value, what).astimezone(UTC)


def _check_duration(duration: timedelta) -> None:
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got -{-duration}")


class CalendarClock(Clock):
    """Plain 24/7 time: always open, ``add`` is ``start + duration``."""

    @override
    def add(self, start: datetime, duration: timedelta) -> datetime:
        _check_duration(duration)
        return _utc(start, "start") + duration

    @override
    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return max(_utc(end, "end") - _utc(start, "start"), _ZERO)

    @override
    def is_open(self, t: datetime) -> bool:
        _utc(t, "t")
        return True

    @override
    def next_open(self, t: datetime) -> datetime:
        return _utc(t, "t")


@dataclass(frozen=True, slots=True)
class _Year:
    """Open intervals ``[starts[i], ends[i])`` of one local year, in UTC, sorted and disjoint.

    The year spans the UTC instants ``[lo, hi)``. ``before[i]``/``through[i]`` are the open time of
    the year before the start/end of interval ``i``; ``total`` is the year's open time.
    """

    year: int
    lo: datetime
    hi: datetime
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]
    before: tuple[timedelta, ...]
    through: tuple[timedelta, ...]
    total: timedelta

    @classmethod
    def of(cls, year: int, span: _Interval, intervals: list[_Interval]) -> _Year:
        starts = tuple(start for start, _ in intervals)
        ends = tuple(end for _, end in intervals)
        sums = tuple(accumulate((end - start for start, end in intervals), initial=_ZERO))
        return cls(year, *span, starts, ends, sums[:-1], sums[1:], sums[-1])

    def open_before(self, t: datetime) -> timedelta:
        """Open time of this year before ``t`` (a UTC instant in ``[lo, hi)``)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return _ZERO
        if t >= self.ends[i]:
            return self.through[i]
        return self.before[i] + (t - self.starts[i])

    def instant_at(self, open_time: timedelta) -> datetime:
        """The first instant by which ``open_time`` (``0 < open_time <= total``) of it has run."""
        i = bisect_left(self.through, open_time)
        return self.starts[i] + (open_time - self.before[i])


class BusinessCalendar(Clock):
    """Open time according to a :class:`CalendarSpec`, in ``timezone`` (default: the spec's).

    Raises:
        ValueError: listing every problem of the spec: no workdays or no hours (it would never
            open), invalid ones, an unknown time zone, holiday country or subdivision.
    """

    def __init__(self, spec: CalendarSpec, timezone: str | None = None) -> None:
        self.spec = spec
        self.timezone = timezone or spec.timezone
        if problems := list(_problems(spec, self.timezone)):
            raise ValueError("invalid business calendar:\n  " + "\n  ".join(problems))
        self._zone = ZoneInfo(self.timezone)
        self._hours = tuple((_wall(start), _wall(end, end=True)) for start, end in spec.hours)
        self._workdays = frozenset(spec.workdays)
        self._extra_holidays = frozenset(spec.extra_holidays)
        self._years: dict[int, _Year] = {}

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.spec!r}, timezone={self.timezone!r})"

    @override
    def add(self, start: datetime, duration: timedelta) -> datetime:
        t = _utc(start, "start")
        _check_duration(duration)
        if not duration:
            return self.next_open(t)
        year = self._year_of(t)
        target = year.open_before(t) + duration
        if target > year.total:
            target -= year.total
            for later in self._years_after(year):
                if target <= later.total:
                    year = later
                    break
                target -= later.total
        return year.instant_at(target)

    @override
    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        s, e = _utc(start, "start"), _utc(end, "end")
        if e <= s:
            return _ZERO
        first, last = self._year_of(s), self._year_of(e)
        if first is last:
            return last.open_before(e) - first.open_before(s)
        between = sum((self._year(n).total for n in range(first.year + 1, last.year)), _ZERO)
        return first.total - first.open_before(s) + between + last.open_before(e)

    @override
    def is_open(self, t: datetime) -> bool:
        t = _utc(t, "t")
        year = self._year_of(t)
        i = bisect_right(year.starts, t) - 1
        return i >= 0 and t < year.ends[i]

    @override
    def next_open(self, t: datetime) -> datetime:
        t = _utc(t, "t")
        year = self._year_of(t)
        i = bisect_right(year.starts, t)
        if i and t < year.ends[i - 1]:
            return t
        if i < len(year.starts):
            return year.starts[i]
        return next(later.starts[0] for later in self._years_after(year) if later.starts)

    def _year_of(self, t: datetime) -> _Year:
        """The local year holding the UTC instant ``t``: its UTC year, or one either side."""
        year = self._year(t.year)
        if t < year.lo:
            return self._year(t.year - 1)
        if t >= year.hi:
            return self._year(t.year + 1)
        return year

    def _year(self, number: int) -> _Year:
        year = self._years.get(number)
        if year is None:
            if not FIRST_YEAR <= number <= LAST_YEAR:
                raise ValueError(f"local year {number} is outside {FIRST_YEAR}-{LAST_YEAR}")
            year = self._years[number] = self._build_year(number)
        return year

    def _years_after(self, year: _Year) -> Iterator[_Year]:
        """The local years after ``year``; raises ``ValueError`` after SEARCH_YEARS empty ones."""
        empty = 0
        for number in range(year.year + 1, LAST_YEAR + 2):
            later = self._year(number)
            empty = 0 if later.total else empty + 1
            if empty == SEARCH_YEARS:
                raise ValueError(
                    f"{self!r} has no open time in local years {number - empty + 1}-{number}: "
                    "check its workdays, hours and holidays"
                )
            yield later

    def open_intervals(self, day: date) -> tuple[_Interval, ...]:
        """The open intervals ``[start, end)`` of local date ``day``, in UTC (none if closed)."""
        year = self._year(day.year)
        first = bisect_left(year.starts, self._first_instant(day, _MIDNIGHT))
        after = bisect_left(year.starts, self._first_instant(day + _DAY, _MIDNIGHT))
        return tuple(zip(year.starts[first:after], year.ends[first:after], strict=True))

    def _day_intervals(self, day: date, closed: frozenset[date]) -> list[_Interval]:
        if day.isoweekday() not in self._workdays or day in closed:
            return []
        intervals = []
        for open_at, close_at in self._hours:
            start, end = self._first_instant(day, open_at), self._first_instant(day, close_at)
            if start < end:  # equal when both ends fall in one DST gap
                intervals.append((start, end))
        return intervals

    def _build_year(self, number: int) -> _Year:
        closed = self._holidays(number)
        intervals: list[_Interval] = []
        day = date(number, 1, 1)
        while day.year == number:
            intervals += self._day_intervals(day, closed)
            day += _DAY
        span = (
            self._first_instant(date(number, 1, 1), _MIDNIGHT),
            self._first_instant(day, _MIDNIGHT),
        )
        return _Year.of(number, span, intervals)

    def _holidays(self, number: int) -> frozenset[date]:
        if (country := self.spec.holiday_country) is None:
            return self._extra_holidays
        with warnings.catch_warnings():
            # Some countries' lunar holidays cover a limited span of years (India: 2001-2035)
            # and the package warns outside it; the fixed-date holidays it still returns are
            # the best data there is, and a library warning must not reach the daemon's users.
            warnings.simplefilter("ignore", UserWarning)
            public = holidays.country_holidays(
                country, subdiv=self.spec.holiday_subdivision, years=number
            )
        return self._extra_holidays | set(public)

    def _first_instant(self, day: date, wall: _Wall) -> datetime:
        """The first UTC instant at which the wall clock reads ``wall`` of ``day`` or later."""
        if wall.days:
            day += wall.days
        early = datetime.combine(day, wall.first, self._zone).astimezone(UTC)
        late = datetime.combine(day, wall.second, self._zone).astimezone(UTC)
        if early <= late:
            # Unique, or repeated by a fall-back: fold=0 is the first pass (PEP 495).
            return early
        # In a spring-forward gap fold=0 applies the offset from before the jump and lands after
        # it, fold=1 lands before it; the clock first reads `wall` or later at the jump itself.
        return self._transition(late, early)

    def _transition(self, before: datetime, after: datetime) -> datetime:
        """The instant in ``(before, after]`` at which the UTC offset changes to ``after``'s."""
        offset = after.astimezone(self._zone).utcoffset()
        # tzdata transitions fall on whole seconds, so bisect over whole seconds.
        base = before.replace(microsecond=0)
        low, high = 0, math.ceil((after - base) / _SECOND)
        while high - low > 1:
            middle = (low + high) // 2
            if (base + middle * _SECOND).astimezone(self._zone).utcoffset() == offset:
                high = middle
            else:
                low = middle
        return base + high * _SECOND


class _Wall(NamedTuple):
    """A wall time ``days`` after a working day (1 for an end of 00:00), as its ``first`` pass
    (``fold=0``) and ``second`` pass (``fold=1``, used only to detect a repeat or gap)."""

    days: timedelta
    first: time
    second: time


def _wall(t: time, *, end: bool = False) -> _Wall:
    return _Wall(_DAY if end and t == time(0) else _ZERO, t.replace(fold=0), t.replace(fold=1))


_MIDNIGHT = _wall(time(0))


def _hours_problems(hours: tuple[tuple[time, time], ...]) -> Iterator[str]:
    if not hours:
        yield "calendar.hours is empty: the calendar would never open"
    previous_end: time | None = time(0)  # None: the midnight after the day
    for i, (start, end) in enumerate(hours):
        key = f"calendar.hours[{i}]"
        if start.tzinfo is not None or end.tzinfo is not None:
            yield f"{key}: use naive local times (the zone is calendar.timezone)"
        elif previous_end is None or start < previous_end:
            yield f"{key}: starts before hours[{i - 1}] ends (keep them sorted and disjoint)"
        elif end != time(0) and start >= end:
            yield f"{key}: {start} is not before {end} (an end of 00:00 means midnight)"
        previous_end = None if end == time(0) else max(start, end)


def _problems(spec: CalendarSpec, timezone: str) -> Iterator[str]:
    """Every reason why ``spec`` in ``timezone`` is not a usable calendar, with its key path."""
    if not spec.workdays:
        yield "calendar.workdays is empty: the calendar would never open"
    if wrong := [day for day in spec.workdays if day not in range(1, 8)]:
        yield f"calendar.workdays: {wrong} are not ISO weekdays (1 = Monday ... 7 = Sunday)"
    yield from _hours_problems(spec.hours)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield f"unknown time zone {timezone!r}: use an IANA name such as 'Europe/Kyiv'"
    if spec.holiday_country is None:
        if spec.holiday_subdivision:
            yield "calendar.holiday_subdivision is set without calendar.holiday_country"
        return
    try:
        holidays.country_holidays(spec.holiday_country, subdiv=spec.holiday_subdivision)
    except NotImplementedError as exc:
        yield f"calendar.holiday_country/holiday_subdivision: the holidays package says {exc}"


CALENDAR_CLOCK = CalendarClock()
"""The one plain 24/7 clock (it has no state)."""


def clock_for(spec: CalendarSpec, kind: ClockKind, owner_timezone: str | None = None) -> Clock:
    """The clock a rule runs on, for one owner (cached: calendars are immutable).

    ``owner_timezone`` replaces ``spec.timezone`` only when ``spec.use_owner_timezone`` is set;
    holidays stay those of the spec's country, taken as local dates in the zone used.

    Raises:
        ValueError: as :class:`BusinessCalendar` does, for a business clock.
    """
    if kind is ClockKind.CALENDAR:
        return CALENDAR_CLOCK
    zone = owner_timezone if spec.use_owner_timezone and owner_timezone else spec.timezone
    return _business_calendar(spec, zone)


@functools.lru_cache(maxsize=1024)
def _business_calendar(spec: CalendarSpec, timezone: str) -> BusinessCalendar:
    return BusinessCalendar(spec, timezone)
