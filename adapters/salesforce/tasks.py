"""Follow-up Tasks in Salesforce, created once per idempotency key (failure-modes R1, F02, F20).

Salesforce may not allow External ID or Unique custom fields on Task (§0.4, §4; the emulator
refuses them), so nothing here depends on them: the key rides on the Task in the plain text field
``settings.task_key_field`` and is looked up before anything is created.

1. **Look before creating**: ``SELECT Id, IsClosed, IsDeleted, <key> FROM Task WHERE <key> IN
   (...)`` through ``queryAll`` (§3), packed by query length (:func:`~.enrich.queries_in`). A key
   found is done with that Task's id, even when a rep completed or deleted the Task since (F22:
   never re-create it for the same SLA episode). SOQL reads committed rows at once; there is no
   search index to lag behind.
2. **Create once per attempt**: ``POST /composite/sobjects`` with at most 200 Tasks and
   ``allOrNone: false`` (§5), made with ``retry=False``: a create is never repeated blindly.
3. **Maybe applied** (a timeout, a dropped connection, a 5xx: the insert may have committed while
   its answer was lost): before the next attempt of the one retry policy, and once more when the
   policy gives up, the keys of the chunk are looked up again; only keys still missing are
   created again. A per-record ``UNABLE_TO_LOCK_ROW`` was not applied and is retried later.

**The window that remains**: Salesforce commits an insert *after* our second lookup: a request
that outlived our read timeout is still running on the server (REST calls may run 10 minutes,
§10), or a long transaction makes the rows visible late (§14). The lookup then misses the Task and
a second one is created. Both need Salesforce to be slow at that moment; the outbox records the
key before the call (R1), so a crash in between is covered by step 1 of the next cycle, and should
a second Task slip through, closing the key completes every Task that carries it.

**ActivityDate** is a date only, "midnight UTC, not a time" (§12). It gets the due instant's
calendar date in the owner's time zone (``User.TimeZoneSidKey``, one query per apply that creates
tasks with owners), so a rep west of UTC never sees the task due a day late (failure-modes §1.7,
F31); queues, unknown zones and tasks without an owner use the UTC date. The exact instant goes
to ``settings.task_due_field``.

**Closing**: by ``crm_task_id``, else every open Task carrying the key (lookup as in step 1);
``PATCH /composite/sobjects`` with ``Status = 'Completed'``. A Task already completed or deleted
is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.base.errors import (
    LockedError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryLaterError,
)
from adapters.base.protocol import OutcomeStatus, TaskClose, TaskCreate
from adapters.base.retry import retrying
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.enrich import queries_in, read_rows
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
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Soql, in_
from rules.model import ObjectType
from rules.ruleset import TaskPriority

OPEN_STATUS: Final = "Not Started"  # §12: the default TaskStatus values
COMPLETED: Final = "Completed"
PRIORITIES: Final[Mapping[TaskPriority, str]] = {
    TaskPriority.HIGH: "High",
    TaskPriority.MEDIUM: "Normal",
    TaskPriority.LOW: "Low",
}
"""Our priorities → Task ``Priority`` (§12: High/Normal/Low)."""
WHO_TYPES: Final = frozenset({ObjectType.LEAD, ObjectType.CONTACT})
"""Records a Task names as ``WhoId``; an Opportunity is its ``WhatId`` (§12)."""
SUBJECT_MAX: Final = 255  # Task.Subject is a 255-character combobox
DESCRIPTION_MAX: Final = 32_000  # §12: Description 32k
GONE: Final = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"})
"""Codes of a close whose Task no longer exists: nothing is left to complete."""


@dataclass(frozen=True, slots=True)
class TaskRef:
    """A Task carrying one of our keys."""

    id: str
    closed: bool = False
    deleted: bool = False


def activity_date(due: datetime, zone: ZoneInfo | None) -> date:
    """The ``ActivityDate`` of a task due at ``due``: its date in ``zone``, else in UTC.

    Raises:
        ValueError: ``due`` is naive.
    """
    if due.tzinfo is None or due.utcoffset() is None:
        raise ValueError(f"due {due.isoformat()} has no time zone")
    return due.astimezone(zone or UTC).date()


def sf_instant(moment: datetime) -> str:
    """``2026-03-09T15:00:00.000Z``: UTC with milliseconds, as Salesforce reads datetimes (§1)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def task_record(task: TaskCreate, settings: SalesforceSettings, zone: ZoneInfo | None) -> JsonDict:
    """The collection record of one task (§5, §12).

    Raises:
        ValueError: ``task.due`` is naive, or the record type cannot carry a task.
    """
    when = activity_date(task.due, zone)
    record: JsonDict = {
        "attributes": {"type": "Task"},
        "Subject": _clip(task.subject, SUBJECT_MAX),
        "Description": _clip(task.body, DESCRIPTION_MAX),
        "Status": OPEN_STATUS,
        "Priority": PRIORITIES[task.priority],
        "ActivityDate": when.isoformat(),
        settings.task_due_field: sf_instant(task.due),
        settings.task_key_field: task.key,
    }
    if task.owner_id:
        record["OwnerId"] = task.owner_id
    if task.record_type in WHO_TYPES:
        record["WhoId"] = task.record_id  # WhatId stays empty: §12 forbids it with a Lead
    elif task.record_type is ObjectType.DEAL:
        record["WhatId"] = task.record_id
    else:
        raise ValueError(f"Salesforce cannot attach a task to a {task.record_type}")
    return record


def owner_zones(client: SalesforceClient, owner_ids: Iterable[str]) -> dict[str, ZoneInfo]:
    """The time zones of the users among ``owner_ids`` (queues ``00G`` have none, §1)."""
    users = [owner for owner in owner_ids if owner.startswith("005")]

    def build(chunk: tuple[str, ...]) -> Soql:
        return Soql.select("User", ["Id", "TimeZoneSidKey"]).where(in_("Id", chunk))

    zones: dict[str, ZoneInfo] = {}
    for row in read_rows(client, queries_in(build, users)):
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError, TypeError):
            zones[str(row["Id"])] = ZoneInfo(str(row.get("TimeZoneSidKey")))
    return zones


def find_tasks(run: Run, keys: Iterable[str]) -> dict[str, list[TaskRef]]:
    """The Tasks carrying each key, deleted ones too (queryAll), oldest first."""
    field = run.settings.task_key_field

    def build(chunk: tuple[str, ...]) -> Soql:
        fields = ["Id", "IsClosed", "IsDeleted", field, "CreatedDate"]
        return Soql.select("Task", fields).where(in_(field, chunk)).order_by("CreatedDate", "Id")

    wanted = {key.lower(): key for key in keys}  # SOQL compares text case-insensitively
    found: dict[str, list[TaskRef]] = {}
    for row in read_rows(run.client, queries_in(build, wanted.values()), include_deleted=True):
        key = wanted.get(str(row.get(field)).lower())
        if key is None:
            continue
        ref = TaskRef(str(row["Id"]), bool(row.get("IsClosed")), bool(row.get("IsDeleted")))
        found.setdefault(key, []).append(ref)
    for refs in found.values():
        refs.sort(key=lambda ref: ref.deleted)  # a live task before a deleted one, else oldest
    return found


def create_tasks(run: Run, creates: Sequence[TaskCreate]) -> dict[str, Verdict]:
    """Create each key's Task unless Salesforce has one; one verdict per key.

    Calls: the key lookup (one query per ~165 keys), the owners' time zones (one query), and one
    collection call per 200 Tasks still missing, plus one lookup per retried chunk.

    Raises:
        FatalError: Credentials refused, or the org lacks the Task fields.
    """
    wanted: dict[str, TaskCreate] = {}
    for task in creates:
        wanted.setdefault(task.key, task)  # a key repeated in one apply is created once
    if not wanted:
        return {}
    found = _lookup(run, list(wanted))
    if run.halted is not None:
        text = f"not created: could not look the key up first: {run.halted}"
        return {key: _retry(task, text) for key, task in wanted.items()}
    verdicts = {key: Verdict(OutcomeStatus.DONE, crm_id=refs[0].id) for key, refs in found.items()}
    pending = {key: task for key, task in wanted.items() if key not in found}
    zones = _zones(run, pending.values())
    items: list[Item] = []
    for key, task in pending.items():
        try:
            record = task_record(task, run.settings, zones.get(task.owner_id or ""))
        except ValueError as exc:
            verdicts[key] = Verdict(OutcomeStatus.REJECTED, reason=short(f"{_name(task)}: {exc}"))
            continue
        items.append(Item(key, _name(task), record))
    creator = _Creator(run)
    verdicts |= send_items(run, items, creator.send)
    for key, task_id in creator.found.items():  # found by a lookup after an unsure failure
        verdicts[key] = Verdict(OutcomeStatus.DONE, crm_id=task_id)
    return verdicts


class _Creator:
    """Collection creates under the retry policy, looking keys up again after failures that may
    hide an insert Salesforce applied (see the module docstring)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.found: dict[str, str] = {}
        self.unsure = False

    def send(self, chunk: Sequence[Item]) -> list[Any]:
        settings = self.run.settings
        try:
            results: list[Any] = retrying(settings.retry, sleep=settings.sleep)(
                self._attempt, chunk
            )
        except RetryLaterError:
            if self.unsure:  # one last look, so that the outbox retries only what is missing
                with contextlib.suppress(RetryLaterError, QuotaExhaustedError):
                    self._reconcile(chunk)
            raise
        return results

    def _attempt(self, chunk: Sequence[Item]) -> list[Any]:
        if self.unsure:
            self._reconcile(chunk)
        todo = [item for item in chunk if item.ref not in self.found]
        answers: list[Any] = []
        if todo:
            try:
                body = self.run.client.rest(
                    "POST",
                    COLLECTIONS,
                    json=collection_body(todo),
                    label="create Task",
                    retry=False,
                )
            except RetryLaterError as exc:
                # A refusal (a burst limit, a locked row) happened before anything was saved;
                # anything else (a timeout, a dropped connection, a 5xx) may hide a saved insert.
                self.unsure = not isinstance(exc, RateLimitedError | LockedError)
                raise
            answers = list(body) if isinstance(body, list) else []
        by_ref = dict(zip((item.ref for item in todo), answers, strict=False))
        return [
            {"id": self.found[item.ref], "success": True, "errors": []}
            if item.ref in self.found
            else by_ref.get(item.ref)
            for item in chunk
        ]

    def _reconcile(self, chunk: Sequence[Item]) -> None:
        missing = [item.ref for item in chunk if item.ref not in self.found]
        if missing:
            found = find_tasks(self.run, missing)
            self.found |= {key: refs[0].id for key, refs in found.items()}
        self.unsure = False


def close_tasks(run: Run, closes: Sequence[TaskClose]) -> dict[str, Verdict]:
    """Complete the Tasks of each key; one verdict per key.

    Calls: the key lookup for closes without ``crm_task_id``, then one collection call per 200
    Tasks to complete.

    Raises:
        FatalError: Credentials refused, or the org lacks the Task fields.
    """
    by_key: dict[str, TaskClose] = {}
    for close in closes:
        by_key.setdefault(close.key, close)
    targets = {key: [c.crm_task_id] for key, c in by_key.items() if c.crm_task_id}
    lookup = [key for key in by_key if key not in targets]
    found = _lookup(run, lookup) if lookup else {}
    verdicts: dict[str, Verdict] = {}
    for key in lookup:
        if run.halted is not None:
            verdicts[key] = _retry(by_key[key], f"not closed: could not find it: {run.halted}")
            continue
        refs = found.get(key, [])
        open_ids = [ref.id for ref in refs if not (ref.closed or ref.deleted)]
        if open_ids:
            targets[key] = open_ids
        else:  # completed or deleted already, or no task carries the key: nothing to do
            verdicts[key] = Verdict(OutcomeStatus.DONE, crm_id=refs[0].id if refs else None)
    task_ids = list(dict.fromkeys(task_id for ids in targets.values() for task_id in ids))
    items = [Item(i, f"Task {i}", _completion(i)) for i in task_ids]
    by_id = send_items(run, items, lambda chunk: _update(run, chunk), _gone_is_done)
    for key, ids in targets.items():
        verdicts[key] = _named(by_key[key], _worst([by_id[task_id] for task_id in ids]))
    return verdicts


def _completion(task_id: str) -> JsonDict:
    return {"attributes": {"type": "Task"}, "id": task_id, "Status": COMPLETED}


def _update(run: Run, chunk: Sequence[Item]) -> Any:
    # Setting a status is idempotent: the client's retry policy may repeat it safely.
    return run.client.rest("PATCH", COLLECTIONS, json=collection_body(chunk), label="close Task")


def _gone_is_done(item: Item, verdict: Verdict) -> Verdict:
    if verdict.code in GONE:  # deleted or merged away: nothing left to complete
        return Verdict(OutcomeStatus.DONE, crm_id=item.ref)
    return verdict


def _lookup(run: Run, keys: Sequence[str]) -> dict[str, list[TaskRef]]:
    if run.halted is not None:
        return {}
    try:
        return find_tasks(run, keys)
    except (RetryLaterError, QuotaExhaustedError) as exc:
        run.halt(exc)
        return {}


def _zones(run: Run, tasks: Iterable[TaskCreate]) -> dict[str, ZoneInfo]:
    owners = {task.owner_id for task in tasks if task.owner_id}
    if not owners or run.halted is not None:
        return {}
    try:
        return owner_zones(run.client, owners)
    except (RetryLaterError, QuotaExhaustedError) as exc:
        run.halt(exc)
        return {}


_SEVERITY: Final = (OutcomeStatus.DONE, OutcomeStatus.REJECTED, OutcomeStatus.RETRY_LATER)


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    """The verdict of a key with several Tasks: a retry beats a rejection beats done."""
    return max(verdicts, key=lambda verdict: _SEVERITY.index(verdict.status))


def _name(task: TaskCreate | TaskClose) -> str:
    return f"task {task.key} on {task.record_type} {task.record_id}"


def _named(task: TaskCreate | TaskClose, verdict: Verdict) -> Verdict:
    if verdict.reason is None or verdict.status is OutcomeStatus.DONE:
        return verdict
    return replace(verdict, reason=short(f"{_name(task)}: {verdict.reason}"))


def _retry(task: TaskCreate | TaskClose, text: str) -> Verdict:
    return Verdict(OutcomeStatus.RETRY_LATER, reason=short(f"{_name(task)}: {text}"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
