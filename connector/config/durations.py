"""Durations as marketing ops write them: ``"30m"``, ``"4 business hours"``, ``"PT4H"``.

A duration has a fixed part (minutes and hours) and a day part. A day's length depends on the clock
the rule runs on: 24 hours on the calendar clock, one business day (``CalendarSpec.business_day``,
e.g. 9 hours for 09:00-18:00) on the business clock. So parsing keeps the day count apart and
:meth:`Duration.to_timedelta` resolves it once the calendar is known.

The words ``business`` and ``calendar`` name the clock (``"4 business hours"``); without them the
duration takes the clock of the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from rules.ruleset import ClockKind

EXAMPLES = '(try "4h", "30m", "2 business days")'

_MINUTES = {"m", "min", "mins", "minute", "minutes"}
_HOURS = {"h", "hr", "hrs", "hour", "hours"}
_DAYS = {"d", "day", "days"}

# One term of a duration: a number, an optional clock word, a unit ("4 business hours", "30m").
_TERM = re.compile(
    r"\s*(?P<number>[+-]?\d+(?:\.\d+)?)\s*(?:(?P<clock>business|calendar)\s+)?(?P<unit>[a-z]+)"
    r"\s*(?:,|\band\b)?"
)
_ISO = re.compile(
    r"P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?)?"
)
_NUMBER_WORDS = frozenset(
    {"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
    | {"eleven", "twelve", "half"}
)
# Far beyond any SLA; keeps timedelta arithmetic clear of overflow.
_MAX_AMOUNT = 100_000


class DurationError(ValueError):
    """The text is not a duration; the message quotes it and says what to write instead."""


@dataclass(frozen=True, slots=True)
class Duration:
    """A parsed duration whose day part is resolved against a clock later.

    Attributes:
        text: The text as written, quoted back in error messages.
        days: How many days (business days on the business clock).
        fixed: The minutes-and-hours part, the same on every clock.
        clock: The clock the text names (``"4 business hours"``), or ``None``.
    """

    text: str
    days: float = 0.0
    fixed: timedelta = timedelta()
    clock: ClockKind | None = None

    def to_timedelta(self, clock: ClockKind, business_day: timedelta) -> timedelta:
        """The length of this duration on ``clock``.

        Args:
            clock: The clock the rule runs on.
            business_day: The open time of one working day of the rule's calendar.

        Returns:
            ``fixed`` plus ``days`` business days (business clock) or 24-hour days (calendar).
        """
        day = business_day if clock is ClockKind.BUSINESS else timedelta(days=1)
        return self.fixed + day * self.days

    @property
    def is_zero(self) -> bool:
        """Whether the duration is zero on every clock."""
        return self.days == 0 and not self.fixed


def parse_duration(text: str, *, allow_zero: bool = False) -> Duration:
    """Parse a duration written in words or ISO-8601.

    Args:
        text: ``"30m"``, ``"4h"``, ``"90 minutes"``, ``"1.5 hours"``, ``"2d"``, ``"1h 30m"``,
            ``"4 business hours"``, ``"2 business days"``, ``"PT4H"``, ``"P1DT2H"``.
        allow_zero: Accept a zero duration (meaningful for a grace period, not for an SLA).

    Returns:
        The parsed :class:`Duration`.

    Raises:
        DurationError: The text is empty, in words, negative, zero, mixes clocks or is not a
            duration; the message quotes ``text``.
    """
    cleaned = text.strip()
    if cleaned[:1] in {"P", "p"}:
        duration = _parse_iso(text, cleaned.upper())
    else:
        duration = _parse_terms(text, cleaned.lower())
    if duration.is_zero and not allow_zero:
        raise DurationError(f'"{text}" is zero: give a length such as "4h"')
    return duration


def _parse_terms(text: str, cleaned: str) -> Duration:
    words = cleaned.split()
    if words and words[0] in _NUMBER_WORDS:
        raise DurationError(f'"{text}" is not a duration: write the number in digits {EXAMPLES}')
    if not cleaned:
        raise DurationError(f'"{text}" is not a duration {EXAMPLES}')
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", cleaned):
        raise DurationError(f'"{text}" has no unit {EXAMPLES}')
    days, fixed, position = 0.0, timedelta(), 0
    clocks: set[ClockKind] = set()
    while position < len(cleaned):
        match = _TERM.match(cleaned, position)
        if match is None or match.end() == position:
            raise DurationError(f'"{text}" is not a duration {EXAMPLES}')
        amount = _amount(text, match["number"])
        unit = match["unit"]
        if unit in _DAYS:
            days += amount
        elif unit in _HOURS:
            fixed += timedelta(hours=amount)
        elif unit in _MINUTES:
            fixed += timedelta(minutes=amount)
        else:
            raise DurationError(f'"{text}" is not a duration {EXAMPLES}')
        if match["clock"]:
            clocks.add(ClockKind(match["clock"]))
        position = match.end()
    if len(clocks) > 1:
        raise DurationError(f'"{text}" mixes business and calendar time: pick one')
    return Duration(text=text, days=days, fixed=fixed, clock=clocks.pop() if clocks else None)


def _parse_iso(text: str, cleaned: str) -> Duration:
    match = _ISO.fullmatch(cleaned)
    if match is None or cleaned in {"P", "PT"}:
        raise DurationError(f'"{text}" is not a duration {EXAMPLES}')
    hours = _amount(text, match["hours"] or "0")
    minutes = _amount(text, match["minutes"] or "0")
    return Duration(
        text=text,
        days=_amount(text, match["days"] or "0"),
        fixed=timedelta(hours=hours, minutes=minutes),
    )


def _amount(text: str, number: str) -> float:
    amount = float(number)
    if amount < 0:
        raise DurationError(f'"{text}" is negative: a duration must be positive')
    if amount > _MAX_AMOUNT:
        raise DurationError(f'"{text}" is too long')
    return amount
