"""Write actions back to Salesforce: one outcome per action, each effect exactly once.

- **Field updates** are grouped per record into one collection record with all its fields and sent
  by ``PATCH /composite/sobjects`` (§5: at most 200 records per call, one API call each,
  ``allOrNone: false``), Leads, Contacts and Opportunities mixed, sorted by type so that a call
  holds few type chunks (§5: at most 10). N updates on M records cost ceil(M / 200) calls. Our
  property names become the org's field names through :func:`~.owned.field_names`, and values are
  converted by the field's type (:func:`convert_value`); a value that cannot be valid is rejected
  without a call (failure-modes R9). Setting values is idempotent, so the client's retry policy
  may repeat an update call. Upsert by External ID (§5) would add nothing here: the connector
  never creates Leads, Contacts or Opportunities, and an update by ``Id`` is already idempotent.
- **Tasks** are the only records the connector creates, and Task may refuse an External ID field
  (§0.4), so they are created and closed by a key of our own (:mod:`adapters.salesforce.tasks`).
- **Daily allocation** (§10, failure-modes R6): once the org's use reaches
  ``settings.stop_writes_at`` of its allocation, every action is deferred (retry later, the reason
  naming the share) without a call. When Salesforce refuses a call with
  ``REQUEST_LIMIT_EXCEEDED``, or the rate budget's stop share is reached mid-run, nothing more is
  sent and every action not yet done is retried later with that reason.
- **Outcomes** follow :mod:`adapters.salesforce.outcomes`; a reason names the record, the property
  and its field, or the task key.

Errors: a refused session and a field or object the org lacks are raised (fatal: no later action
of the run could succeed); what is already applied is found again by the next run (field writes
repeat harmlessly, Tasks are found by key). Record errors become outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from adapters.base.protocol import (
    Action,
    ActionOutcome,
    OutcomeStatus,
    PropertyType,
    PropertyUpdate,
    TaskClose,
    TaskCreate,
)
from adapters.base.values import aware_instant, finite_number
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.outcomes import (
    COLLECTIONS,
    Item,
    JsonDict,
    Run,
    Verdict,
    collection_body,
    send_items,
    short,
)
from adapters.salesforce.owned import field_names
from adapters.salesforce.schema import SHAPES
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.tasks import close_tasks, create_tasks, sf_instant
from rules.model import ObjectType

SOBJECTS: Final[Mapping[ObjectType, str]] = {
    ObjectType.LEAD: "Lead",
    ObjectType.CONTACT: "Contact",
    ObjectType.DEAL: "Opportunity",
}
"""The sObject of each record type we write to."""

JsonValue = str | int | float | None


def apply_actions(
    client: SalesforceClient, settings: SalesforceSettings, actions: Sequence[Action]
) -> list[ActionOutcome]:
    """Send ``actions`` and return one outcome per action, in the same order.

    Raises:
        FatalError: The session was refused, or the org lacks a field or object we write.
    """
    deferred = deferral(client, settings)
    if deferred is not None:
        return [ActionOutcome(a.key, OutcomeStatus.RETRY_LATER, reason=deferred) for a in actions]
    run = Run(client, settings)
    updates = [(i, a) for i, a in enumerate(actions) if isinstance(a, PropertyUpdate)]
    verdicts = update_fields(run, updates)
    creates = [a for a in actions if isinstance(a, TaskCreate)]
    closes = [a for a in actions if isinstance(a, TaskClose)]
    # Creates go first, so a close in the same apply finds a Task created moments before.
    by_key = create_tasks(run, creates)
    by_key |= close_tasks(run, closes)
    for index, action in enumerate(actions):
        if not isinstance(action, PropertyUpdate):
            verdicts[index] = by_key[action.key]
    return [
        ActionOutcome(action.key, verdicts[i].status, verdicts[i].crm_id, verdicts[i].reason)
        for i, action in enumerate(actions)
    ]


def deferral(client: SalesforceClient, settings: SalesforceSettings) -> str | None:
    """Why writes wait once the org's daily use reaches the write share (§10, R6); else ``None``."""
    if not client.should_pause_writes():
        return None
    daily = client.daily
    used = f"{daily[0]:,} of {daily[1]:,} ({daily[0] / daily[1]:.0%})" if daily else "most"
    return (
        f"deferred: {used} of the org's daily Salesforce API allocation is used, at or above the "
        f"{settings.stop_writes_at:.0%} share up to which this connector writes; writes resume as "
        "the rolling 24-hour count falls (salesforce-api.md §10), and the calls left go to reads "
        "and to other apps"
    )


def convert_value(value: str, kind: PropertyType) -> JsonValue:
    """The JSON value Salesforce gets for a field of type ``kind``; ``""`` clears it (null).

    Numbers go as JSON numbers (§12), datetimes as UTC ISO-8601 with ``Z`` (§1).

    Raises:
        ValueError: The value cannot be valid for the type.
    """
    if value == "":
        return None
    if kind is PropertyType.NUMBER:
        number = finite_number(value)
        return int(number) if number.is_integer() else number
    if kind is PropertyType.DATETIME:
        moment = aware_instant(value)
        return sf_instant(moment)
    return value


@dataclass(slots=True)
class RecordWrite:
    """The fields written to one record, and the updates (by index and field) they came from."""

    sobject: str
    record_id: str
    fields: dict[str, JsonValue] = field(default_factory=dict)
    updates: list[tuple[int, PropertyUpdate, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.sobject} {self.record_id}"

    def record(self) -> JsonDict:
        """The collection record (§5: ``attributes.type`` and ``id``)."""
        return {"attributes": {"type": self.sobject}, "id": self.record_id, **self.fields}


def group_updates(
    updates: Sequence[tuple[int, PropertyUpdate]], names: Mapping[str, str]
) -> tuple[list[RecordWrite], dict[int, Verdict]]:
    """One write per record with all its fields, sorted by object; and the updates rejected here.

    Args:
        updates: The property updates with their index among the actions.
        names: Our property names → the org's field names (:func:`~.owned.field_names`).

    When one property is updated twice, the later value wins and both updates share its outcome.
    """
    writes: dict[tuple[str, str], RecordWrite] = {}
    rejected: dict[int, Verdict] = {}
    for index, update in updates:
        where = f"{update.record_type} {update.record_id}, property {update.property}"
        sobject, field_name = SOBJECTS.get(update.record_type), names.get(update.property)
        if sobject is None or field_name is None:
            what = "no object" if sobject is None else "no field mapped to this property"
            rejected[index] = _rejected(f"{where}: Salesforce has {what}")
            continue
        kind = SHAPES[update.property].kind if update.property in SHAPES else PropertyType.STRING
        try:
            value = convert_value(update.value, kind)
        except ValueError as exc:
            rejected[index] = _rejected(f"{where} ({field_name}): not a valid {kind} value: {exc}")
            continue
        write = writes.setdefault(
            (sobject, update.record_id), RecordWrite(sobject, update.record_id)
        )
        write.fields[field_name] = value
        write.updates.append((index, update, field_name))
    return sorted(writes.values(), key=lambda w: w.sobject), rejected


def update_fields(run: Run, updates: Sequence[tuple[int, PropertyUpdate]]) -> dict[int, Verdict]:
    """Update the records by collection calls and give each update (by index) its verdict."""
    if not updates:
        return {}
    writes, verdicts = group_updates(updates, field_names(run.settings))
    items = [Item(w.name, w.name, w.record()) for w in writes]
    by_record = send_items(run, items, lambda chunk: _patch(run, chunk))
    for write in writes:
        for index, update, field_name in write.updates:
            verdicts[index] = for_field(write, update.property, field_name, by_record[write.name])
    return verdicts


def _patch(run: Run, chunk: Sequence[Item]) -> Any:
    return run.client.rest(
        "PATCH", COLLECTIONS, json=collection_body(chunk), label="update composite/sobjects"
    )


def for_field(write: RecordWrite, prop: str, field_name: str, verdict: Verdict) -> Verdict:
    """The verdict of one property of a record's write, with a reason naming both.

    Salesforce saves a record's fields together or not at all; when its error names the fields at
    fault, the others are retried later rather than rejected with them.
    """
    if verdict.status is OutcomeStatus.DONE:
        return Verdict(OutcomeStatus.DONE)  # crm_id is for tasks (ActionOutcome)
    where = f"property {prop} ({field_name}) of"
    blamed = [f for f in write.fields if f.lower() in {b.lower() for b in verdict.fields}]
    if verdict.status is OutcomeStatus.REJECTED and blamed and field_name not in blamed:
        reason = (
            f"{where} {write.name}: not applied because Salesforce refused {', '.join(blamed)} "
            "in the same update; it will be sent again"
        )
        return Verdict(OutcomeStatus.RETRY_LATER, reason=short(reason))
    reason = f"{where} {verdict.reason or write.name}"
    return Verdict(verdict.status, reason=short(reason), code=verdict.code, fields=verdict.fields)


def _rejected(reason: str) -> Verdict:
    return Verdict(OutcomeStatus.REJECTED, reason=short(reason))
