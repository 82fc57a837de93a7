"""An in-memory CRM that keeps the adapter contract, for fast tests of the sync cycle.

Stateful like the emulators (tasks carry their idempotency key, property writes bump the modified
time, pulls follow a (modified, id) cursor), but without HTTP, so a test of the cycle's logic runs
in milliseconds. The end-to-end tests run the same cycle against the real emulators.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapters.base.protocol import (
    Action,
    ActionOutcome,
    CheckReport,
    Cursor,
    OutcomeStatus,
    PropertySpec,
    PropertyUpdate,
    PullBatch,
    TaskClose,
    TaskCreate,
)
from rules.model import ObjectType, Owner, Person


class CrashAfterApply(RuntimeError):
    """Simulates the process dying after the CRM accepted a write, before we recorded it."""


@dataclass
class FakeTask:
    id: str
    key: str
    record_id: str
    owner_id: str | None
    subject: str
    due: datetime
    completed: bool = False


@dataclass
class FakeCrm:
    """People, owners and tasks in memory; ``now`` is the CRM's clock (set it from the test)."""

    now: datetime
    people: dict[str, Person] = field(default_factory=dict)
    owners_list: list[Owner] = field(default_factory=list)
    tasks: dict[str, FakeTask] = field(default_factory=dict)
    calls: Counter[tuple[str, int]] = field(default_factory=Counter)
    crash_after_apply: bool = False
    kind: str = "fake"
    refuse: dict[tuple[str, str], str] = field(default_factory=dict)
    """(record id, property) -> the reason every write of that property is refused with, as a
    validation rule or a field the value does not fit would refuse it."""
    refused: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many writes of each (record id, property) were refused."""

    # -- test helpers ----------------------------------------------------------------------

    def put(self, person: Person) -> None:
        """Create or edit a person as a rep would: the modified time moves on."""
        self.people[person.id] = replace(person, updated_at=self.now)

    def tasks_for(self, record_id: str) -> list[FakeTask]:
        return sorted(
            (t for t in self.tasks.values() if t.record_id == record_id), key=lambda t: t.id
        )

    def value(self, record_id: str, prop: str) -> object:
        return self.people[record_id].fields.get(prop)

    # -- the adapter contract --------------------------------------------------------------

    def check(self) -> CheckReport:
        return CheckReport(account="fake")

    def ensure_schema(self, specs: Sequence[PropertySpec]) -> tuple[str, ...]:
        return ()

    def owners(self) -> list[Owner]:
        self.calls[("owners", 200)] += 1
        return list(self.owners_list)

    def pull(
        self, object_type: ObjectType, cursor: Cursor | None, *, started_at: datetime
    ) -> Iterator[PullBatch]:
        self.calls[(f"pull:{object_type}", 200)] += 1
        if object_type is not ObjectType.CONTACT:
            yield PullBatch(object_type=object_type, cursor=cursor)
            return
        since = None if cursor is None else (cursor.modified_at, cursor.last_id)
        changed = sorted(
            (p for p in self.people.values() if p.updated_at is not None),
            key=lambda p: (p.updated_at, p.id),
        )
        fresh = [p for p in changed if since is None or (p.updated_at, p.id) > since]
        last = fresh[-1] if fresh else None
        new_cursor = cursor
        if last is not None and last.updated_at is not None:
            new_cursor = Cursor(min(last.updated_at, started_at), last.id)
        yield PullBatch(object_type=object_type, people=tuple(fresh), cursor=new_cursor)

    def enrich(self, object_type: ObjectType, people: Sequence[Person]) -> list[Person]:
        self.calls[("enrich", 200)] += 1
        return list(people)

    def apply(self, actions: Sequence[Action]) -> list[ActionOutcome]:
        self.calls[("apply", 200)] += 1
        outcomes = [self._apply_one(action) for action in actions]
        if self.crash_after_apply:
            self.crash_after_apply = False
            raise CrashAfterApply(
                "the CRM accepted the batch; the process died before recording it"
            )
        return outcomes

    def usage(self) -> Mapping[tuple[str, int], int]:
        return dict(self.calls)

    def _apply_one(self, action: Action) -> ActionOutcome:
        if isinstance(action, PropertyUpdate):
            reason = self.refuse.get((action.record_id, action.property))
            if reason is not None:
                self.refused[(action.record_id, action.property)] += 1
                return ActionOutcome(action.key, OutcomeStatus.REJECTED, reason=reason)
            person = self.people[action.record_id]
            fields = {**person.fields, action.property: action.value or None}
            self.people[action.record_id] = replace(person, fields=fields, updated_at=self.now)
            return ActionOutcome(action.key, OutcomeStatus.DONE)
        if isinstance(action, TaskCreate):
            existing = next((t for t in self.tasks.values() if t.key == action.key), None)
            if existing is None:
                existing = FakeTask(
                    id=str(9000 + len(self.tasks)),
                    key=action.key,
                    record_id=action.record_id,
                    owner_id=action.owner_id,
                    subject=action.subject,
                    due=action.due,
                )
                self.tasks[existing.id] = existing
            return ActionOutcome(action.key, OutcomeStatus.DONE, crm_id=existing.id)
        assert isinstance(action, TaskClose)
        for task in self.tasks.values():
            if task.key == action.key:
                task.completed = True
        return ActionOutcome(action.key, OutcomeStatus.DONE)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
