"""Write actions back to HubSpot: one outcome per action, each effect exactly once.

- **Property updates** are grouped per record into one input with all its properties and sent by
  batch update, at most 100 records per call (hubspot-api.md §3), contacts and deals apart:
  N updates on M records of one type cost ceil(M/100) calls. Values are converted by property
  type first; a value that cannot be valid is rejected without a call (failure-modes R9). Batch
  updates set values, so the retry policy may repeat them safely.
- **Tasks** are created and closed by key (:mod:`adapters.hubspot.tasks`).
- **Daily allocation**: once the account's daily use passes the rate budget's write share
  (failure-modes R6), every action is deferred (retry later) without a call.
- **Outcomes** follow :mod:`adapters.hubspot.outcomes`: what HubSpot applied is done and never
  sent again; refused inputs are rejected or retried later with a reason naming the record and
  property, or the task key.

Errors: fatal ones (token refused, missing scopes, daily quota, configuration) are raised, since
no later action of the run could succeed; what is already applied is found again by the next run
(property writes repeat harmlessly, tasks are found by key). Record errors become outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

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
from adapters.hubspot.batches import RECORD_OBJECTS, JsonDict
from adapters.hubspot.client import API, HubSpotClient
from adapters.hubspot.outcomes import Item, Run, Verdict, send_items, trace_or_id, update_sender
from adapters.hubspot.settings import HubSpotSettings
from adapters.hubspot.tasks import close_tasks, create_tasks, iso_instant
from rules.model import ObjectType

OWNED_TYPES: Final[Mapping[str, PropertyType]] = {
    "smarketing_score": PropertyType.NUMBER,
    "smarketing_score_explanation": PropertyType.STRING,
    "smarketing_sla_status": PropertyType.STRING,
    "smarketing_sla_due": PropertyType.DATETIME,
}
"""Types of the properties the connector owns; any other property is written as a string."""

Ref = tuple[ObjectType, str]


def apply_actions(
    client: HubSpotClient,
    settings: HubSpotSettings,
    actions: Sequence[Action],
    *,
    types: Mapping[str, PropertyType] = OWNED_TYPES,
) -> list[ActionOutcome]:
    """Send ``actions`` and return one outcome per action, in the same order.

    Args:
        client: The HubSpot client (budget, retries, error mapping, call counts).
        settings: The task key property among others.
        actions: Property updates, task creates and task closes, in any mix.
        types: Property types for value conversion, by property name.

    Returns:
        ``outcomes[i]`` is the outcome of ``actions[i]``.

    Raises:
        FatalError: The token was refused, scopes are missing, the daily quota is used up or the
            CRM setup is wrong.
    """
    deferred = _deferral(client)
    if deferred is not None:
        return [ActionOutcome(a.key, OutcomeStatus.RETRY_LATER, reason=deferred) for a in actions]
    run = Run(client, settings)
    verdicts: dict[int, Verdict] = {}
    updates = [(i, a) for i, a in enumerate(actions) if isinstance(a, PropertyUpdate)]
    verdicts |= update_properties(run, updates, types)
    creates = [a for a in actions if isinstance(a, TaskCreate)]
    closes = [a for a in actions if isinstance(a, TaskClose)]
    by_key = create_tasks(run, creates) | close_tasks(run, closes)
    for index, action in enumerate(actions):
        if not isinstance(action, PropertyUpdate):
            verdicts[index] = by_key[action.key]
    return [
        ActionOutcome(action.key, verdicts[i].status, verdicts[i].crm_id, verdicts[i].reason)
        for i, action in enumerate(actions)
    ]


def _deferral(client: HubSpotClient) -> str | None:
    """Why writes wait, once the account's daily use passes the budget's write share (R6)."""
    if not client.budget.should_pause_writes(API):
        return None
    lane = client.budget.snapshot().lanes[API]
    used = f"{lane.daily_used:,} of {lane.daily_max:,}" if lane.daily_max else "most"
    return (
        f"deferred: {used} daily HubSpot API calls are used, so writes wait for the daily "
        "reset and the calls left go to reads and to other apps"
    )


def convert_value(value: str, kind: PropertyType) -> str:
    """The value HubSpot gets for a property of type ``kind``; ``""`` clears any type (§2).

    Datetimes go as ISO-8601 UTC with milliseconds, the form HubSpot accepts and reads back
    (§2, §8), so a value read back compares equal to the value written.

    Raises:
        ValueError: The value cannot be valid for the type.
    """
    if value == "":
        return value
    if kind is PropertyType.NUMBER:
        finite_number(value)
        return value.strip()
    if kind is PropertyType.DATETIME:
        moment = aware_instant(value)
        return iso_instant(moment)
    return value


@dataclass(slots=True)
class RecordWrite:
    """The properties written to one record, and the actions (by index) they came from."""

    ref: Ref
    properties: dict[str, str] = field(default_factory=dict)
    actions: list[tuple[int, PropertyUpdate]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.ref[0]} {self.ref[1]}"


def group_updates(
    updates: Sequence[tuple[int, PropertyUpdate]], types: Mapping[str, PropertyType]
) -> tuple[list[RecordWrite], dict[int, Verdict]]:
    """One write per record with all its properties, and the updates rejected locally.

    When one property is updated twice, the later value wins and both actions share its outcome.
    """
    writes: dict[Ref, RecordWrite] = {}
    rejected: dict[int, Verdict] = {}
    for index, update in updates:
        where = f"{update.record_type} {update.record_id}, property {update.property}"
        if update.record_type not in RECORD_OBJECTS:
            reason = f"{where}: HubSpot has no {update.record_type} object"
            rejected[index] = Verdict(OutcomeStatus.REJECTED, reason=reason)
            continue
        kind = types.get(update.property, PropertyType.STRING)
        try:
            value = convert_value(update.value, kind)
        except ValueError as exc:
            reason = f"{where}: not a valid {kind} value: {exc}"
            rejected[index] = Verdict(OutcomeStatus.REJECTED, reason=reason)
            continue
        ref = (update.record_type, update.record_id)
        write = writes.setdefault(ref, RecordWrite(ref))
        write.properties[update.property] = value
        write.actions.append((index, update))
    return list(writes.values()), rejected


def update_properties(
    run: Run, updates: Sequence[tuple[int, PropertyUpdate]], types: Mapping[str, PropertyType]
) -> dict[int, Verdict]:
    """Batch-update the records and give each update (by index) its verdict."""
    writes, verdicts = group_updates(updates, types)
    for record_type, object_type in RECORD_OBJECTS.items():
        batch = [write for write in writes if write.ref[0] is record_type]
        items = [Item(write.ref[1], _update_input(write)) for write in batch]
        send = update_sender(run, object_type)
        by_record = send_items(run, items, send, result_trace=trace_or_id) if items else {}
        for write in batch:
            for index, update in write.actions:
                verdicts[index] = for_property(write, update.property, by_record[write.ref[1]])
    return verdicts


def _update_input(write: RecordWrite) -> JsonDict:
    record_id = write.ref[1]
    return {"id": record_id, "objectWriteTraceId": record_id, "properties": write.properties}


def for_property(write: RecordWrite, prop: str, verdict: Verdict) -> Verdict:
    """The verdict of one property of a record's write, with a reason naming both.

    HubSpot applies none of an input's properties when it refuses one of them; the others are
    retried later rather than rejected with it, when the error names the property at fault.
    """
    if verdict.status is OutcomeStatus.DONE:
        return Verdict(OutcomeStatus.DONE)  # crm_id is for tasks (ActionOutcome)
    where = f"{write.name}, property {prop}"
    failure = verdict.failure
    blamed = [name for name in failure.properties if name in write.properties] if failure else []
    if verdict.status is OutcomeStatus.REJECTED and blamed and prop not in blamed:
        reason = (
            f"{where}: not applied because HubSpot refused {', '.join(blamed)} "
            "in the same update; it will be sent again"
        )
        return Verdict(OutcomeStatus.RETRY_LATER, reason=reason)
    return Verdict(verdict.status, verdict.crm_id, f"{where}: {verdict.reason}", failure)
