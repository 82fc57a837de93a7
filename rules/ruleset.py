"""The rules marketing ops write, as typed, validated values.

``connector.config`` builds a :class:`Ruleset` from ``config.toml``; everything in ``rules/`` judges
records with it. These classes hold no behaviour beyond small derived properties: the logic lives in
``calendar``, ``lifecycle``, ``sla``, ``rejection`` and ``scoring``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from rules.model import ActivityKind, FieldValue, LeadStatus, Stage


class ClockKind(StrEnum):
    """Which clock a duration runs on."""

    BUSINESS = "business"
    CALENDAR = "calendar"


class Op(StrEnum):
    """Comparison operators of conditions (SLA filters and scoring rules)."""

    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    GTE = "gte"
    LTE = "lte"
    BETWEEN = "between"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"


ConditionValue = FieldValue | tuple[FieldValue, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """``field op value``. String comparisons (eq, neq, in, not_in, contains) ignore case.

    ``value`` is a tuple for ``in``/``not_in`` and a 2-tuple ``(low, high)`` (inclusive) for
    ``between``; it is ``None`` for ``exists``/``not_exists``. A missing field (``None`` or ``""``)
    satisfies only ``not_exists`` and ``neq``/``not_in``.
    """

    field: str
    op: Op
    value: ConditionValue = None


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Business hours: the time zone, working days, open intervals, holidays.

    ``workdays`` are ISO weekdays (1 = Monday … 7 = Sunday). ``hours`` are local ``[start, end)``
    intervals of one working day, sorted and disjoint (``[(09:00, 13:00), (14:00, 18:00)]`` for a
    lunch break). Holidays come from the ``holidays`` package for ``holiday_country`` (and
    ``holiday_subdivision``) plus ``extra_holidays``. With ``use_owner_timezone`` an owner's own
    time zone replaces ``timezone`` for that owner's clocks.
    """

    timezone: str = "UTC"
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    hours: tuple[tuple[time, time], ...] = ((time(9), time(17)),)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    use_owner_timezone: bool = False

    @property
    def business_day(self) -> timedelta:
        """Open time of one full working day: what "1 business day" means."""
        total = timedelta()
        for start, end in self.hours:
            opens = timedelta(hours=start.hour, minutes=start.minute, seconds=start.second)
            closes = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)
            if closes <= opens:  # an end of 00:00 means midnight at the end of the day
                closes += timedelta(days=1)
            total += closes - opens
        return total


@dataclass(frozen=True, slots=True)
class StageMap:
    """CRM values -> canonical stages and statuses. Values absent from the maps are *unknown*:
    kept as read, reported, and never judged as if they were some other stage.

    ``stage_date_properties`` maps a CRM lifecycle value to the property holding the date the
    record entered it (HubSpot ``hs_v2_date_entered_marketingqualifiedlead``), used when the record
    carries no stage history.
    """

    lifecycle: Mapping[str, Stage] = field(default_factory=dict)
    lead_status: Mapping[str, LeadStatus] = field(default_factory=dict)
    stage_date_properties: Mapping[str, str] = field(default_factory=dict)


class TouchKind(StrEnum):
    """How a sales touch shows up in the CRM."""

    PROPERTY = "property"  # a timestamp property is set (to a time after the clock started)
    STATUS = "status"  # the lead status changed to one of the given canonical statuses
    ACTIVITY = "activity"  # a completed task/call/meeting/email by the record's owner


@dataclass(frozen=True, slots=True)
class TouchSignal:
    """One way a rule recognises the first sales touch."""

    kind: TouchKind
    property: str | None = None
    statuses: tuple[LeadStatus, ...] = ()
    activities: tuple[ActivityKind, ...] = ()
    by_owner_only: bool = True


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class TaskTemplate:
    """Subject and body of a task; ``{field}`` placeholders take record fields (``{email}``,
    ``{company}``, any ``fields`` key) and ``{rule}``, ``{due}``, ``{owner_name}``."""

    subject: str
    body: str = ""
    priority: TaskPriority = TaskPriority.HIGH


@dataclass(frozen=True, slots=True)
class SlaRule:
    """Sales must touch a record within ``within`` of it entering ``stage``.

    ``warn_before`` turns the state to ``due_soon`` that long before the due time; after
    ``escalate_after`` (measured from the clock start, on the same clock) without a touch the
    owner's manager gets an escalation task.
    """

    name: str
    stage: Stage
    within: timedelta
    clock: ClockKind = ClockKind.BUSINESS
    where: tuple[Condition, ...] = ()
    touches: tuple[TouchSignal, ...] = ()
    warn_before: timedelta | None = None
    escalate_after: timedelta | None = None
    task: TaskTemplate = TaskTemplate(subject="Follow up with {email} ({rule})")
    escalation_task: TaskTemplate = TaskTemplate(
        subject="Escalation: {email} not touched within SLA ({rule})"
    )


DEFAULT_PLACEHOLDERS: tuple[str, ...] = ("", "select", "unknown", "-", "n/a", "none", "other")


@dataclass(frozen=True, slots=True)
class RejectionRule:
    """Records in ``statuses`` must carry a reason in ``reason_field`` within ``grace``.

    Values in ``placeholders`` (compared case-insensitively, after stripping) count as missing.
    """

    name: str
    statuses: tuple[LeadStatus, ...]
    reason_field: str
    grace: timedelta = timedelta(hours=24)
    clock: ClockKind = ClockKind.BUSINESS
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    task: TaskTemplate = TaskTemplate(
        subject="Add a rejection reason for {email}", priority=TaskPriority.MEDIUM
    )


class ScoreGroup(StrEnum):
    FIT = "fit"
    ENGAGEMENT = "engagement"


@dataclass(frozen=True, slots=True)
class ScoreRule:
    """``points`` (negative allowed) when ``when`` holds.

    Engagement rules may decay: with ``half_life_days`` the points halve every that many days since
    the timestamp in field ``at`` (no timestamp, no decay).
    """

    name: str
    group: ScoreGroup
    when: Condition
    points: int
    half_life_days: float | None = None
    at: str | None = None


@dataclass(frozen=True, slots=True)
class ScoringModel:
    """Rules plus caps. The final score is clamped to ``0..total_cap`` (0-100 by default)."""

    rules: tuple[ScoreRule, ...] = ()
    fit_cap: int = 60
    engagement_cap: int = 40
    total_cap: int = 100


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Everything the rules need to judge records."""

    stage_map: StageMap = StageMap()
    calendar: CalendarSpec = CalendarSpec()
    sla: tuple[SlaRule, ...] = ()
    rejection: tuple[RejectionRule, ...] = ()
    scoring: ScoringModel = ScoringModel()
