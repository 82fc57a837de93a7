"""Small builders of records, owners and rules for the unit tests.

Every builder takes keyword overrides, so a test states only what it is about. The defaults
describe one HubSpot-like portal: rep ``rep-1`` (managed by ``mgr-1``) owns an MQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from rules.calendar import Clock
from rules.model import Activity, ActivityKind, LeadStatus, Owner, Person, Stage, StageEntry
from rules.ruleset import (
    CalendarSpec,
    ClockKind,
    RejectionRule,
    Ruleset,
    SlaRule,
    StageMap,
)
from rules.templates import OwnerContext

KYIV = ZoneInfo("Europe/Kyiv")

STAGE_MAP = StageMap(
    lifecycle={
        "subscriber": Stage.SUBSCRIBER,
        "lead": Stage.LEAD,
        "marketingqualifiedlead": Stage.MQL,
        "salesqualifiedlead": Stage.SQL,
        "opportunity": Stage.OPPORTUNITY,
        "customer": Stage.CUSTOMER,
    },
    lead_status={
        "NEW": LeadStatus.NEW,
        "ATTEMPTED_TO_CONTACT": LeadStatus.ATTEMPTING,
        "CONNECTED": LeadStatus.CONNECTED,
        "OPEN_DEAL": LeadStatus.QUALIFIED,
        "UNQUALIFIED": LeadStatus.DISQUALIFIED,
        "BAD_TIMING": LeadStatus.RECYCLED,
    },
    stage_date_properties={
        "marketingqualifiedlead": "hs_v2_date_entered_marketingqualifiedlead",
        "salesqualifiedlead": "hs_v2_date_entered_salesqualifiedlead",
    },
)
"""HubSpot's default lifecycle stages and lead statuses."""

KYIV_HOURS = CalendarSpec(timezone="Europe/Kyiv", hours=((time(9), time(18)),))
"""Monday to Friday, 09:00-18:00 in Kyiv, no holidays."""


def kyiv(day: int, hour: int, minute: int = 0, *, month: int = 1, year: int = 2024) -> datetime:
    """A Kyiv local time; January 2024 by default (the 12th is a Friday, the 15th a Monday)."""
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


def utc(day: int, hour: int, minute: int = 0, *, month: int = 1, year: int = 2024) -> datetime:
    """A UTC time; January 2024 by default (the 15th is a Monday)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def entry(value: str, entered_at: datetime, exited_at: datetime | None = None) -> StageEntry:
    return StageEntry(value, entered_at, exited_at)


def activity(
    at: datetime,
    kind: ActivityKind = ActivityKind.CALL,
    *,
    owner_id: str | None = "rep-1",
    completed: bool = True,
) -> Activity:
    return Activity(kind=kind, at=at, owner_id=owner_id, completed=completed)


def person(**overrides: Any) -> Person:
    """An owned MQL with an email and a company; ``entered`` adds an open MQL history entry."""
    entered: datetime | None = overrides.pop("entered", None)
    values: dict[str, Any] = {
        "id": "101",
        "owner_id": "rep-1",
        "email": "ann@example.com",
        "company": "Acme",
        "source": "paid_search",
        "lifecycle": "marketingqualifiedlead",
    }
    if entered is not None:
        values["stage_history"] = (entry("marketingqualifiedlead", entered),)
    values.update(overrides)
    return Person(**values)


def owner(owner_id: str, **overrides: Any) -> Owner:
    return replace(Owner(id=owner_id, name=owner_id.replace("-", " ").title()), **overrides)


OWNERS: Mapping[str, Owner] = {
    "rep-1": owner("rep-1", name="Rita Rep", manager_id="mgr-1"),
    "rep-2": owner("rep-2", name="Ray Rep"),
    "mgr-1": owner("mgr-1", name="Mona Manager"),
}


def sla_rule(**overrides: Any) -> SlaRule:
    """The first-touch SLA on MQLs: 4 business hours."""
    values: dict[str, Any] = {
        "name": "mql-first-touch",
        "stage": Stage.MQL,
        "within": timedelta(hours=4),
    }
    values.update(overrides)
    return SlaRule(**values)


def rejection_rule(**overrides: Any) -> RejectionRule:
    """Disqualified leads need a reason in ``rejection_reason`` within 24 hours."""
    values: dict[str, Any] = {
        "name": "reason-required",
        "statuses": (LeadStatus.DISQUALIFIED,),
        "reason_field": "rejection_reason",
    }
    values.update(overrides)
    return RejectionRule(**values)


def ruleset(**overrides: Any) -> Ruleset:
    values: dict[str, Any] = {"stage_map": STAGE_MAP, "calendar": KYIV_HOURS}
    values.update(overrides)
    return Ruleset(**values)


class WallClock:
    """Plain elapsed time, always open: a stand-in for the calendar clock in pure SLA tests."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return end - start

    def is_open(self, t: datetime) -> bool:
        return True

    def next_open(self, t: datetime) -> datetime:
        return t


def context(
    owner_id: str | None = "rep-1",
    *,
    clock: Clock | None = None,
    zone: tzinfo = KYIV,
    escalate_to: str | None = "mgr-1",
    note: str = "",
) -> OwnerContext:
    """An owner context whose clocks of both kinds are ``clock`` (a :class:`WallClock`)."""
    chosen = clock if clock is not None else WallClock()
    return OwnerContext(
        owner_id=owner_id,
        owner_name="Rita Rep",
        escalate_to=escalate_to,
        escalation_note=note,
        zone=zone,
        clocks={ClockKind.BUSINESS: chosen, ClockKind.CALENDAR: chosen},
    )
