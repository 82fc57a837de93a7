"""What the rules conclude about records: the output of :func:`rules.evaluate`.

The connector diffs these against what it last wrote and turns the differences into outbox actions;
nothing here knows about a CRM or a store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from rules.model import LeadStatus, ObjectType, Stage
from rules.ruleset import TaskPriority


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    MET = "met"
    MET_LATE = "met_late"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


class TaskPurpose(StrEnum):
    FOLLOW_UP = "follow_up"
    ESCALATION = "escalation"
    REJECTION_REASON = "rejection_reason"


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """A task that should exist in the CRM.

    ``episode_start`` is when the clock behind it started; with ``rule``, ``purpose`` and the
    record it identifies the task across runs (the connector derives the idempotency key from it).
    """

    rule: str
    purpose: TaskPurpose
    record_type: ObjectType
    record_id: str
    owner_id: str | None
    due: datetime
    subject: str
    body: str
    priority: TaskPriority
    episode_start: datetime


@dataclass(frozen=True, slots=True)
class SlaResult:
    """One SLA rule's verdict on one record."""

    rule: str
    record_type: ObjectType
    record_id: str
    owner_id: str | None
    state: SlaState
    started_at: datetime
    due_at: datetime
    met_at: datetime | None = None
    escalate_at: datetime | None = None
    task: TaskSpec | None = None  # the follow-up task, once the clock is overdue
    escalation: TaskSpec | None = None  # the manager's task, once escalated
    next_change_at: datetime | None = None  # when the state changes if nobody touches the record

    @property
    def breached(self) -> bool:
        return self.state in (SlaState.OVERDUE, SlaState.ESCALATED)


@dataclass(frozen=True, slots=True)
class RejectionResult:
    """A record in a rejected status whose reason is missing (only produced when it is)."""

    rule: str
    record_type: ObjectType
    record_id: str
    owner_id: str | None
    status: LeadStatus
    rejected_at: datetime
    due_at: datetime
    overdue: bool  # the grace period has run out
    task: TaskSpec | None = None  # asked for once the grace period is over


@dataclass(frozen=True, slots=True)
class Score:
    """A 0-100 score with its fit and engagement parts and the points behind it."""

    total: int
    fit: int
    engagement: int
    parts: tuple[tuple[str, int], ...] = ()
    text: str = ""  # human-readable, <= 1,000 characters, fits a CRM text property
    decays: bool = False  # a fired rule is decaying: the score drifts down with time alone


@dataclass(frozen=True, slots=True)
class LifecycleView:
    """A record's canonical position: stage and status, when it entered them, unknown raw values."""

    stage: Stage | None
    stage_entered_at: datetime | None
    status: LeadStatus | None
    status_entered_at: datetime | None
    unknown: tuple[str, ...] = ()  # e.g. ("lifecycle='153180554'",)


@dataclass(frozen=True, slots=True)
class RecordDecision:
    record_type: ObjectType
    record_id: str
    owner_id: str | None
    lifecycle: LifecycleView
    score: Score
    sla: tuple[SlaResult, ...] = ()
    rejection: tuple[RejectionResult, ...] = ()

    @property
    def tasks(self) -> tuple[TaskSpec, ...]:
        """Every task that should exist for this record now."""
        found: list[TaskSpec] = []
        for result in self.sla:
            found.extend(t for t in (result.task, result.escalation) if t is not None)
        found.extend(r.task for r in self.rejection if r.task is not None)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Decisions:
    """The verdicts on a batch of records, as of ``as_of``."""

    as_of: datetime
    records: tuple[RecordDecision, ...] = ()
    unknown_values: Mapping[str, int] = field(default_factory=dict)  # "lifecycle='x'" -> count
