"""The ``[calendar]`` section: time zone, working days, opening hours, holidays."""

from __future__ import annotations

import difflib
import itertools
import re
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from pydantic import Field, PlainValidator, model_validator

from connector.config.errors import show, wrong_type
from connector.config.fields import Text, text
from connector.config.schema_base import Section, fail_at
from rules.ruleset import CalendarSpec

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")

Interval = tuple[time, time]


def timezone_name(value: object) -> str:
    """An IANA time zone name known to ``zoneinfo`` (``"Europe/Kyiv"``)."""
    raw = text(value)
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(raw, _zones(), n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"?' if close else 'an IANA name such as "Europe/Kyiv"'
        raise ValueError(f'unknown time zone "{raw}" ({hint})') from None
    return raw


@cache
def _zones() -> list[str]:
    return sorted(available_timezones())


def parse_workdays(value: object) -> tuple[int, ...]:
    """ISO weekdays from names (``"mon"``, ``"Monday"``) or numbers (1 = Monday … 7 = Sunday)."""
    if not isinstance(value, list):
        raise wrong_type(f'expected a list such as ["mon", "tue"], got {show(value)}')
    days: list[int] = []
    for item in value:
        day = _weekday(item)
        if day in days:
            raise ValueError(f"{show(item)} is listed twice")
        days.append(day)
    if not days:
        raise ValueError("must not be empty: list the working days")
    return tuple(sorted(days))


def _weekday(item: object) -> int:
    if isinstance(item, int) and not isinstance(item, bool):
        if 1 <= item <= 7:
            return item
        raise ValueError(f"{item} is not a weekday number (1 = Monday … 7 = Sunday)")
    name = text(item).strip().lower()
    for names in (_DAY_NAMES, _FULL_DAY_NAMES):
        if name in names:
            return names.index(name) + 1
    raise ValueError(f"{show(item)} is not a weekday (write mon, tue, wed, thu, fri, sat, sun)")


def parse_hours(value: object) -> tuple[Interval, ...]:
    """Opening intervals such as ``["09:00-13:00", "14:00-18:00"]``: sorted, none overlapping."""
    if not isinstance(value, list):
        raise wrong_type(f'expected a list such as ["09:00-18:00"], got {show(value)}')
    intervals = sorted((_interval(item), text(item)) for item in value)
    if not intervals:
        raise ValueError('must not be empty: write the opening hours, e.g. ["09:00-18:00"]')
    for (before, before_text), (after, after_text) in itertools.pairwise(intervals):
        if after[0] < before[1]:
            raise ValueError(f'"{after_text}" overlaps "{before_text}"')
    return tuple(interval for interval, _ in intervals)


def _interval(item: object) -> Interval:
    raw = text(item)
    match = _RANGE.fullmatch(raw)
    if match is None:
        raise ValueError(f'"{raw}" is not a time range (write "09:00-18:00")')
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
        raise ValueError(f'"{raw}" has an impossible time (00:00 to 23:59)')
    start, end = time(start_h, start_m), time(end_h, end_m)
    if end <= start:
        raise ValueError(f'"{raw}" ends before it starts (night shifts are not supported)')
    return start, end


def holiday_date(value: object) -> date:
    """A date, written bare (``2026-12-31``) or quoted (``"2026-12-31"``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{show(value)} is not a date (write 2026-12-31)")


def holiday_country(value: object) -> str:
    """A country the ``holidays`` package knows, in its spelling (``"ua"`` becomes ``"UA"``)."""
    raw = text(value)
    known = {code.upper(): code for code in holidays.list_supported_countries()}
    country = known.get(raw.strip().upper())
    if country is None:
        close = difflib.get_close_matches(raw.upper(), list(known), n=1, cutoff=0.5)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        raise ValueError(
            f'unknown holiday country "{raw}" ({hint}use an ISO 3166 code such as "UA", "US", "DE")'
        )
    return country


def _subdivisions(country: str) -> dict[str, str]:
    """The country's subdivisions by upper-cased code, in the ``holidays`` spelling."""
    codes: list[str] = holidays.list_supported_countries()[country]
    return {code.upper(): code for code in codes}


class HolidaysSection(Section):
    """``holidays = { country = "UA", subdivision = "..." }``: public holidays of a country."""

    country: Annotated[str, PlainValidator(holiday_country)]
    subdivision: Text | None = None

    @model_validator(mode="after")
    def _known_subdivision(self) -> Self:
        if self.subdivision is not None and self.canonical_subdivision is None:
            valid = ", ".join(_subdivisions(self.country).values()) or "none"
            raise fail_at(
                "subdivision",
                f'"{self.subdivision}" is not a subdivision of {self.country} (valid: {valid})',
            )
        return self

    @property
    def canonical_subdivision(self) -> str | None:
        """The subdivision in the ``holidays`` spelling, ``None`` if unset or unknown."""
        if self.subdivision is None:
            return None
        return _subdivisions(self.country).get(self.subdivision.strip().upper())


class CalendarSection(Section):
    """``[calendar]``: when the business clock runs."""

    timezone: Annotated[str, PlainValidator(timezone_name)] = "UTC"
    workdays: Annotated[tuple[int, ...], PlainValidator(parse_workdays)] = (1, 2, 3, 4, 5)
    hours: Annotated[tuple[Interval, ...], PlainValidator(parse_hours)] = ((time(9), time(17)),)
    holidays: HolidaysSection | None = None
    extra_holidays: list[Annotated[date, PlainValidator(holiday_date)]] = Field(
        default_factory=list
    )
    use_owner_timezone: bool = False

    def spec(self) -> CalendarSpec:
        """The calendar as the rules take it."""
        return CalendarSpec(
            timezone=self.timezone,
            workdays=self.workdays,
            hours=self.hours,
            holiday_country=self.holidays.country if self.holidays else None,
            holiday_subdivision=self.holidays.canonical_subdivision if self.holidays else None,
            extra_holidays=tuple(sorted(set(self.extra_holidays))),
            use_owner_timezone=self.use_owner_timezone,
        )
