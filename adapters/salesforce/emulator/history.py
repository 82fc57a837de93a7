"""Field history rows: LeadHistory for tracked fields, OpportunityHistory for stages (§12).

LeadHistory rows exist only for fields with history tracking on (``Behaviour.lead_history_fields``;
with Status untracked the connector must diff snapshots, §12). A tracked owner change is recorded
under ``Field = 'Owner'``, creation under ``'created'`` and conversion under ``'leadConverted'``.
OpportunityHistory is always on: a row on creation and whenever stage, amount or close date change.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .schema import FieldType
from .store import Row

if TYPE_CHECKING:
    from .org import Org

_OPPORTUNITY_TRACKED = ("StageName", "Amount", "CloseDate")
_DATA_TYPES = {
    FieldType.PICKLIST: "Picklist",
    FieldType.REFERENCE: "EntityId",
    FieldType.DATETIME: "DateTime",
    FieldType.DATE: "Date",
    FieldType.BOOLEAN: "Boolean",
    FieldType.DOUBLE: "Double",
    FieldType.CURRENCY: "Currency",
}


def lead_history_row(
    org: Org,
    lead_id: str,
    field: str,
    old: Any,
    new: Any,
    *,
    at: datetime,
    user: str | None = None,
    index: bool = True,
) -> None:
    """Store one LeadHistory row (seeds call this directly)."""
    definition = org.objects["Lead"].fields.get(field)
    data_type = "Text" if definition is None else _DATA_TYPES.get(definition.type, "Text")
    values = {
        "LeadId": lead_id,
        "Field": "Owner" if field == "OwnerId" else field,
        "DataType": data_type,
        "OldValue": old,
        "NewValue": new,
    }
    if user is not None:
        values["CreatedById"] = user
    org.insert_raw("LeadHistory", values, at, index=index)


def record_lead(org: Org, old: Row | None, new: Row, at: datetime, user: str) -> None:
    """History rows for a Lead create or update, for the tracked fields that changed."""
    tracked = [f for f in org.behaviour.lead_history_fields if f in org.objects["Lead"].fields]
    if not tracked:
        return
    if old is None:
        lead_history_row(org, new["Id"], "created", None, None, at=at, user=user)
        return
    for field in tracked:
        if old.get(field) != new.get(field):
            lead_history_row(
                org, new["Id"], field, old.get(field), new.get(field), at=at, user=user
            )


def opportunity_history_row(
    org: Org,
    new: Row,
    old: Row | None,
    at: datetime,
    user: str | None = None,
    *,
    index: bool = True,
) -> None:
    """Store one OpportunityHistory row with the opportunity's values after a change."""
    values = {
        "OpportunityId": new["Id"],
        "StageName": new.get("StageName"),
        "Amount": new.get("Amount"),
        "ExpectedRevenue": new.get("ExpectedRevenue"),
        "CloseDate": new.get("CloseDate"),
        "Probability": new.get("Probability"),
        "ForecastCategory": new.get("ForecastCategory"),
        "PrevAmount": None if old is None else old.get("Amount"),
        "PrevCloseDate": None if old is None else old.get("CloseDate"),
    }
    if user is not None:
        values["CreatedById"] = user
    org.insert_raw("OpportunityHistory", values, at, index=index)


def record_opportunity(org: Org, old: Row | None, new: Row, at: datetime, user: str) -> None:
    """An OpportunityHistory row on create, and when stage, amount or close date change."""
    if old is None or any(old.get(f) != new.get(f) for f in _OPPORTUNITY_TRACKED):
        opportunity_history_row(org, new, old, at, user)
