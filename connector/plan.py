"""From verdicts to actions: diff what the rules want against what was last written.

Only differences become actions, each with a deterministic idempotency key, so a second cycle with
no CRM change and no clock crossing plans nothing. Task keys depend only on (rule, purpose, record,
episode start): stable across runs, machines and a lost local store, which is what lets the adapter
find a task again in the CRM instead of creating a second one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.base.protocol import Action, PropertyUpdate, TaskClose, TaskCreate
from rules.decisions import RecordDecision, SlaResult, SlaState, TaskSpec
from rules.model import ObjectType

SCORE = "smarketing_score"
SCORE_EXPLANATION = "smarketing_score_explanation"
SLA_STATUS = "smarketing_sla_status"
SLA_DUE = "smarketing_sla_due"
OWNED_PROPERTIES = (SCORE, SCORE_EXPLANATION, SLA_STATUS, SLA_DUE)
"""The properties the connector owns and writes on people; nothing else is ever overwritten."""

# The most urgent state wins the single SLA status property managers filter on.
_URGENCY = (
    SlaState.ESCALATED,
    SlaState.OVERDUE,
    SlaState.DUE_SOON,
    SlaState.ON_TRACK,
    SlaState.MET_LATE,
    SlaState.MET,
)

RecordRef = tuple[ObjectType, str]


@dataclass(frozen=True, slots=True)
class OpenTask:
    """A task we created that is not closed yet (from the outbox)."""

    key: str
    record_type: ObjectType
    record_id: str
    rule: str
    crm_id: str | None


@dataclass(frozen=True, slots=True)
class Breach:
    """An SLA clock gone overdue or a missing rejection reason, for the plan and the report."""

    rule: str
    record_type: ObjectType
    record_id: str
    owner_id: str | None
    status: str  # "overdue" | "missing_reason"
    due: datetime
    escalated: bool = False


def task_key(spec: TaskSpec) -> str:
    """The idempotency key of a task: stable for one (rule, purpose, record, SLA episode)."""
    episode = spec.episode_start.astimezone(UTC).isoformat()
    raw = f"{spec.rule}|{spec.purpose}|{spec.record_type}|{spec.record_id}|{episode}"
    return "smk-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _property_key(ref: RecordRef, prop: str, value: str, as_of: datetime) -> str:
    # Property writes are idempotent in the CRM; the key only has to be unique per intention.
    raw = f"{ref[0]}|{ref[1]}|{prop}|{value}|{as_of.astimezone(UTC).isoformat()}"
    return "smp-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def format_instant(value: datetime) -> str:
    """How the plan spells instants: ISO-8601 in UTC, second precision."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def headline_sla(results: Iterable[SlaResult]) -> SlaResult | None:
    """The SLA result a CRM view should show: the most urgent one."""
    ranked = sorted(results, key=lambda r: (_URGENCY.index(r.state), r.due_at, r.rule))
    return ranked[0] if ranked else None


def desired_properties(decision: RecordDecision) -> dict[str, str]:
    """The values of our owned properties this decision implies (``""`` clears a value)."""
    headline = headline_sla(decision.sla)
    return {
        SCORE: str(decision.score.total),
        SCORE_EXPLANATION: decision.score.text,
        SLA_STATUS: str(headline.state) if headline else "",
        SLA_DUE: format_instant(headline.due_at) if headline else "",
    }


def plan_properties(
    decisions: Iterable[RecordDecision],
    written: Mapping[tuple[RecordRef, str], str],
    as_of: datetime,
) -> list[PropertyUpdate]:
    """Property updates for values that differ from what was last written (or found)."""
    updates: list[PropertyUpdate] = []
    for decision in decisions:
        ref = (decision.record_type, decision.record_id)
        for prop, value in desired_properties(decision).items():
            previous = written.get((ref, prop))
            if previous == value or (previous is None and value == ""):
                continue
            updates.append(
                PropertyUpdate(
                    key=_property_key(ref, prop, value, as_of),
                    record_type=decision.record_type,
                    record_id=decision.record_id,
                    property=prop,
                    value=value,
                    previous=previous,
                )
            )
    return updates


def plan_tasks(
    decisions: Iterable[RecordDecision], open_tasks: Iterable[OpenTask]
) -> list[TaskCreate | TaskClose]:
    """Tasks to create (the store drops keys it already planned) and open tasks to close.

    Only records judged in ``decisions`` can have tasks closed: a record not re-judged this cycle
    keeps its tasks.
    """
    wanted: dict[str, TaskSpec] = {}
    judged: set[RecordRef] = set()
    for decision in decisions:
        judged.add((decision.record_type, decision.record_id))
        for spec in decision.tasks:
            wanted[task_key(spec)] = spec
    actions: list[TaskCreate | TaskClose] = [
        _task_create(key, spec) for key, spec in sorted(wanted.items())
    ]
    for task in sorted(open_tasks, key=lambda t: t.key):
        if (task.record_type, task.record_id) in judged and task.key not in wanted:
            actions.append(
                TaskClose(
                    key=task.key,
                    record_type=task.record_type,
                    record_id=task.record_id,
                    rule=task.rule,
                    crm_task_id=task.crm_id,
                )
            )
    return actions


def _task_create(key: str, spec: TaskSpec) -> TaskCreate:
    return TaskCreate(
        key=key,
        record_type=spec.record_type,
        record_id=spec.record_id,
        rule=spec.rule,
        owner_id=spec.owner_id,
        due=spec.due,
        subject=spec.subject,
        body=spec.body,
        priority=spec.priority,
    )


def breaches(decisions: Iterable[RecordDecision]) -> list[Breach]:
    """Every overdue SLA clock and every overdue missing rejection reason."""
    found: list[Breach] = []
    for decision in decisions:
        for sla in decision.sla:
            if sla.breached:
                found.append(
                    Breach(
                        rule=sla.rule,
                        record_type=sla.record_type,
                        record_id=sla.record_id,
                        owner_id=sla.owner_id,
                        status="overdue",
                        due=sla.due_at,
                        escalated=sla.state is SlaState.ESCALATED,
                    )
                )
        for rejection in decision.rejection:
            if rejection.overdue:
                found.append(
                    Breach(
                        rule=rejection.rule,
                        record_type=rejection.record_type,
                        record_id=rejection.record_id,
                        owner_id=rejection.owner_id,
                        status="missing_reason",
                        due=rejection.due_at,
                    )
                )
    return found


def plan(
    decisions: Iterable[RecordDecision],
    *,
    written: Mapping[tuple[RecordRef, str], str],
    open_tasks: Iterable[OpenTask],
    as_of: datetime,
) -> list[Action]:
    """Every action the decisions imply, properties first, in a deterministic order."""
    decided = list(decisions)
    return [*plan_properties(decided, written, as_of), *plan_tasks(decided, open_tasks)]
