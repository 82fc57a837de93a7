"""The CRM object types the emulator serves, as one table of specs (fact sheet §1, §2, §8, §14).

Paths accept the plural name, the singular name or the type id (``contacts``, ``contact``, ``0-1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ObjectType(StrEnum):
    """Object types served under ``/crm/v3/objects/{type}``."""

    CONTACTS = "contacts"
    COMPANIES = "companies"
    DEALS = "deals"
    TASKS = "tasks"


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """What differs between object types; everything else is shared code.

    Attributes:
        type: The plural path name.
        type_id: HubSpot's object type id (``0-1``).
        singular: The singular name (``contact``), as in ``associations.contact`` filters.
        created_property: Server-maintained creation date property.
        modified_property: Server-maintained modification date property (§14: contacts use
            ``lastmodifieddate``, the others ``hs_lastmodifieddate``).
        default_properties: Returned when a read names no properties (§2).
        scope_object: The ``crm.objects.{x}`` scope family; tasks use the contacts scopes (§8).
        schema_scope: The ``crm.schemas.{x}`` scope family for the properties API.
        text_search: Properties matched by the search ``query`` free text.
    """

    type: ObjectType
    type_id: str
    singular: str
    created_property: str
    modified_property: str
    default_properties: tuple[str, ...]
    scope_object: str
    schema_scope: str
    text_search: tuple[str, ...]


SPECS: dict[ObjectType, ObjectSpec] = {
    spec.type: spec
    for spec in (
        ObjectSpec(
            ObjectType.CONTACTS,
            "0-1",
            "contact",
            "createdate",
            "lastmodifieddate",
            ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
            "contacts",
            "contacts",
            ("email", "firstname", "lastname", "phone", "company"),
        ),
        ObjectSpec(
            ObjectType.COMPANIES,
            "0-2",
            "company",
            "createdate",
            "hs_lastmodifieddate",
            ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"),
            "companies",
            "companies",
            ("name", "domain", "website", "phone"),
        ),
        ObjectSpec(
            ObjectType.DEALS,
            "0-3",
            "deal",
            "createdate",
            "hs_lastmodifieddate",
            (
                "dealname",
                "amount",
                "closedate",
                "pipeline",
                "dealstage",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
            ),
            "deals",
            "deals",
            ("dealname",),
        ),
        ObjectSpec(
            ObjectType.TASKS,
            "0-27",
            "task",
            "hs_createdate",
            "hs_lastmodifieddate",
            ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
            "contacts",
            "contacts",
            ("hs_task_subject", "hs_task_body"),
        ),
    )
}

_ALIASES: dict[str, ObjectType] = {}
for _spec in SPECS.values():
    for _alias in (_spec.type.value, _spec.singular, _spec.type_id):
        _ALIASES[_alias] = _spec.type


def resolve_object_type(segment: str) -> ObjectType | None:
    """The object type a path segment names, or ``None`` when the emulator does not serve it."""
    return _ALIASES.get(segment.lower())
