"""Rejected leads must say why: a reason is due within a grace period of the rejection.

A rule applies to a record whose canonical status is one of ``rule.statuses``. Its reason is
``person.get(rule.reason_field)``; it is *missing* when unset, blank, or one of the rule's
placeholders (``"Select"``, ``"n/a"``...), compared after stripping and case-insensitively.
Only records with a missing reason get a :class:`RejectionResult`; a reason added later makes
the result, and so the task, go away.

The record was rejected when it entered its current status (``status_history``). Without that
history the last modification (``person.updated_at``) stands in: it is never earlier than the
rejection, so the grace period is never cut short, but every later edit restarts it and moves
the task's episode; :func:`rules.evaluate` counts such records so an adapter that drops the
status history shows up. A record with neither time cannot be judged.

``due_at = clock.add(rejected_at, grace)`` on the rule's clock for the record's owner; once
``now >= due_at`` the result is overdue and asks the owner for a task, due at ``due_at``, whose
episode starts at ``rejected_at``.
"""

from __future__ import annotations

from datetime import datetime

from rules.decisions import LifecycleView, RejectionResult, TaskPurpose
from rules.model import Person
from rules.ruleset import RejectionRule
from rules.templates import OwnerContext, RecordValues, make_task, readable


class RejectionJudge:
    """One :class:`RejectionRule`, compiled: judges many records against it."""

    __slots__ = ("_placeholders", "_statuses", "rule")

    def __init__(self, rule: RejectionRule) -> None:
        self.rule = rule
        self._statuses = frozenset(rule.statuses)
        self._placeholders = frozenset(p.strip().casefold() for p in rule.placeholders)

    def applies(self, view: LifecycleView) -> bool:
        """Whether the record's canonical status is one the rule watches."""
        return view.status in self._statuses

    def reason_missing(self, person: Person) -> bool:
        """Whether ``person`` lacks a usable reason (unset, blank or a placeholder)."""
        reason = person.get(self.rule.reason_field)
        if reason is None:
            return True
        text = str(reason).strip().casefold()
        return not text or text in self._placeholders

    @staticmethod
    def rejected_at(person: Person, view: LifecycleView) -> datetime | None:
        """When the record entered its status, else its last modification, else ``None``."""
        if view.status_entered_at is not None:
            return view.status_entered_at
        return person.updated_at

    def judge(
        self,
        person: Person,
        view: LifecycleView,
        rejected_at: datetime,
        context: OwnerContext,
        now: datetime,
    ) -> RejectionResult:
        """The verdict on ``person``, whose reason is missing, rejected at ``rejected_at``."""
        rule = self.rule
        status = view.status
        if status is None:
            raise ValueError(f"rejection rule {rule.name!r}: record {person.id} has no status")
        due = context.clocks[rule.clock].add(rejected_at, rule.grace)
        overdue = now >= due
        task = None
        if overdue:
            values = RecordValues(
                person,
                {
                    "rule": rule.name,
                    "due": readable(due, context.zone),
                    "owner_name": context.owner_name,
                    "stage": view.stage.value if view.stage is not None else "",
                    "status": status.value,
                },
                context.zone,
            )
            task = make_task(
                rule=rule.name,
                purpose=TaskPurpose.REJECTION_REASON,
                template=rule.task,
                person=person,
                assignee=person.owner_id,
                due=due,
                episode_start=rejected_at,
                values=values,
            )
        return RejectionResult(
            rule=rule.name,
            record_type=person.object_type,
            record_id=person.id,
            owner_id=person.owner_id,
            status=status,
            rejected_at=rejected_at,
            due_at=due,
            overdue=overdue,
            task=task,
        )
