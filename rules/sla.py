"""Service-level clocks: sales must touch a record within a time of it entering a stage.

A rule applies to a record whose canonical *current* stage is ``rule.stage`` and which satisfies
every ``where`` condition; a record that moved on to another stage gets no result, so the
connector closes the tasks it opened. The clock starts when the record entered that stage (see
:mod:`rules.lifecycle`); a record with no known start cannot be judged and is left to the caller
to report (:func:`rules.evaluate` counts it as ``"sla 'name': no stage date"``).

Times run on the rule's clock for the record's owner: ``due = clock.add(start, within)``.

**Touches.** The first touch is the earliest signal at or after the clock start and at or before
``now`` (as of ``now`` a later touch has not happened yet, which keeps replays honest):

* ``property``: the timestamp property holds such a time (an aware datetime or an ISO string with
  an offset); an older value belongs to an earlier stay and is ignored;
* ``status``: a ``status_history`` entry entered one of the canonical ``statuses`` (none listed:
  the default ones below); a touch needs the history, the current status alone has no time;
* ``activity``: a completed activity of one of ``activities`` (none listed: any kind); with
  ``by_owner_only`` it must be logged by the record's owner, so an unowned record is never
  touched this way and its breach shows that nobody was assigned.

A rule without signals uses :data:`DEFAULT_TOUCHES`: any completed activity by the owner, or a
status change to attempting, connected, qualified or disqualified.

**States**, first match wins: ``met`` (touched by ``due``), ``met_late`` (touched after it),
``escalated`` (no touch, ``now >= escalate_at``), ``overdue`` (no touch, ``now >= due``),
``due_soon`` (no touch, at most ``warn_before`` of clock time left), ``on_track``.
``escalate_at = clock.add(start, escalate_after)``, but never before ``due``: a record is not
escalated while its owner still has time.

**Tasks.** Overdue and escalated records ask for a follow-up task for the owner, due at ``due``;
escalated ones also for an escalation task for the owner's manager (the owner when there is
none, which the body says), due at ``escalate_at``. Both carry the clock start as their episode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from rules.calendar import Clock
from rules.decisions import LifecycleView, SlaResult, SlaState, TaskPurpose, TaskSpec
from rules.lifecycle import LifecycleClassifier, as_instant
from rules.model import ActivityKind, LeadStatus, Person
from rules.ruleset import SlaRule, TouchKind, TouchSignal
from rules.templates import OwnerContext, RecordValues, make_task, readable

Predicate = Callable[[Person], bool]
"""A compiled ``where`` condition."""

TouchFinder = Callable[[Person, datetime, datetime], datetime | None]
"""The earliest touch of one signal within ``[start, now]``, or ``None``."""

DEFAULT_TOUCH_STATUSES: tuple[LeadStatus, ...] = (
    LeadStatus.ATTEMPTING,
    LeadStatus.CONNECTED,
    LeadStatus.QUALIFIED,
    LeadStatus.DISQUALIFIED,
)
"""Statuses only sales sets after reaching out (``new`` and ``recycled`` are not touches)."""

DEFAULT_TOUCHES: tuple[TouchSignal, ...] = (
    TouchSignal(TouchKind.ACTIVITY),
    TouchSignal(TouchKind.STATUS, statuses=DEFAULT_TOUCH_STATUSES),
)
"""What counts as a touch when a rule lists no signals."""


class SlaJudge:
    """One :class:`SlaRule`, compiled: judges many records against it."""

    __slots__ = ("_finders", "_where", "rule")

    def __init__(
        self, rule: SlaRule, classifier: LifecycleClassifier, where: Sequence[Predicate] = ()
    ) -> None:
        """Compile ``rule``; ``where`` holds its compiled ``where`` conditions.

        Raises:
            ValueError: A ``property`` signal names no property.
        """
        self.rule = rule
        self._where = tuple(where)
        signals = rule.touches or DEFAULT_TOUCHES
        self._finders = tuple(_finder(rule.name, signal, classifier) for signal in signals)

    def applies(self, person: Person, view: LifecycleView) -> bool:
        """Whether the rule judges ``person``: it is in the rule's stage and passes ``where``."""
        if view.stage is not self.rule.stage:
            return False
        # A plain loop, not all(): the generator costs 0.3 µs per call on the hot path.
        for check in self._where:  # noqa: SIM110
            if not check(person):
                return False
        return True

    def first_touch(self, person: Person, start: datetime, now: datetime) -> datetime | None:
        """The earliest touch at or after ``start`` and at or before ``now``, if any."""
        found = None
        for find in self._finders:
            at = find(person, start, now)
            if at is not None and (found is None or at < found):
                found = at
        return found

    def judge(
        self, person: Person, start: datetime, context: OwnerContext, now: datetime
    ) -> SlaResult:
        """The verdict on ``person``, whose clock started at ``start``, as of ``now``."""
        rule = self.rule
        clock = context.clocks[rule.clock]
        due = clock.add(start, rule.within)
        escalate_at = None
        if rule.escalate_after is not None:
            escalate_at = max(due, clock.add(start, rule.escalate_after))
        touch = self.first_touch(person, start, now)
        state = sla_state(
            clock, touch, now, due=due, escalate_at=escalate_at, warn_before=rule.warn_before
        )
        next_change_at = _next_change(state, due=due, escalate_at=escalate_at)
        if state is SlaState.ON_TRACK and rule.warn_before is not None:
            # due_soon starts once the clock has run for ``within - warn_before``
            next_change_at = clock.add(start, max(rule.within - rule.warn_before, timedelta()))
        task = escalation = None
        if state is SlaState.OVERDUE or state is SlaState.ESCALATED:
            task, escalation = self._tasks(
                person, start, due=due, escalate_at=escalate_at, context=context, state=state
            )
        return SlaResult(
            rule=rule.name,
            record_type=person.object_type,
            record_id=person.id,
            owner_id=person.owner_id,
            state=state,
            started_at=start,
            due_at=due,
            met_at=touch,
            escalate_at=escalate_at,
            task=task,
            escalation=escalation,
            next_change_at=next_change_at,
        )

    def _tasks(
        self,
        person: Person,
        start: datetime,
        *,
        due: datetime,
        escalate_at: datetime | None,
        context: OwnerContext,
        state: SlaState,
    ) -> tuple[TaskSpec, TaskSpec | None]:
        rule = self.rule
        values = RecordValues(
            person,
            {
                "rule": rule.name,
                "due": readable(due, context.zone),
                "owner_name": context.owner_name,
                "stage": rule.stage.value,
            },
            context.zone,
        )
        task = make_task(
            rule=rule.name,
            purpose=TaskPurpose.FOLLOW_UP,
            template=rule.task,
            person=person,
            assignee=person.owner_id,
            due=due,
            episode_start=start,
            values=values,
        )
        if state is not SlaState.ESCALATED or escalate_at is None:
            return task, None
        escalation = make_task(
            rule=rule.name,
            purpose=TaskPurpose.ESCALATION,
            template=rule.escalation_task,
            person=person,
            assignee=context.escalate_to,
            due=escalate_at,
            episode_start=start,
            values=values,
            note=context.escalation_note,
        )
        return task, escalation


def _next_change(
    state: SlaState, *, due: datetime, escalate_at: datetime | None
) -> datetime | None:
    """When ``state`` turns into the next one without a touch (``None``: only a CRM change can)."""
    if state is SlaState.ON_TRACK or state is SlaState.DUE_SOON:
        return due
    if state is SlaState.OVERDUE:
        return escalate_at
    return None


def sla_state(
    clock: Clock,
    touch: datetime | None,
    now: datetime,
    *,
    due: datetime,
    escalate_at: datetime | None,
    warn_before: timedelta | None,
) -> SlaState:
    """The state of a clock due at ``due`` given its first touch (see the module doc)."""
    if touch is not None:
        return SlaState.MET if touch <= due else SlaState.MET_LATE
    if escalate_at is not None and now >= escalate_at:
        return SlaState.ESCALATED
    if now >= due:
        return SlaState.OVERDUE
    if warn_before is not None and clock.elapsed(now, due) <= warn_before:
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def _finder(rule: str, signal: TouchSignal, classifier: LifecycleClassifier) -> TouchFinder:
    if signal.kind is TouchKind.PROPERTY:
        if not signal.property:
            raise ValueError(f"sla rule {rule!r}: a property touch signal needs a property name")
        return _property_finder(signal.property)
    if signal.kind is TouchKind.STATUS:
        return _status_finder(frozenset(signal.statuses or DEFAULT_TOUCH_STATUSES), classifier)
    return _activity_finder(frozenset(signal.activities), by_owner_only=signal.by_owner_only)


def _property_finder(name: str) -> TouchFinder:
    def find(person: Person, start: datetime, now: datetime) -> datetime | None:
        at = as_instant(person.get(name))
        return at if at is not None and start <= at <= now else None

    return find


def _status_finder(statuses: frozenset[LeadStatus], classifier: LifecycleClassifier) -> TouchFinder:
    status_of = classifier.status_of

    def find(person: Person, start: datetime, now: datetime) -> datetime | None:
        # The history is oldest first, so the first match is the earliest.
        for entry in person.status_history:
            if start <= entry.entered_at <= now and status_of(entry.value) in statuses:
                return entry.entered_at
        return None

    return find


def _activity_finder(kinds: frozenset[ActivityKind], *, by_owner_only: bool) -> TouchFinder:
    def find(person: Person, start: datetime, now: datetime) -> datetime | None:
        owner = person.owner_id
        if by_owner_only and owner is None:
            return None
        found = None
        for activity in person.activities:
            at = activity.at
            if (
                activity.completed
                and start <= at <= now
                and (found is None or at < found)
                and (not kinds or activity.kind in kinds)
                and (not by_owner_only or activity.owner_id == owner)
            ):
                found = at
        return found

    return find
