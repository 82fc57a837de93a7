"""The values the store hands out besides records: outbox entries, sync runs, rejections.

Plain frozen dataclasses, so callers never see a table row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from adapters.base.protocol import Action, Cursor
from rules.model import Deal, ObjectType, Person

Record = Person | Deal
"""A stored CRM record: people for contacts and leads, deals for deals."""


class OutboxStatus(StrEnum):
    """Where an intended side effect stands.

    ``planned`` → ``sent`` → ``done`` | ``retry`` | ``rejected``; ``retry`` goes back to ``sent``
    until it is done or runs out of attempts (then ``rejected``). ``cancelled``: the record was
    deleted or merged away before the action was sent.
    """

    PLANNED = "planned"
    SENT = "sent"
    DONE = "done"
    RETRY = "retry"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


PENDING_STATUSES = (OutboxStatus.PLANNED, OutboxStatus.SENT, OutboxStatus.RETRY)
"""Statuses of actions still to be sent; ``sent`` ones may or may not have reached the CRM."""


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An action in the outbox and what has become of it so far."""

    action: Action
    status: OutboxStatus
    attempts: int
    created_at: datetime
    updated_at: datetime
    crm_id: str | None = None
    last_error: str | None = None

    @property
    def key(self) -> str:
        return self.action.key


@dataclass(frozen=True, slots=True)
class PullResult:
    """What :meth:`Store.apply_pull` changed.

    ``changed`` lists the records to judge again: those whose stored version changed, and merge
    survivors (they may have inherited the loser's tasks). ``deleted`` lists records tombstoned by
    this batch (deleted or merged away). ``cursor`` is the stored cursor afterwards.
    """

    object_type: ObjectType
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    cursor: Cursor | None = None


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One sync cycle as logged."""

    id: int
    started_at: datetime
    status: RunStatus
    finished_at: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    api_calls: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RefusedValue:
    """A property value the CRM refused (R3) and nothing has replaced since, and when it did."""

    value: str
    rejected_at: datetime


@dataclass(frozen=True, slots=True)
class RejectedItem:
    """A permanent refusal of one field (or action) of one record, shown in the report (R3)."""

    record_type: ObjectType
    record_id: str
    field: str
    reason: str
    first_seen: datetime
    last_seen: datetime
    attempts: int
