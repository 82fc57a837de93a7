"""Create, update, delete and upsert with Salesforce's save semantics (§4, §12, §14).

Every save sets the system fields (``CreatedDate``, ``LastModifiedDate``, ``SystemModstamp``,
``CreatedById``, ``LastModifiedById``), derives computed fields, runs the checks of
:mod:`.checks` and writes history rows. Deletes go to the Recycle Bin: the row stays readable
through queryAll with ``IsDeleted = true`` and a fresh ``SystemModstamp`` (§14), and the delete log
feeds ``/deleted/`` (§8). Callers hold ``org.lock``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import checks, ids
from .derive import DERIVE
from .errors import SalesforceError, bad_request, not_found
from .history import record_lead, record_opportunity
from .org import Org
from .schema import ObjectDef
from .store import Row
from .timefmt import sf_datetime
from .values import convert

_OWNED = frozenset({"Lead", "Contact", "Account", "Opportunity", "Task"})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who saves and when.

    Attributes:
        user: Id of the running user; ``None`` is the org's integration user.
        at: The save moment; ``None`` is the org clock.
        late_seconds: Keep the saved row invisible to queries this long (a late commit, F09).
    """

    user: str | None = None
    at: datetime | None = None
    late_seconds: float | None = None


def writable_object(org: Org, name: str) -> ObjectDef:
    """The object, if the API may write it; 404 for unknown objects, 400 for read-only ones."""
    try:
        obj = org.object(name)
    except SalesforceError as exc:
        raise not_found(org.behaviour.not_found_message) from exc
    if not obj.createable:
        raise bad_request(
            "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be inserted: {obj.label}"
        )
    return obj


def live_row(org: Org, obj: ObjectDef, record_id: str, *, deleted_error: bool = False) -> Row:
    """The live row with that id.

    Raises:
        SalesforceError: 404 ``NOT_FOUND`` for unknown and deleted ids (§4); with
            ``deleted_error``, 400 ``ENTITY_IS_DELETED`` for deleted ones (collections, §11).
    """
    normal = ids.normalize(record_id)
    row = None if normal is None else org.tables[obj.name].get(normal)
    if row is not None and row["IsDeleted"] and deleted_error:
        raise bad_request("ENTITY_IS_DELETED", "entity is deleted", [])
    if row is None or row["IsDeleted"]:
        raise not_found(org.behaviour.not_found_message)
    return row


def create(org: Org, name: str, body: dict[str, Any], actor: Actor | None = None) -> Row:
    """Insert a record from an API body.

    Raises:
        SalesforceError: the first problem found, in Salesforce's code and status.
    """
    actor = actor or Actor()
    obj = writable_object(org, name)
    values = convert(obj, body, creating=True)
    at, user = actor.at or org.now(), actor.user or org.integration_user_id
    row: Row = obj.blank()
    if obj.name in _OWNED and values.get("OwnerId") is None:
        values["OwnerId"] = user
    row.update(values)
    row.update(org.system_values(obj, at, user))
    row["Id"] = org.new_id(obj.key_prefix)
    _save(org, obj, None, row, given=values, actor=actor)
    return row


def update(
    org: Org,
    name: str,
    record_id: str,
    body: dict[str, Any],
    actor: Actor | None = None,
    *,
    deleted_error: bool = False,
) -> Row:
    """Change a live record from an API body; history follows the tracked fields."""
    actor = actor or Actor()
    obj = writable_object(org, name)
    old = live_row(org, obj, record_id, deleted_error=deleted_error)
    checks.check_not_converted(org, obj, old)
    values = convert(obj, body, creating=False)
    at, user = actor.at or org.now(), actor.user or org.integration_user_id
    row = {**old, **values}
    row["LastModifiedDate"] = row["SystemModstamp"] = sf_datetime(at)
    row["LastModifiedById"] = user
    _save(org, obj, old, row, given=values, actor=actor)
    return row


def delete(
    org: Org, name: str, record_id: str, actor: Actor | None = None, *, deleted_error: bool = False
) -> Row:
    """Move a record to the Recycle Bin (§4: 204; §14: queryAll shows it deleted)."""
    actor = actor or Actor()
    obj = writable_object(org, name)
    old = live_row(org, obj, record_id, deleted_error=deleted_error)
    at = actor.at or org.now()
    return soft_delete(org, obj, old, at=at, user=actor.user or org.integration_user_id)


def automation_touch(org: Org, name: str, record_id: str, actor: Actor | None = None) -> Row:
    """A change by automation (a trigger, a flow): ``SystemModstamp`` moves, ``LastModifiedDate``
    does not (§12: SystemModstamp >= LastModifiedDate; §18.4)."""
    actor = actor or Actor()
    obj = org.object(name)
    old = live_row(org, obj, record_id)
    row = {**old, "SystemModstamp": sf_datetime(actor.at or org.now())}
    org.tables[obj.name].put(row)
    return row


def soft_delete(
    org: Org, obj: ObjectDef, old: Row, *, at: datetime, user: str, master: str | None = None
) -> Row:
    """Mark a row deleted now, optionally as the loser of a merge into ``master`` (§14)."""
    stamp = sf_datetime(at)
    row = {**old, "IsDeleted": True, "LastModifiedDate": stamp, "SystemModstamp": stamp}
    row["LastModifiedById"] = user
    if master is not None:
        row["MasterRecordId"] = master
    table = org.tables[obj.name]
    table.put(row)
    table.deleted_at[row["Id"]] = stamp
    return row


def upsert(
    org: Org,
    name: str,
    field: str,
    value: str,
    body: dict[str, Any],
    *,
    actor: Actor | None = None,
    update_only: bool = False,
    version: str = "59.0",
) -> tuple[Row, bool]:
    """Create or update by External ID (§4); returns the row and whether it was created.

    Raises:
        SalesforceError: 404 if ``field`` is not an External ID (or ``Id``), 300 when several
            rows match (nothing is written), 400 if the body repeats the key, 404 with
            ``updateOnly`` and no match.
    """
    obj = writable_object(org, name)
    definition = obj.field(field)
    if definition is None or not (definition.external_id or definition.name == "Id"):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {field}")
    if definition.name == "Id":
        return create(org, name, body, actor), True
    if any(key.lower() in (definition.name.lower(), "id") for key in body):
        raise bad_request(
            "INVALID_FIELD",
            f"Unable to create/update fields: {definition.name}. The value is in the URL.",
            [definition.name],
        )
    matches = org.tables[obj.name].find(definition.name, value)
    if len(matches) > 1:
        urls = [f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in matches]
        raise SalesforceError(300, "MULTIPLE_CHOICES", ", ".join(urls), body=urls)
    if matches:
        return update(org, name, matches[0], body, actor), False
    if update_only:
        raise not_found(org.behaviour.not_found_message)
    return create(org, name, {**body, definition.name: value}, actor), True


def _save(
    org: Org, obj: ObjectDef, old: Row | None, row: Row, *, given: dict[str, Any], actor: Actor
) -> None:
    at, user = actor.at or org.now(), actor.user or org.integration_user_id
    derive = DERIVE.get(obj.name)
    if derive is not None:
        derive(org, row, old, at)
    checks.check_required(obj, row)
    checks.check_references(org, obj, row, given)
    checks.check_unique(org, obj, row)
    checks.check_rules(org, obj, row)
    table = org.tables[obj.name]
    table.put(row)
    if actor.late_seconds:
        table.hidden[row["Id"]] = org.now() + timedelta(seconds=actor.late_seconds)
    if obj.name == "Lead":
        record_lead(org, old, row, at, user)
    elif obj.name == "Opportunity":
        record_opportunity(org, old, row, at, user)
