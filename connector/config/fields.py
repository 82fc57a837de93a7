"""Validated value types shared by the config sections.

Each validator takes the raw TOML value and either returns the typed value or raises
``ValueError`` with the message the user sees (pydantic adds the key path). They are attached with
``Annotated[..., PlainValidator(...)]`` so the messages are ours, not pydantic's.
"""

from __future__ import annotations

import difflib
import math
import re
import string
from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import PlainValidator

from connector.config.durations import EXAMPLES, Duration, parse_duration
from connector.config.errors import show, wrong_type
from rules.model import ActivityKind, LeadStatus, Stage
from rules.ruleset import ClockKind, ScoreGroup, TaskPriority, TouchKind

E = TypeVar("E", bound=StrEnum)

_PROPERTY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
# A Salesforce API name: a letter, then letters, digits and single underscores; a custom field
# ends in __c and may carry a managed package's namespace (ns__Score__c).
_SF_WORD = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
_SALESFORCE_FIELD = re.compile(rf"(?:{_SF_WORD}__)?{_SF_WORD}__c|{_SF_WORD}")
_PLACEHOLDER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def unknown_choice(noun: str, value: str, valid: Sequence[str]) -> str:
    """``unknown stage "mqll" (did you mean "mql"? valid: subscriber, lead, ...)``."""
    close = difflib.get_close_matches(value.lower(), valid, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return f'unknown {noun} "{value}" ({hint}valid: {", ".join(valid)})'


def text(value: object) -> str:
    """A string, as written (quoted in TOML)."""
    if not isinstance(value, str):
        raise wrong_type(f"expected text in quotes, got {show(value)}")
    return value


def choice(enum: type[E], noun: str) -> Callable[[object], E]:
    """A validator accepting the values of ``enum`` in any letter case."""
    valid = [member.value for member in enum]

    def validate(value: object) -> E:
        raw = text(value)
        if raw.strip().lower() in valid:
            return enum(raw.strip().lower())
        raise ValueError(unknown_choice(noun, raw, valid))

    return validate


def name(value: object) -> str:
    """A rule name: non-empty, without surrounding blanks (it keys tasks in the CRM)."""
    raw = text(value)
    if not raw.strip():
        raise ValueError("must not be empty")
    if raw != raw.strip():
        raise ValueError(f"{show(raw)} has blanks at the start or end")
    return raw


def property_name(value: object) -> str:
    """A CRM property's internal name (``jobtitle``, ``Industry``, ``Rating__c``)."""
    raw = text(value)
    if not _PROPERTY_NAME.fullmatch(raw):
        raise ValueError(
            f'{show(raw)} is not a property name: write its internal name, e.g. "jobtitle"'
        )
    return raw


def salesforce_field(value: object) -> str:
    """A Salesforce field's API name (``Status``, ``Lifecycle_Stage__c``), not its label."""
    raw = text(value)
    if not _SALESFORCE_FIELD.fullmatch(raw):
        raise ValueError(
            f"{show(raw)} is not a Salesforce field API name: write it like"
            ' "Lifecycle_Stage__c" (a letter, then letters, digits and single underscores;'
            " custom fields end in __c)"
        )
    return raw


def template(value: object) -> str:
    """Task text whose ``{placeholders}`` name record fields."""
    raw = text(value)
    try:
        fields = [part[1] for part in string.Formatter().parse(raw) if part[1] is not None]
    except ValueError:
        fields = None
    if fields is None or not all(_PLACEHOLDER.fullmatch(field) for field in fields):
        raise ValueError(
            f"{show(raw)} has a broken placeholder: write {{field}}, e.g. {{email}}"
            " (double a literal brace: {{)"
        )
    return raw


def subject(value: object) -> str:
    """A task subject: a non-empty template."""
    raw = template(value)
    if not raw.strip():
        raise ValueError("must not be empty: the task needs a subject")
    return raw


def _duration_text(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise wrong_type(f"{show(value)} has no unit: write it in quotes with one {EXAMPLES}")
    return text(value)


def rule_duration(value: object) -> Duration:
    """A positive duration whose day part follows the rule's clock."""
    return parse_duration(_duration_text(value))


def grace_duration(value: object) -> Duration:
    """Like :func:`rule_duration` but zero is allowed (a reason is due at once)."""
    return parse_duration(_duration_text(value), allow_zero=True)


def wall_clock_duration(value: object) -> timedelta:
    """A duration on the wall clock, at least a minute (how often the daemon syncs)."""
    duration = parse_duration(_duration_text(value))
    if duration.clock is ClockKind.BUSINESS:
        raise ValueError(f"{show(duration.text)}: this runs on the wall clock, not business hours")
    length = duration.to_timedelta(ClockKind.CALENDAR, timedelta(days=1))
    if length < timedelta(minutes=1):
        raise ValueError(f"{show(duration.text)} is too short: at least 1 minute")
    return length


def half_life_days(value: object) -> float:
    """Days (a number) or a calendar duration (``"14 days"``, ``"36h"``), as days."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{show(value)} days: a half-life must be a positive number")
        return float(value)
    duration = parse_duration(text(value))
    if duration.clock is ClockKind.BUSINESS:
        raise ValueError(f"{show(duration.text)}: decay runs on calendar time, write days")
    return duration.to_timedelta(ClockKind.CALENDAR, timedelta(days=1)) / timedelta(days=1)


def http_url(value: object) -> str:
    """An ``http(s)://host`` URL (a local emulator may be plain http)."""
    raw = text(value)
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f'{show(raw)} is not a URL: write it as "https://host"')
    return raw


def https_url(value: object) -> str:
    """An ``https://host`` URL (credentials travel to it, so never plain http)."""
    raw = text(value)
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f'{show(raw)} is not an https URL: write it as "https://host"')
    return raw


def share(value: object) -> float:
    """A share of a whole, above 0 and at most 1: ``0.8`` or ``"80%"``."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            number = float(value.strip()[:-1]) / 100
        except ValueError:
            number = math.nan
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        number = math.nan
    if not (math.isfinite(number) and 0 < number <= 1):
        raise ValueError(f'{show(value)} is not a share: write a number above 0 up to 1, or "80%"')
    return number


Text = Annotated[str, PlainValidator(text)]
Name = Annotated[str, PlainValidator(name)]
PropertyName = Annotated[str, PlainValidator(property_name)]
Template = Annotated[str, PlainValidator(template)]
Subject = Annotated[str, PlainValidator(subject)]
HttpUrl = Annotated[str, PlainValidator(http_url)]
HttpsUrl = Annotated[str, PlainValidator(https_url)]
SalesforceField = Annotated[str, PlainValidator(salesforce_field)]
Share = Annotated[float, PlainValidator(share)]
RuleDuration = Annotated[Duration, PlainValidator(rule_duration)]
GraceDuration = Annotated[Duration, PlainValidator(grace_duration)]
WallClockDuration = Annotated[timedelta, PlainValidator(wall_clock_duration)]
HalfLifeDays = Annotated[float, PlainValidator(half_life_days)]
StageName = Annotated[Stage, PlainValidator(choice(Stage, "stage"))]
StatusName = Annotated[LeadStatus, PlainValidator(choice(LeadStatus, "lead status"))]
ClockName = Annotated[ClockKind, PlainValidator(choice(ClockKind, "clock"))]
PriorityName = Annotated[TaskPriority, PlainValidator(choice(TaskPriority, "priority"))]
GroupName = Annotated[ScoreGroup, PlainValidator(choice(ScoreGroup, "scoring group"))]
TouchKindName = Annotated[TouchKind, PlainValidator(choice(TouchKind, "touch kind"))]
ActivityName = Annotated[ActivityKind, PlainValidator(choice(ActivityKind, "activity"))]
