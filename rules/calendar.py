"""Business calendar: SLA clocks that only run while the business is open.

STUB — being implemented (see the brief). The public interface below is the contract.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from rules.ruleset import CalendarSpec, ClockKind


class Clock(Protocol):
    """Adds and measures durations on one clock (business time or plain calendar time)."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...
    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...
    def is_open(self, t: datetime) -> bool: ...
    def next_open(self, t: datetime) -> datetime: ...


class BusinessCalendar:
    """Open time according to a :class:`CalendarSpec`, in ``timezone`` (default: the spec's)."""

    def __init__(self, spec: CalendarSpec, timezone: str | None = None) -> None:
        raise NotImplementedError

    def add(self, start: datetime, duration: timedelta) -> datetime:
        raise NotImplementedError

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        raise NotImplementedError

    def is_open(self, t: datetime) -> bool:
        raise NotImplementedError

    def next_open(self, t: datetime) -> datetime:
        raise NotImplementedError


def clock_for(spec: CalendarSpec, kind: ClockKind, owner_timezone: str | None = None) -> Clock:
    """The clock a rule runs on, for one owner (cached: calendars are immutable)."""
    raise NotImplementedError
