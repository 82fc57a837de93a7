"""Fields Salesforce computes on save: names, opportunity stage flags, task closure (§12).

Each function takes the row being saved (after the body was applied) and the previous row, and
fills the derived fields in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from .store import Row
from .timefmt import sf_datetime

if TYPE_CHECKING:
    from .org import Org


def _name(_: Org, row: Row, __: Row | None, ___: datetime) -> None:
    row["Name"] = " ".join(part for part in (row.get("FirstName"), row.get("LastName")) if part)


def _opportunity(org: Org, row: Row, old: Row | None, _: datetime) -> None:
    stage = next(
        (
            s
            for s in org.tables["OpportunityStage"].rows.values()
            if s["MasterLabel"] == row["StageName"]
        ),
        None,
    )
    if stage is not None:
        row["IsClosed"], row["IsWon"] = stage["IsClosed"], stage["IsWon"]
        row["ForecastCategory"] = stage["ForecastCategory"]
        row["ForecastCategoryName"] = stage["ForecastCategoryName"]
        stage_moved = old is None or old["StageName"] != row["StageName"]
        probability_given = old is None or old.get("Probability") != row.get("Probability")
        if row.get("Probability") is None or (stage_moved and not probability_given):
            row["Probability"] = stage["DefaultProbability"]
    amount, probability = row.get("Amount"), row.get("Probability")
    row["ExpectedRevenue"] = (
        None if amount is None or probability is None else amount * probability / 100
    )


def _task(org: Org, row: Row, old: Row | None, at: datetime) -> None:
    closed = {s["MasterLabel"] for s in org.tables["TaskStatus"].rows.values() if s["IsClosed"]}
    row["IsClosed"] = row["Status"] in closed
    row["IsHighPriority"] = row.get("Priority") == "High"
    if not row["IsClosed"]:
        row["CompletedDateTime"] = None
    elif old is None or not old["IsClosed"]:
        row["CompletedDateTime"] = sf_datetime(at)
    row["AccountId"] = _task_account(org, row)


def _task_account(org: Org, row: Row) -> str | None:
    who, what = row.get("WhoId"), row.get("WhatId")
    if who and who.startswith("003"):
        contact = org.tables["Contact"].get(who)
        if contact is not None and contact.get("AccountId"):
            return str(contact["AccountId"])
    if what and what.startswith("001"):
        return str(what)
    if what and what.startswith("006"):
        opportunity = org.tables["Opportunity"].get(what)
        return None if opportunity is None else opportunity.get("AccountId")
    return None


DERIVE: dict[str, Callable[[Org, Row, Row | None, datetime], None]] = {
    "Lead": _name,
    "Contact": _name,
    "User": _name,
    "Opportunity": _opportunity,
    "Task": _task,
}
