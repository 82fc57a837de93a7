"""Status history and sales activities of contacts, read in as few calls as HubSpot allows.

For N contacts with T associated tasks: ceil(N/50) batch reads with ``propertiesWithHistory``
(hubspot-api.md §3: 50 with history), ceil(N/1,000) v4 association reads (§9) and ceil(T/100)
task batch reads (§3). Search is not used: it carries no history (§4) and lags behind writes.

- **Status history**: ``hs_lead_status`` versions (§10). HubSpot likely lists them newest first,
  which is UNCONFIRMED, so they are sorted by timestamp here; ``""`` clears the status.
- **Activities**: the contact's tasks, except ours (those carrying a key in
  ``settings.task_key_property``): our follow-ups are not sales touches. The kind comes from
  ``hs_task_type``; ``at`` is the completion date, else ``hs_timestamp`` (the due date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from adapters.hubspot.batches import TASKS, JsonDict, associated_ids, read_objects, unique
from adapters.hubspot.client import HubSpotClient
from adapters.hubspot.settings import HubSpotSettings
from rules.model import Activity, ActivityKind, ObjectType, Person, StageEntry

LEAD_STATUS: Final = "hs_lead_status"
TASK_PROPERTIES: Final = (
    "hs_task_status",
    "hs_task_type",
    "hs_timestamp",
    "hs_task_completion_date",
    "hubspot_owner_id",
)
ACTIVITY_KINDS: Final[Mapping[str, ActivityKind]] = {
    "CALL": ActivityKind.CALL,
    "EMAIL": ActivityKind.EMAIL,
    "MEETING": ActivityKind.MEETING,
}
"""``hs_task_type`` values that name a kind of touch; any other type is a plain task (§8)."""


def enrich_people(
    client: HubSpotClient,
    settings: HubSpotSettings,
    object_type: ObjectType,
    people: Sequence[Person],
) -> list[Person]:
    """``people`` with ``status_history`` and ``activities`` read from HubSpot, in the same order.

    People HubSpot no longer has (archived, merged) are returned unchanged. Only contacts have
    a lead status and tasks in HubSpot; other object types are returned unchanged.

    Raises:
        SmarketingError: As the client maps HubSpot's failures (after its retries).
    """
    if object_type is not ObjectType.CONTACT or not people:
        return list(people)
    ids = unique(person.id for person in people)
    histories = read_status_histories(client, ids)
    activities = read_activities(client, settings, ids)
    return [
        replace(person, status_history=histories[person.id], activities=activities[person.id])
        if person.id in histories
        else person
        for person in people
    ]


def read_status_histories(
    client: HubSpotClient, ids: Sequence[str]
) -> dict[str, tuple[StageEntry, ...]]:
    """The ``hs_lead_status`` stays of each contact HubSpot returned, oldest first."""
    records = read_objects(client, "contacts", ids, [LEAD_STATUS], history=[LEAD_STATUS])
    histories: dict[str, tuple[StageEntry, ...]] = {}
    for record in records:
        versions = (record.get("propertiesWithHistory") or {}).get(LEAD_STATUS)
        histories[str(record["id"])] = status_history(versions)
    return histories


def status_history(versions: Iterable[Mapping[str, Any]] | None) -> tuple[StageEntry, ...]:
    """Stays from property versions in any order: each lasts until the next different value.

    Versions with one timestamp keep HubSpot's order between them, read as newest first.
    Repeated values extend a stay; ``""`` or ``null`` ends it without starting another.
    """
    timed: list[tuple[datetime, int, str]] = []
    for position, version in enumerate(versions or ()):
        at = parse_instant(version.get("timestamp"))
        if at is not None:
            timed.append((at, -position, str(version.get("value") or "")))
    stays: list[StageEntry] = []
    for at, _, value in sorted(timed):
        current = stays[-1] if stays and stays[-1].exited_at is None else None
        if current is not None and current.value == value:
            continue
        if current is not None:
            stays[-1] = replace(current, exited_at=at)
        if value:
            stays.append(StageEntry(value, at))
    return tuple(stays)


def read_activities(
    client: HubSpotClient, settings: HubSpotSettings, ids: Sequence[str]
) -> dict[str, tuple[Activity, ...]]:
    """Each contact's tasks that are not ours, as activities sorted by time."""
    links = associated_ids(client, "contacts", TASKS, ids)
    task_ids = unique(task for tasks in links.values() for task in tasks)
    properties = [*TASK_PROPERTIES, settings.task_key_property]
    tasks = {str(t["id"]): t for t in read_objects(client, TASKS, task_ids, properties)}
    found: dict[str, tuple[Activity, ...]] = {}
    for contact_id in ids:
        touches = [
            activity
            for task_id in links.get(contact_id, ())
            if task_id in tasks
            and (activity := to_activity(tasks[task_id], settings.task_key_property)) is not None
        ]
        found[contact_id] = tuple(sorted(touches, key=lambda activity: activity.at))
    return found


def to_activity(task: JsonDict, key_property: str) -> Activity | None:
    """The activity a task stands for; ``None`` for our own tasks and tasks without a time."""
    props: Mapping[str, Any] = task.get("properties") or {}
    if props.get(key_property):
        return None
    completed = props.get("hs_task_status") == "COMPLETED"
    at = parse_instant(props.get("hs_task_completion_date")) if completed else None
    at = at or parse_instant(props.get("hs_timestamp"))
    if at is None:
        return None
    kind = ACTIVITY_KINDS.get(str(props.get("hs_task_type") or ""), ActivityKind.TASK)
    owner = props.get("hubspot_owner_id") or None
    return Activity(kind=kind, at=at, owner_id=owner, completed=completed)


def parse_instant(value: object) -> datetime | None:
    """An aware datetime from HubSpot's ISO-8601 (``…Z``) or epoch-ms text (§2); else ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo is not None else None
