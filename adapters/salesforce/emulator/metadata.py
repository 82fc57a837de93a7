"""Org set-up data: status tables, the picklists that follow them, business hours, holidays (§12).

LeadStatus, OpportunityStage and TaskStatus are queryable tables in Salesforce and the source of the
Lead ``Status``, Opportunity ``StageName`` and Task ``Status`` picklists; setting them here keeps
both views in step, so describe and SOQL agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from typing import TYPE_CHECKING

from .catalog import LEAD_STATUSES, OPPORTUNITY_STAGES, TASK_STATUSES
from .schema import PicklistValue
from .timefmt import sf_date, sf_time

if TYPE_CHECKING:
    from .org import Org


@dataclass(frozen=True, slots=True)
class LeadStatusSpec:
    """One LeadStatus: ``converted`` marks the status conversion sets (§12)."""

    label: str
    converted: bool = False
    default: bool = False


@dataclass(frozen=True, slots=True)
class StageSpec:
    """One OpportunityStage (§12)."""

    label: str
    probability: int
    forecast: str
    closed: bool = False
    won: bool = False


_FORECAST_NAMES = {
    "Pipeline": "Pipeline",
    "BestCase": "Best Case",
    "Forecast": "Commit",
    "Closed": "Closed",
    "Omitted": "Omitted",
}
DEFAULT_STAGES = tuple(
    StageSpec(label, probability, forecast, closed, won)
    for label, probability, forecast, closed, won in zip(
        OPPORTUNITY_STAGES,
        (10, 10, 20, 50, 60, 70, 75, 90, 100, 0),
        (*(["Pipeline"] * 6), "Pipeline", "Pipeline", "Closed", "Omitted"),
        (*([False] * 8), True, True),
        (*([False] * 8), True, False),
        strict=True,
    )
)
"""Salesforce's default sales process (§12: UNCONFIRMED as an exact list)."""


def _set_picklist(
    org: Org, object_name: str, field: str, values: Sequence[str], default: str | None
) -> None:
    obj = org.object(object_name)
    old = obj.fields[field]
    entries = tuple(PicklistValue(v, v, True, v == default) for v in values)
    obj.put(replace(old, picklist=entries, default=default if old.createable else None))


def _replace_rows(org: Org, object_name: str, rows: Sequence[Mapping[str, object]]) -> None:
    table = org.table(object_name)
    for record_id in list(table.rows):
        table.purge(record_id)
    for order, values in enumerate(rows, start=1):
        label = values["MasterLabel"]
        org.insert_raw(object_name, {"ApiName": label, "SortOrder": order, **values})


def set_lead_statuses(org: Org, specs: Sequence[LeadStatusSpec]) -> None:
    """Replace the org's lead statuses; exactly one must be the default."""
    defaults = [s.label for s in specs if s.default]
    if len(defaults) != 1:
        raise ValueError(f"exactly one default lead status is needed, got {defaults}")
    with org.lock:
        rows = [
            {"MasterLabel": s.label, "IsDefault": s.default, "IsConverted": s.converted}
            for s in specs
        ]
        _replace_rows(org, "LeadStatus", rows)
        _set_picklist(org, "Lead", "Status", [s.label for s in specs], defaults[0])


def set_opportunity_stages(org: Org, specs: Sequence[StageSpec]) -> None:
    """Replace the org's opportunity stages."""
    with org.lock:
        rows = [
            {
                "MasterLabel": s.label,
                "IsActive": True,
                "IsClosed": s.closed,
                "IsWon": s.won,
                "DefaultProbability": float(s.probability),
                "ForecastCategory": s.forecast,
                "ForecastCategoryName": _FORECAST_NAMES[s.forecast],
            }
            for s in specs
        ]
        _replace_rows(org, "OpportunityStage", rows)
        _set_picklist(org, "Opportunity", "StageName", [s.label for s in specs], None)


def set_task_statuses(org: Org, labels: Sequence[str], closed: str = "Completed") -> None:
    """Replace the task statuses; the first is the default, ``closed`` the closed one."""
    with org.lock:
        rows = [
            {"MasterLabel": label, "IsDefault": index == 0, "IsClosed": label == closed}
            for index, label in enumerate(labels)
        ]
        _replace_rows(org, "TaskStatus", rows)
        _set_picklist(org, "Task", "Status", labels, labels[0])


def set_business_hours(
    org: Org,
    zone: str,
    hours: Mapping[str, tuple[time, time] | None],
    name: str = "Default",
) -> None:
    """Replace the org's default BusinessHours; a day missing or ``None`` is closed (§12)."""
    values: dict[str, object] = {"Name": name, "IsActive": True, "IsDefault": True}
    values["TimeZoneSidKey"] = zone
    for day, span in hours.items():
        if span is not None:
            values[f"{day}StartTime"], values[f"{day}EndTime"] = sf_time(span[0]), sf_time(span[1])
    with org.lock:
        table = org.table("BusinessHours")
        for record_id in list(table.rows):
            table.purge(record_id)
        org.insert_raw("BusinessHours", values)


def add_holiday(org: Org, name: str, day: date) -> None:
    """An all-day Holiday that suspends business hours on ``day`` (§12)."""
    with org.lock:
        org.insert_raw("Holiday", {"Name": name, "ActivityDate": sf_date(day), "IsAllDay": True})


def install_defaults(org: Org) -> None:
    """Classic statuses and stages, and 24-hour business hours, as a new org has them."""
    set_lead_statuses(
        org,
        [
            LeadStatusSpec(label, label == "Closed - Converted", index == 0)
            for index, label in enumerate(LEAD_STATUSES)
        ],
    )
    set_opportunity_stages(org, DEFAULT_STAGES)
    set_task_statuses(org, TASK_STATUSES)
    day = (time(0, 0), time(0, 0))
    set_business_hours(
        org,
        "GMT",
        dict.fromkeys(
            ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), day
        ),
    )
