"""Create, update, upsert, archive, merge and GDPR delete with HubSpot's server-side effects.

Facts followed (fact sheet §2, §3, §8, §10, §11, §19.4): unknown or read-only properties are
rejected; ``""`` clears; ``hs_object_id``, the create date and the modified date are
server-maintained; stage dates and property history follow every change; archiving leaves the
modified date alone; a merge lists the loser in ``hs_merged_object_ids`` and makes it unreadable. A
write that changes nothing keeps the modified date (so a client's no-op rewrite does not look like a
new change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .associations import TYPES, AssociationType
from .errors import Category, ErrorDetail, HubSpotError, not_found, validation
from .objects import ObjectType
from .portal import Portal, Source
from .records import HistoryEntry, Record
from .stages import dealstage_changes, lifecycle_changes, task_status_changes
from .timefmt import iso_ms
from .values import validate_properties

AssociationInput = tuple[AssociationType, int]


def find(portal: Portal, obj: ObjectType, id_text: str, id_property: str | None = None) -> Record:
    """The live record named by an id or by a unique property value (``idProperty``, §2).

    Raises:
        HubSpotError: 400 when ``idProperty`` is not unique, 404 when nothing matches.
    """
    store = portal.stores[obj]
    if id_property and id_property != "hs_object_id":
        if id_property not in store.unique:
            raise validation(f"Property {id_property!r} is not a unique property.")
        record = store.find_unique(id_property, id_text)
        if record is None:
            raise not_found()
        return record
    if not id_text.isdigit():
        raise not_found()
    return portal.record(obj, int(id_text))


def parse_associations(portal: Portal, obj: ObjectType, raw: object) -> list[AssociationInput]:
    """Validate a create's inline ``associations`` (§2, §8): known type ids, live targets."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise validation("'associations' must be a list.")
    found: list[AssociationInput] = []
    for item in raw:
        to_id = str((item.get("to") or {}).get("id", "")) if isinstance(item, dict) else ""
        types = item.get("types") if isinstance(item, dict) else None
        if not to_id.isdigit() or not isinstance(types, list) or not types:
            raise validation("Each association needs 'to.id' and at least one of 'types'.")
        for spec in types:
            kind = (
                TYPES.get(int(spec.get("associationTypeId", -1)))
                if isinstance(spec, dict)
                else None
            )
            if kind is None or kind.source != obj:
                raise validation(f"Invalid association type {spec!r} for {obj.value}.")
            if portal.stores[kind.target].live(int(to_id)) is None:
                raise validation(f"Association target {kind.target.value} {to_id} does not exist.")
            found.append((kind, int(to_id)))
    return found


def create(
    portal: Portal,
    obj: ObjectType,
    raw: Mapping[str, Any],
    associations: Sequence[AssociationInput] = (),
    source: Source | None = None,
) -> Record:
    """Create a record (validated), with its stage dates, history and associations."""
    with portal.lock:
        values = validate_properties(portal.registries[obj], raw, portal.dynamic_options)
        _check_object_rules(portal, obj, None, values)
        _check_unique(portal, obj, None, values)
        now = portal.now_ms()
        record = Record(portal.allocate_id(), {}, now, now)
        spec = portal.stores[obj].spec
        record.props["hs_object_id"] = str(record.id)
        record.props[spec.created_property] = iso_ms(now)
        _apply(portal, obj, record, values, source=source or portal.api_source, now=now, new=True)
        portal.stores[obj].add(record)
        for kind, target_id in associations:
            portal.associations.add(kind, record.id, target_id)
        return record


def update(
    portal: Portal,
    obj: ObjectType,
    record: Record,
    raw: Mapping[str, Any],
    source: Source | None = None,
    *,
    allow_read_only: bool = False,
) -> Record:
    """Update a live record; unchanged values are no-ops and keep the modified date."""
    with portal.lock:
        values = validate_properties(
            portal.registries[obj], raw, portal.dynamic_options, allow_read_only=allow_read_only
        )
        _check_object_rules(portal, obj, record, values)
        _check_unique(portal, obj, record, values)
        _apply(
            portal,
            obj,
            record,
            values,
            source=source or portal.api_source,
            now=portal.now_ms(),
            new=False,
        )
        return record


def upsert(
    portal: Portal, obj: ObjectType, id_text: str, id_property: str | None, raw: Mapping[str, Any]
) -> tuple[Record, bool]:
    """Update the record a unique value names, else create it with that value; ``(record, new)``."""
    with portal.lock:
        try:
            return update(portal, obj, find(portal, obj, id_text, id_property), raw), False
        except HubSpotError as exc:
            if exc.status != 404:
                raise
        values = dict(raw)
        if id_property and id_property != "hs_object_id":
            values.setdefault(id_property, id_text)
        return create(portal, obj, values), True


def archive(portal: Portal, obj: ObjectType, record: Record) -> None:
    """Archive: sets ``archivedAt`` only; the modified date is untouched (§11)."""
    with portal.lock:
        portal.stores[obj].archive(record, portal.now_ms())


def merge(portal: Portal, obj: ObjectType, primary_id: str, loser_id: str) -> Record:
    """Merge ``loser_id`` into ``primary_id`` and return the survivor (§11).

    The primary keeps its values and takes the loser's where it has none; associations move to the
    survivor; the loser becomes unreadable. With ``merge_mints_new_id`` the survivor gets a new id.
    """
    with portal.lock:
        if primary_id == loser_id:
            raise validation("Cannot merge an object with itself.")
        primary, loser = find(portal, obj, primary_id), find(portal, obj, loser_id)
        merged = [*_merged_ids(primary), *_merged_ids(loser), str(loser.id)]
        if len(merged) >= 250:
            raise HubSpotError(
                414, Category.VALIDATION_ERROR, "Cannot have more than 250 identities on a profile"
            )
        registry, store = portal.registries[obj], portal.stores[obj]
        fill = {
            name: value
            for name, value in loser.props.items()
            if value
            and not primary.props.get(name)
            and (p := registry.live(name))
            and not p.read_only_value
        }
        portal.associations.move(obj, loser.id, primary.id)
        store.remove(loser)
        if portal.behaviour.merge_mints_new_id:
            merged.append(str(primary.id))
            primary = _reissue(portal, obj, primary)
        derived = {"hs_merged_object_ids": ";".join(merged)}
        if obj is ObjectType.CONTACTS:
            derived["hs_calculated_merged_vids"] = ";".join(merged)
        now = portal.now_ms()
        _apply(
            portal, obj, primary, {**fill, **derived}, source=portal.api_source, now=now, new=False
        )
        return primary


def gdpr_delete(portal: Portal, obj: ObjectType, id_text: str, id_property: str | None) -> None:
    """Permanently delete a record (§11)."""
    with portal.lock:
        portal.stores[obj].remove(find(portal, obj, id_text, id_property))


def _reissue(portal: Portal, obj: ObjectType, old: Record) -> Record:
    store = portal.stores[obj]
    record = Record(portal.allocate_id(), dict(old.props), old.created_ms, old.updated_ms)
    record.history = {name: list(entries) for name, entries in old.history.items()}
    record.props["hs_object_id"] = str(record.id)
    portal.associations.move(obj, old.id, record.id)
    store.remove(old)
    store.add(record)
    return record


def _merged_ids(record: Record) -> list[str]:
    text = record.props.get("hs_merged_object_ids", "")
    return [part for part in text.split(";") if part]


def _check_object_rules(
    portal: Portal, obj: ObjectType, record: Record | None, values: dict[str, str]
) -> None:
    """Per-object rules: tasks need ``hs_timestamp`` (§8); a deal stage is in its pipeline (§7)."""
    if obj is ObjectType.TASKS and record is None and not values.get("hs_timestamp"):
        raise validation(
            "Property values were not valid: hs_timestamp is required.",
            ErrorDetail(
                "hs_timestamp is required", "REQUIRED_PROPERTY", {"propertyName": ["hs_timestamp"]}
            ),
        )
    if obj is ObjectType.DEALS and values.get("dealstage"):
        current = record.props if record is not None else {}
        pipeline_id = values.get("pipeline") or current.get("pipeline") or "default"
        values.setdefault("pipeline", pipeline_id)
        pipeline = portal.pipelines.get(pipeline_id)
        if pipeline is None or pipeline.stage(values["dealstage"]) is None:
            raise validation(
                f"Deal stage {values['dealstage']!r} is not in pipeline {pipeline_id!r}.",
                ErrorDetail(
                    "Invalid deal stage", "INVALID_OPTION", {"propertyName": ["dealstage"]}
                ),
            )


def _check_unique(
    portal: Portal, obj: ObjectType, record: Record | None, values: dict[str, str]
) -> None:
    store = portal.stores[obj]
    for name in store.unique:
        value = values.get(name)
        other = store.find_unique(name, value) if value else None
        if other is not None and (record is None or other.id != record.id):
            label = store.spec.singular.capitalize()
            raise HubSpotError(
                409, Category.CONFLICT, f"{label} already exists. Existing ID: {other.id}"
            )


def _derived(
    portal: Portal, obj: ObjectType, record: Record, values: dict[str, str], now_iso: str
) -> dict[str, str]:
    derived: dict[str, str] = {}
    if "lifecyclestage" in values:
        order = [o.value for o in portal.registries[obj].get("lifecyclestage").options]
        derived |= lifecycle_changes(
            order,
            record.props,
            values["lifecyclestage"],
            now_iso,
            forward_only=portal.behaviour.forward_only_lifecycle,
        )
    if "dealstage" in values:
        pipeline = portal.pipelines[
            values.get("pipeline") or record.props.get("pipeline", "default")
        ]
        derived |= dealstage_changes(pipeline, record.props, values["dealstage"], now_iso)
    if "hs_task_status" in values:
        derived |= task_status_changes(record.props, values["hs_task_status"], now_iso)
    return derived


def _apply(
    portal: Portal,
    obj: ObjectType,
    record: Record,
    values: dict[str, str],
    *,
    source: Source,
    now: int,
    new: bool,
) -> None:
    """Write changed and derived values, with history, unique indexes and the modified date."""
    changes = {k: v for k, v in values.items() if record.props.get(k, "") != v or (new and v)}
    if not changes and not new:
        return
    now_iso = iso_ms(now)
    changes |= _derived(portal, obj, record, changes, now_iso)
    store = portal.stores[obj]
    calculated = Source("CALCULATED")
    for name, value in changes.items():
        old = record.props.get(name)
        record.props[name] = value
        origin = source if name in values else calculated
        entry = HistoryEntry(value, now, origin.type, origin.id, origin.user_id)
        record.history.setdefault(name, []).append(entry)
        if name in store.unique:
            store.set_unique(record, name, old, value)
    record.props[store.spec.modified_property] = now_iso
    if obj is ObjectType.CONTACTS and portal.behaviour.contacts_hs_lastmodifieddate:
        record.props["hs_lastmodifieddate"] = now_iso
    if new:
        record.updated_ms = now
    else:
        store.touch(record, now)
