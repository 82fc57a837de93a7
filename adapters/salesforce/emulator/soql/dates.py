"""Relative date literals (``TODAY``, ``LAST_N_DAYS:30``) as half-open day ranges.

Each literal names a range of whole days ``[start, end)`` relative to today in the running user's
time zone; the emulator's users all query in UTC. Weeks start on Sunday (en_US locale).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

DayRange = tuple[date, date]


def _week_start(today: date) -> date:
    return today - timedelta(days=(today.weekday() + 1) % 7)


def _month(today: date, shift: int) -> DayRange:
    index = today.year * 12 + today.month - 1 + shift
    start = date(index // 12, index % 12 + 1, 1)
    following = index + 1
    return start, date(following // 12, following % 12 + 1, 1)


def _days(start: int, end: int) -> Callable[[date, int], DayRange]:
    return lambda today, _: (today + timedelta(days=start), today + timedelta(days=end))


def _weeks(shift: int) -> Callable[[date, int], DayRange]:
    def span(today: date, _: int) -> DayRange:
        start = _week_start(today) + timedelta(weeks=shift)
        return start, start + timedelta(weeks=1)

    return span


_ONE = timedelta(days=1)
KEYWORDS: dict[str, Callable[[date, int], DayRange]] = {
    "TODAY": _days(0, 1),
    "YESTERDAY": _days(-1, 0),
    "TOMORROW": _days(1, 2),
    "LAST_WEEK": _weeks(-1),
    "THIS_WEEK": _weeks(0),
    "NEXT_WEEK": _weeks(1),
    "LAST_MONTH": lambda today, _: _month(today, -1),
    "THIS_MONTH": lambda today, _: _month(today, 0),
    "NEXT_MONTH": lambda today, _: _month(today, 1),
    "THIS_YEAR": lambda today, _: (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
    "LAST_90_DAYS": _days(-90, 1),
    "NEXT_90_DAYS": _days(1, 91),
    "LAST_N_DAYS": lambda today, n: (today - timedelta(days=n), today + _ONE),
    "NEXT_N_DAYS": lambda today, n: (today + _ONE, today + timedelta(days=n + 1)),
    "N_DAYS_AGO": lambda today, n: (today - timedelta(days=n), today - timedelta(days=n - 1)),
}
NEEDS_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})


def day_range(name: str, n: int | None, today: date) -> DayRange:
    """The ``[start, end)`` days a literal covers on ``today``."""
    return KEYWORDS[name](today, n or 0)
