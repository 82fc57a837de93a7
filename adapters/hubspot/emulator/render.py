"""JSON shapes of records, properties and groups, as HubSpot sends them (fact sheet §2, §5, §10).

Projection is requested ∩ defined; a defined-but-unset property is ``null``; unknown requested names
are ignored; with no request the object type's default properties are returned (§2, §19.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .associations import TYPES
from .errors import JsonDict
from .objects import ObjectType
from .portal import Portal
from .records import HistoryEntry, Record
from .schema import PropertyDef, PropertyGroup, PropertyRegistry
from .timefmt import iso_ms


def projection(
    registry: PropertyRegistry, requested: Sequence[str] | None, defaults: Sequence[str]
) -> list[str]:
    """Names to return: requested ∩ defined (deduplicated), or the defaults when none requested."""
    if not requested:
        return [name for name in defaults if registry.live(name) is not None]
    seen: dict[str, None] = {}
    for name in requested:
        if name not in seen and registry.live(name) is not None:
            seen[name] = None
    return list(seen)


def history_json(record: Record, name: str) -> list[JsonDict]:
    """Versions of one property, newest first (§10; the order is UNCONFIRMED, newest is likely)."""
    entries = record.history.get(name)
    if not entries:
        value = record.props.get(name)
        if value is None:
            return []
        entries = [HistoryEntry(value, record.created_ms, "CALCULATED")]
    out: list[JsonDict] = []
    for entry in reversed(entries):
        item: JsonDict = {
            "value": entry.value,
            "timestamp": iso_ms(entry.timestamp_ms),
            "sourceType": entry.source_type,
        }
        if entry.source_id is not None:
            item["sourceId"] = entry.source_id
        if entry.updated_by_user_id is not None:
            item["updatedByUserId"] = entry.updated_by_user_id
        out.append(item)
    return out


def record_json(
    record: Record,
    names: Sequence[str],
    history: Sequence[str] = (),
    associations: JsonDict | None = None,
    trace_id: str | None = None,
) -> JsonDict:
    """A ``SimplePublicObject`` (all values strings or ``null``)."""
    props = record.props
    body: JsonDict = {
        "id": str(record.id),
        "properties": {name: props.get(name) for name in names},
        "createdAt": iso_ms(record.created_ms),
        "updatedAt": iso_ms(record.updated_ms),
        "archived": record.archived,
    }
    if record.archived_ms is not None:
        body["archivedAt"] = iso_ms(record.archived_ms)
    if history:
        body["propertiesWithHistory"] = {name: history_json(record, name) for name in history}
    if associations is not None:
        body["associations"] = associations
    if trace_id is not None:
        body["objectWriteTraceId"] = trace_id
    return body


def v3_associations(
    portal: Portal, obj: ObjectType, record_id: int, targets: Iterable[ObjectType]
) -> JsonDict:
    """The v3 ``associations`` of a read: ``{"deals": {"results": [{"id", "type"}]}}`` (§2)."""
    block: JsonDict = {}
    for target in targets:
        results = [
            {"id": str(target_id), "type": TYPES[type_id].name}
            for target_id, kinds in portal.associations.targets(obj, target, record_id).items()
            if portal.stores[target].live(target_id) is not None
            for type_id in sorted(kinds)
        ]
        if results:
            block[target.value] = {"results": results}
    return block


def property_json(prop: PropertyDef, options: Sequence[tuple[str, str]] | None = None) -> JsonDict:
    """A ``Property`` (§5), with the modification metadata that marks read-only values."""
    rendered = (
        [
            {
                "label": o.label,
                "value": o.value,
                "displayOrder": o.display_order,
                "hidden": o.hidden,
            }
            | ({"description": o.description} if o.description else {})
            for o in prop.options
        ]
        if options is None
        else [
            {"label": label, "value": value, "displayOrder": index, "hidden": False}
            for index, (value, label) in enumerate(options)
        ]
    )
    return {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type.value,
        "fieldType": prop.field_type,
        "groupName": prop.group_name,
        "description": prop.description,
        "options": rendered,
        "calculated": prop.calculated,
        "externalOptions": prop.name == "hubspot_owner_id",
        "hasUniqueValue": prop.has_unique_value,
        "hidden": prop.hidden,
        "hubspotDefined": prop.hubspot_defined,
        "modificationMetadata": {
            "archivable": not prop.hubspot_defined,
            "readOnlyDefinition": prop.hubspot_defined,
            "readOnlyValue": prop.read_only_value,
        },
        "formField": prop.form_field,
        "displayOrder": prop.display_order,
        "createdAt": iso_ms(prop.created_ms),
        "updatedAt": iso_ms(prop.updated_ms),
        "archived": prop.archived,
    }


def group_json(group: PropertyGroup) -> JsonDict:
    """A ``PropertyGroup``."""
    return {
        "name": group.name,
        "label": group.label,
        "displayOrder": group.display_order,
        "archived": group.archived,
    }
