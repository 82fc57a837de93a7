"""Save-time checks after the body was converted: required, unique, references, org rules (§11).

Codes: ``REQUIRED_FIELD_MISSING``, ``DUPLICATE_VALUE``, ``INVALID_CROSS_REFERENCE_KEY``,
``ENTITY_IS_DELETED``, ``FIELD_CUSTOM_VALIDATION_EXCEPTION`` (§11; its body shape is UNCONFIRMED:
``fields: []``) and ``FIELD_INTEGRITY_EXCEPTION`` for a Task related to something while its
``WhoId`` is a Lead (§12, UNCONFIRMED; a switch).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import SalesforceError, bad_request
from .schema import FieldType, ObjectDef
from .store import Row

if TYPE_CHECKING:
    from .org import Org

VALIDATION_MESSAGE = "A rejection reason is required when a lead is disqualified."


def check_required(obj: ObjectDef, row: Row) -> None:
    """400 ``REQUIRED_FIELD_MISSING`` listing every missing required field."""
    missing = [f.name for f in obj.fields.values() if f.required and row.get(f.name) is None]
    if missing:
        raise bad_request(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )


def check_unique(org: Org, obj: ObjectDef, row: Row) -> None:
    """400 ``DUPLICATE_VALUE`` when a Unique field's value is taken by another live row."""
    table = org.tables[obj.name]
    for definition in obj.fields.values():
        value = row.get(definition.name)
        if not definition.unique or value is None:
            continue
        others = [i for i in table.find(definition.name, str(value)) if i != row["Id"]]
        if others:
            raise bad_request(
                "DUPLICATE_VALUE",
                f"duplicate value found: {definition.name} duplicates value on record with id: "
                f"{others[0]}",
                [definition.name],
            )


def check_references(org: Org, obj: ObjectDef, row: Row, names: Iterable[str]) -> None:
    """Each reference among ``names`` must point at a live row of one of its target objects."""
    for name in names:
        definition = obj.fields[name]
        value = row.get(name)
        if definition.type is not FieldType.REFERENCE or value is None:
            continue
        targets = [org.tables[t] for t in definition.reference_to if t in org.tables]
        table = next((t for t in targets if t.obj.key_prefix == value[:3]), None)
        target = None if table is None else table.get(value)
        if target is None:
            raise bad_request(
                "INVALID_CROSS_REFERENCE_KEY",
                f"{definition.label or name}: id value of incorrect type: {value}",
                [name],
            )
        if target["IsDeleted"]:
            raise bad_request("ENTITY_IS_DELETED", "entity is deleted", [])


def check_rules(org: Org, obj: ObjectDef, row: Row) -> None:
    """The org's own rules: the disqualification reason rule and the Task WhoId/WhatId rule."""
    behaviour = org.behaviour
    if (
        obj.name == "Lead"
        and behaviour.validation_rule
        and behaviour.reason_field in obj.fields
        and row.get("Status") in behaviour.rejected_statuses
        and not row.get(behaviour.reason_field)
    ):
        raise SalesforceError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", VALIDATION_MESSAGE, [])
    if (
        obj.name == "Task"
        and behaviour.task_lead_forbids_what
        and str(row.get("WhoId") or "").startswith("00Q")
        and row.get("WhatId")
    ):
        raise bad_request(
            "FIELD_INTEGRITY_EXCEPTION",
            "Related To ID: must be empty when Name ID is a lead",
            ["WhatId"],
        )


def check_not_converted(org: Org, obj: ObjectDef, row: Row) -> None:
    """Converted leads are read-only (§14; the code name is UNCONFIRMED)."""
    if obj.name == "Lead" and row.get("IsConverted") and org.behaviour.converted_lead_read_only:
        raise bad_request("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", [])
