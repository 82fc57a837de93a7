"""The adapter contract: what the connector asks of a CRM, and the values that cross the boundary.

Adapters translate between a CRM's API and these values; vendor types never leave ``adapters/``.
Every adapter passes the same contract suite (``tests/contract/``) against its emulator.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from rules.model import Deal, ObjectType, Owner, Person
from rules.ruleset import TaskPriority


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next incremental pull of one object type starts.

    ``modified_at`` is a *server* timestamp and ``last_id`` breaks ties between records that share
    it (HubSpot's 10,000-result search cap and Salesforce's equal ``SystemModstamp``s need it).
    ``None`` as a cursor means "never pulled": the adapter does a full pull. ``extra`` keeps
    adapter-specific bookkeeping (e.g. when archived records were last reconciled) as strings.
    """

    modified_at: datetime
    last_id: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Merge:
    """``loser_id`` was merged into ``survivor_id``; local state must be re-keyed.

    The loser is always of the batch's object type. ``survivor_type`` names the survivor's type
    when it differs (a converted Salesforce Lead survives as its Contact); ``None`` means the
    batch's own type, as in every same-object merge.
    """

    loser_id: str
    survivor_id: str
    survivor_type: ObjectType | None = None


@dataclass(frozen=True, slots=True)
class Sweep:
    """The batch belongs to a full read of its object type, begun at ``started``.

    A full pull delivers every live record, so once it is ``done`` any stored live record it did
    not deliver (and that has not changed since ``started``) is gone from the CRM: deleted while
    we were not looking, or purged before a delete could be seen (Salesforce keeps deletes 15
    days; failure-modes F15). ``started`` stays the same when a full pull resumes after a crash.
    """

    started: datetime
    done: bool = False


@dataclass(frozen=True, slots=True)
class PullBatch:
    """One page of changes for one object type, and the cursor that is safe once it is stored.

    ``sweep`` is set on every batch of a full pull (see :class:`Sweep`), ``None`` on incremental
    ones.
    """

    object_type: ObjectType
    people: tuple[Person, ...] = ()
    deals: tuple[Deal, ...] = ()
    deleted_ids: tuple[str, ...] = ()
    merges: tuple[Merge, ...] = ()
    cursor: Cursor | None = None
    sweep: Sweep | None = None


class ActionKind(StrEnum):
    UPDATE_PROPERTY = "update_property"
    CREATE_TASK = "create_task"
    CLOSE_TASK = "close_task"


@dataclass(frozen=True, slots=True)
class PropertyUpdate:
    """Set one property we own on a record (only sent when ``value`` differs from ``previous``)."""

    key: str
    record_type: ObjectType
    record_id: str
    property: str
    value: str
    previous: str | None = None
    kind: ActionKind = ActionKind.UPDATE_PROPERTY


@dataclass(frozen=True, slots=True)
class TaskCreate:
    """Create a task for ``owner_id`` on a record; ``key`` is stored on the task in the CRM, so the
    adapter can find it again and never creates a second task for the same key."""

    key: str
    record_type: ObjectType
    record_id: str
    rule: str
    owner_id: str | None
    due: datetime
    subject: str
    body: str = ""
    priority: TaskPriority = TaskPriority.HIGH
    kind: ActionKind = ActionKind.CREATE_TASK


@dataclass(frozen=True, slots=True)
class TaskClose:
    """Complete the task created under ``key`` (its condition is resolved)."""

    key: str
    record_type: ObjectType
    record_id: str
    rule: str
    crm_task_id: str | None = None
    kind: ActionKind = ActionKind.CLOSE_TASK


Action = PropertyUpdate | TaskCreate | TaskClose


class OutcomeStatus(StrEnum):
    DONE = "done"
    RETRY_LATER = "retry_later"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What became of one action: every action passed to ``apply`` gets exactly one outcome."""

    key: str
    status: OutcomeStatus
    crm_id: str | None = None  # the created or found task's id
    reason: str | None = None


class PropertyType(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """A property (HubSpot) or custom field (Salesforce) the connector writes."""

    object_type: ObjectType | str  # str for CRM objects outside the model, e.g. "task"
    name: str
    label: str
    type: PropertyType
    description: str = ""
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Result of ``check()``: ``problems`` is empty when the connection is fit for use."""

    account: str
    problems: tuple[str, ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


class CrmAdapter(Protocol):
    """A CRM as the connector sees it. Errors raised are ``adapters.base.errors`` classes only."""

    kind: str

    def check(self) -> CheckReport:
        """Verify credentials, scopes/permissions and the properties we need."""
        ...

    def ensure_schema(self, specs: Sequence[PropertySpec]) -> tuple[str, ...]:
        """Create what is missing (idempotently); return what was created."""
        ...

    def pull(
        self, object_type: ObjectType, cursor: Cursor | None, *, started_at: datetime
    ) -> Iterator[PullBatch]:
        """Yield changes since ``cursor`` (all records when ``None``), never moving a cursor past
        ``started_at`` (the sync start, in server time)."""
        ...

    def owners(self) -> list[Owner]:
        """All owners (users) who can own records, with their managers where the CRM knows them."""
        ...

    def enrich(self, object_type: ObjectType, people: Sequence[Person]) -> list[Person]:
        """Return ``people`` with ``status_history`` and ``activities`` filled in from the CRM.

        Pages of a pull carry what one list/search call returns; history and logged activities
        cost extra calls, so the sync cycle asks for them only for records whose verdict needs
        them (a running SLA clock, a rejection without a reason).
        """
        ...

    def apply(self, actions: Sequence[Action]) -> list[ActionOutcome]:
        """Send actions in batches; return one outcome per action, in any order."""
        ...

    def usage(self) -> Mapping[tuple[str, int], int]:
        """API calls made so far by (endpoint label, HTTP status), for the run log and metrics."""
        ...
