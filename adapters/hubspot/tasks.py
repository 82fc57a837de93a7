"""Follow-up tasks in HubSpot, created once per idempotency key (failure-modes R1, F02, F20).

HubSpot has no idempotency for tasks (hubspot-api.md §8), so our key rides on the task in the
custom property ``settings.task_key_property`` and is looked up before anything is created:

1. **Look before creating**: search ``key IN [...]`` (§4: string values lowercase, the body at
   most 3,000 characters, 200 per page). A key found is done: no create.
2. **Create once** per attempt (``call_once``): a 429/423/477 was refused before it was applied
   and is simply tried again by the one retry policy.
3. **Maybe applied** (a timeout, a dropped connection, a 5xx: the create may have been applied
   while its answer was lost): before the next attempt, and once more when the policy gives up,
   look the keys up again by a *direct read*, not by search, since search lags behind writes (§4):
   the v4 associations of the records (§9), then a batch read of those tasks' keys. Only keys
   still missing are created again.
4. **Unique key where HubSpot allows it**: ``smarketing setup`` creates the key property with
   ``hasUniqueValue`` when the portal accepts it on tasks (UNCONFIRMED, §3), so HubSpot itself
   refuses a second task for a key (409 "Existing ID: n"), which counts as done with that id. A
   whole batch refused so is answered by the direct read and a create of the rest, not by halving.

The window that remains without a unique key: HubSpot applies a create whose request outlived
our timeout *after* our direct read (an in-flight request, not a lost answer), or an apply gives
up with the key unresolved and the next one searches within the index lag. Both need HubSpot to
be failing at that moment; the outbox keeps the key pending and the next cycle, minutes later,
finds the task by search instead of creating it. Should a second task slip through, closing the
key completes every task that carries it.

Closing: by ``crm_task_id`` or by key (search, then the direct read for keys search misses);
``hs_task_status=COMPLETED`` in batches of 100; a task already completed or gone is done.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Final

from adapters.base.errors import RetryLaterError, ServerError, TransportError, ValidationError
from adapters.base.protocol import OutcomeStatus, TaskClose, TaskCreate
from adapters.base.retry import retrying
from adapters.hubspot.batches import (
    RECORD_OBJECTS,
    TASKS,
    JsonDict,
    associated_ids,
    batch_call,
    body_length,
    read_objects,
    search,
    search_body,
    unique,
)
from adapters.hubspot.outcomes import (
    Failure,
    Item,
    Run,
    Verdict,
    default_decide,
    send_items,
    trace_or_id,
    update_sender,
)
from adapters.hubspot.settings import HubSpotSettings
from rules.model import ObjectType

COMPLETED: Final = "COMPLETED"
MAX_SEARCH_BODY: Final = 3_000  # §4
MAX_IN_VALUES: Final = 100
"""Values per IN filter: a cautious cap, as the fact sheet names none; the 3,000-character body
limit binds first for our 36-character keys (68 per search)."""
_PAGING_ROOM: Final = len(', "after": "10000"')  # the page token, up to the 10,000 cap (§4)
TASK_TO_RECORD: Final[Mapping[ObjectType, int]] = {
    ObjectType.CONTACT: 204,  # §9 task → contact
    ObjectType.DEAL: 216,  # §9 task → deal
}


@dataclass(frozen=True, slots=True)
class TaskRef:
    """A task found in HubSpot: its id and ``hs_task_status``."""

    id: str
    status: str | None = None


def pack_keys(keys: Sequence[str], key_property: str) -> list[list[str]]:
    """Split keys into IN filters whose search body stays within §4's limits.

    Values are lowercased, because HubSpot matches IN values on strings only in lowercase (§4).
    """
    empty = search_body([_key_filter(key_property, [])], [key_property, "hs_task_status"])
    room = MAX_SEARCH_BODY - body_length(empty) - _PAGING_ROOM
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for key in unique(key.lower() for key in keys):
        size = len(json.dumps(key)) + 2  # the quoted value and its ", " separator
        if current and (used + size > room or len(current) == MAX_IN_VALUES):
            chunks.append(current)
            current, used = [], 0
        current.append(key)
        used += size
    return [*chunks, current] if current else chunks


def _key_filter(key_property: str, values: list[str]) -> JsonDict:
    return {"propertyName": key_property, "operator": "IN", "values": values}


def find_by_search(run: Run, keys: Iterable[str]) -> dict[str, list[TaskRef]]:
    """Tasks carrying each key, by search (cheap, but blind to the last moments, §4)."""
    prop = run.settings.task_key_property
    wanted = {key.lower(): key for key in keys}
    found: dict[str, list[TaskRef]] = {}
    for values in pack_keys(list(wanted.values()), prop):
        records = search(run.client, TASKS, [_key_filter(prop, values)], [prop, "hs_task_status"])
        _collect(records, prop, wanted, found)
    return found


def find_by_association(
    run: Run, records: Iterable[tuple[ObjectType, str]], keys: Iterable[str], *, once: bool
) -> dict[str, list[TaskRef]]:
    """Tasks carrying each key among the tasks associated with ``records``, read directly.

    Costs one association read per 1,000 records and one batch read per 100 of their tasks.
    """
    prop = run.settings.task_key_property
    wanted = {key.lower(): key for key in keys}
    by_object: dict[str, list[str]] = {}
    for record_type, record_id in records:
        by_object.setdefault(RECORD_OBJECTS[record_type], []).append(record_id)
    task_ids: list[str] = []
    for object_type, ids in by_object.items():
        links = associated_ids(run.client, object_type, TASKS, ids, once=once)
        task_ids.extend(task for tasks in links.values() for task in tasks)
    tasks = read_objects(run.client, TASKS, task_ids, [prop, "hs_task_status"], once=once)
    found: dict[str, list[TaskRef]] = {}
    _collect(tasks, prop, wanted, found)
    return found


def _collect(
    records: Iterable[JsonDict],
    prop: str,
    wanted: Mapping[str, str],
    found: dict[str, list[TaskRef]],
) -> None:
    for record in records:
        props = record.get("properties") or {}
        key = wanted.get(str(props.get(prop) or "").lower())
        if key is not None:
            ref = TaskRef(str(record["id"]), props.get("hs_task_status"))
            found.setdefault(key, []).append(ref)
    for refs in found.values():
        refs.sort(key=lambda ref: (len(ref.id), ref.id))  # numeric ids: lowest first


def create_input(task: TaskCreate, settings: HubSpotSettings) -> JsonDict:
    """The batch-create input of one task, associated with its record (§8, §9).

    Raises:
        ValueError: ``task.due`` is naive, or the record type has no task association.
    """
    if task.due.tzinfo is None or task.due.utcoffset() is None:
        raise ValueError(f"due {task.due.isoformat()} has no time zone")
    type_id = TASK_TO_RECORD.get(task.record_type)
    if type_id is None:
        raise ValueError(f"HubSpot has no {task.record_type} object to attach a task to")
    properties = {
        "hs_task_subject": task.subject,
        "hs_task_body": task.body,
        "hs_timestamp": iso_instant(task.due),
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": task.priority.value.upper(),
        "hs_task_type": "TODO",
        settings.task_key_property: task.key,
    }
    if task.owner_id:
        properties["hubspot_owner_id"] = task.owner_id
    association = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    return {
        "objectWriteTraceId": task.key,
        "properties": properties,
        "associations": [{"to": {"id": task.record_id}, "types": [association]}],
    }


def iso_instant(moment: datetime) -> str:
    """``2026-03-09T15:00:00.000Z``: ISO-8601 UTC with milliseconds, as HubSpot reads back (§2)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def create_tasks(run: Run, creates: Sequence[TaskCreate]) -> dict[str, Verdict]:
    """Create each key's task unless HubSpot already has one; one verdict per key.

    Raises:
        FatalError: Authentication, scopes, quota or configuration: the run stops.
    """
    verdicts: dict[str, Verdict] = {}
    wanted: dict[str, TaskCreate] = {}
    inputs: dict[str, JsonDict] = {}
    for task in creates:
        if task.key in wanted or task.key in verdicts:
            continue
        try:
            inputs[task.key] = create_input(task, run.settings)
        except ValueError as exc:
            verdicts[task.key] = Verdict(OutcomeStatus.REJECTED, reason=f"{_name(task)}: {exc}")
            continue
        wanted[task.key] = task
    if not wanted:
        return verdicts
    found: dict[str, list[TaskRef]] = {}
    try:
        found = find_by_search(run, wanted) if run.halted is None else {}
    except RetryLaterError as exc:
        run.halted = exc
    if run.halted is not None:
        text = f"not created: could not look the key up first: {run.halted}"
        return verdicts | {key: _retry(wanted[key], text) for key in wanted}
    for key, refs in found.items():
        verdicts[key] = Verdict(OutcomeStatus.DONE, crm_id=refs[0].id)
    pending = {key: task for key, task in wanted.items() if key not in found}
    creator = _Creator(run, pending)
    items = [Item(key, inputs[key]) for key in pending]
    sent = send_items(run, items, creator.send, _decide_create, creator.result_trace)
    for key, verdict in sent.items():
        verdicts[key] = _named(pending[key], verdict)
    for key, task_id in creator.found.items():  # found by a direct read after an unsure failure
        verdicts[key] = Verdict(OutcomeStatus.DONE, crm_id=task_id)
    return verdicts


class _Creator:
    """Batch creates under the retry policy, re-reading keys after failures that may hide a
    create HubSpot applied (see the module docstring)."""

    def __init__(self, run: Run, tasks: Mapping[str, TaskCreate]) -> None:
        self.run = run
        self.tasks = tasks
        self.found: dict[str, str] = {}
        self.unsure = False

    def send(self, group: Sequence[Item]) -> tuple[int, JsonDict]:
        settings = self.run.settings
        policy = retrying(settings.retry, sleep=settings.sleep)
        try:
            return policy(self._attempt, group)
        except RetryLaterError:
            if self.unsure:  # one last look, so that the outbox retries only what is missing
                with contextlib.suppress(RetryLaterError):
                    self._reconcile(group)
            raise

    def _attempt(self, group: Sequence[Item]) -> tuple[int, JsonDict]:
        if self.unsure:
            self._reconcile(group)
        try:
            return self._create(group)
        except ValidationError as exc:
            if exc.status != 409:
                raise
        # A unique key refused the whole batch: some task exists already (a create applied
        # earlier). Read the keys, then create the rest, rather than halving the batch.
        self.unsure = True
        self._reconcile(group)
        return self._create(group)

    def _create(self, group: Sequence[Item]) -> tuple[int, JsonDict]:
        todo = [item for item in group if item.trace not in self.found]
        status, body = 201, JsonDict(results=[])
        if todo:
            request = {"inputs": [item.payload for item in todo]}
            try:
                status, body = batch_call(self.run.client, "create", TASKS, request, once=True)
            except (TransportError, ServerError):
                self.unsure = True
                raise
        found = [
            {"id": self.found[item.trace], "objectWriteTraceId": item.trace}
            for item in group
            if item.trace in self.found
        ]
        return status, body | {"results": [*(body.get("results") or ()), *found]}

    def _reconcile(self, group: Sequence[Item]) -> None:
        missing = [self.tasks[item.trace] for item in group if item.trace not in self.found]
        if missing:
            records = {(task.record_type, task.record_id) for task in missing}
            keys = [task.key for task in missing]
            found = find_by_association(self.run, records, keys, once=True)
            self.found |= {key: refs[0].id for key, refs in found.items()}
        self.unsure = False

    def result_trace(self, result: JsonDict) -> str | None:
        trace = result.get("objectWriteTraceId")
        if trace is None:  # trace ids in results are UNCONFIRMED (§3): fall back to the key
            trace = (result.get("properties") or {}).get(self.run.settings.task_key_property)
        return None if trace is None else str(trace)


def _decide_create(item: Item, failure: Failure) -> Verdict:
    if failure.existing_id is not None:  # the unique key property refused a second task
        return Verdict(OutcomeStatus.DONE, crm_id=failure.existing_id)
    return default_decide(item, failure)


def close_tasks(run: Run, closes: Sequence[TaskClose]) -> dict[str, Verdict]:
    """Complete the tasks of each key; one verdict per key.

    Raises:
        FatalError: Authentication, scopes, quota or configuration: the run stops.
    """
    verdicts: dict[str, Verdict] = {}
    targets: dict[str, list[str]] = {}
    by_key = {close.key: close for close in closes}
    for close in closes:
        if close.crm_task_id:
            targets.setdefault(close.key, []).append(close.crm_task_id)
    lookup = [close for key, close in by_key.items() if key not in targets]
    found: dict[str, list[TaskRef]] = {}
    try:
        found = _find_to_close(run, lookup) if lookup and run.halted is None else {}
    except RetryLaterError as exc:
        run.halted = exc
    for close in lookup:
        if run.halted is not None:
            verdicts[close.key] = _retry(close, f"not closed: could not find it: {run.halted}")
            continue
        refs = found.get(close.key, [])
        open_ids = [ref.id for ref in refs if ref.status != COMPLETED]
        if open_ids:
            targets[close.key] = open_ids
        else:  # completed already, or no task carries the key: nothing to do
            verdicts[close.key] = Verdict(OutcomeStatus.DONE, crm_id=refs[0].id if refs else None)
    items = [
        Item(task_id, {"id": task_id, "objectWriteTraceId": task_id, "properties": _COMPLETE})
        for task_id in unique(task_id for ids in targets.values() for task_id in ids)
    ]
    by_id = send_items(run, items, update_sender(run, TASKS), _decide_close, trace_or_id)
    for key, ids in targets.items():
        verdicts[key] = _named(by_key[key], _worst([by_id[task_id] for task_id in ids]))
    return verdicts


_COMPLETE: Final = {"hs_task_status": COMPLETED}


def _find_to_close(run: Run, closes: Sequence[TaskClose]) -> dict[str, list[TaskRef]]:
    found = find_by_search(run, [close.key for close in closes])
    missing = [close for close in closes if close.key not in found]
    if missing:  # search may not show a task created moments ago (§4): read directly
        records = {(c.record_type, c.record_id) for c in missing if c.record_type in RECORD_OBJECTS}
        found |= find_by_association(run, records, [c.key for c in missing], once=False)
    return found


def _decide_close(item: Item, failure: Failure) -> Verdict:
    if failure.category == "OBJECT_NOT_FOUND":  # archived or deleted: nothing left to close
        return Verdict(OutcomeStatus.DONE, crm_id=item.trace)
    return default_decide(item, failure)


_SEVERITY: Final = (OutcomeStatus.DONE, OutcomeStatus.REJECTED, OutcomeStatus.RETRY_LATER)


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    """The verdict of a key with several tasks: a retry beats a rejection beats done."""
    return max(verdicts, key=lambda verdict: _SEVERITY.index(verdict.status))


def _name(task: TaskCreate | TaskClose) -> str:
    return f"task {task.key} on {task.record_type} {task.record_id}"


def _named(task: TaskCreate | TaskClose, verdict: Verdict) -> Verdict:
    if verdict.reason is None or verdict.status is OutcomeStatus.DONE:
        return verdict
    return replace(verdict, reason=f"{_name(task)}: {verdict.reason}")


def _retry(task: TaskCreate | TaskClose, text: str) -> Verdict:
    return Verdict(OutcomeStatus.RETRY_LATER, reason=f"{_name(task)}: {text}")
