"""The rule sections of config.toml: ``[stages]``, ``[[sla]]``, ``[[rejection]]``, ``[scoring]``.

These models check what one table can check on its own: types, names, which keys go together.
Relations (the clock durations name, their order, stages no CRM value maps to, rule names used
twice) are checked in :mod:`connector.config.relations`.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, PlainValidator, model_validator

from connector.config.conditions import condition
from connector.config.durations import Duration
from connector.config.fields import (
    ActivityName,
    ClockName,
    GraceDuration,
    GroupName,
    HalfLifeDays,
    Name,
    PriorityName,
    PropertyName,
    RuleDuration,
    StageName,
    StatusName,
    Subject,
    Template,
    Text,
    TouchKindName,
)
from connector.config.schema_base import Section, fail_at, fail_many
from rules.ruleset import (
    Condition,
    ScoreGroup,
    TaskPriority,
    TaskTemplate,
    TouchKind,
    TouchSignal,
)

ConditionTable = Annotated[Condition, PlainValidator(condition)]

# Each touch kind's own key (the other kinds' keys are refused with it), and whether it must be
# given: without statuses or activities the judge uses its defaults (rules.sla).
_TOUCH_KEYS: dict[TouchKind, tuple[str, bool]] = {
    TouchKind.PROPERTY: ("property", True),
    TouchKind.STATUS: ("statuses", False),
    TouchKind.ACTIVITY: ("activities", False),
}


class StagesSection(Section):
    """``[stages]``: CRM values to canonical stages and statuses."""

    lifecycle: dict[str, StageName] = Field(min_length=1)
    lead_status: dict[str, StatusName] = Field(default_factory=dict)
    entered_date_property: dict[str, PropertyName] = Field(default_factory=dict)


class TaskSection(Section):
    """``task = { subject = "...", body = "...", priority = "high" }``."""

    subject: Subject
    body: Template = ""
    priority: PriorityName = TaskPriority.HIGH

    def template(self) -> TaskTemplate:
        """The task as the rules take it."""
        return TaskTemplate(subject=self.subject, body=self.body, priority=self.priority)


class TouchSection(Section):
    """One way to recognise the first sales touch; ``kind`` says which keys apply."""

    kind: TouchKindName
    property: PropertyName | None = None
    statuses: list[StatusName] | None = Field(default=None, min_length=1)
    activities: list[ActivityName] | None = Field(default=None, min_length=1)
    by_owner_only: bool | None = None

    @model_validator(mode="after")
    def _keys_of_kind(self) -> Self:
        given = {
            "property": self.property,
            "statuses": self.statuses,
            "activities": self.activities,
            "by_owner_only": self.by_owner_only,
        }
        own, required = _TOUCH_KEYS[self.kind]
        allowed = {own, "by_owner_only"} if self.kind is TouchKind.ACTIVITY else {own}
        problems = [
            (key, f'not used with kind = "{self.kind}" (it takes {own})')
            for key, value in given.items()
            if value is not None and key not in allowed
        ]
        if required and given[own] is None:
            problems.insert(0, (own, f'kind = "{self.kind}" needs {own}'))
        if problems:
            raise fail_many(problems)
        return self

    def signal(self) -> TouchSignal:
        """The touch signal as the rules take it."""
        return TouchSignal(
            kind=self.kind,
            property=self.property,
            statuses=tuple(self.statuses or ()),
            activities=tuple(self.activities or ()),
            by_owner_only=True if self.by_owner_only is None else self.by_owner_only,
        )


class SlaSection(Section):
    """``[[sla]]``: records entering ``stage`` must be touched ``within`` a time."""

    name: Name
    stage: StageName
    within: RuleDuration
    clock: ClockName | None = None
    where: list[ConditionTable] = Field(default_factory=list)
    touches: list[TouchSection] | None = Field(default=None, min_length=1)
    warn_before: RuleDuration | None = None
    escalate_after: RuleDuration | None = None
    task: TaskSection | None = None
    escalation_task: TaskSection | None = None


class RejectionSection(Section):
    """``[[rejection]]``: records in ``statuses`` must carry a reason in ``reason_field``."""

    name: Name
    statuses: list[StatusName] = Field(min_length=1)
    reason_field: PropertyName
    grace: GraceDuration = Duration(text="1 day", days=1)
    clock: ClockName | None = None
    placeholders: list[Text] | None = None
    task: TaskSection | None = None


class ScoreRuleSection(Section):
    """``[[scoring.rule]]``: ``points`` when ``when`` holds, optionally decaying with age."""

    name: Name
    group: GroupName
    when: ConditionTable
    points: int
    half_life: HalfLifeDays | None = None
    at: PropertyName | None = None

    @model_validator(mode="after")
    def _decay_keys(self) -> Self:
        if self.points == 0:
            raise fail_at("points", "is 0: the rule would never change a score")
        if self.half_life is not None and self.group is ScoreGroup.FIT:
            raise fail_at("half_life", 'only engagement rules decay (group = "engagement")')
        if self.half_life is not None and self.at is None:
            raise fail_at("at", 'half_life needs at = "<timestamp field>" to measure the age from')
        if self.at is not None and self.half_life is None:
            raise fail_at("at", "only used with half_life")
        return self


class ScoringSection(Section):
    """``[scoring]``: the caps. ``rule`` is declared so it counts as a known key, but the
    ``[[scoring.rule]]`` tables are validated one by one as :class:`ScoreRuleSection` by the
    loader, so that one broken rule does not hide the problems of the others.
    """

    fit_cap: int = Field(default=60, ge=0)
    engagement_cap: int = Field(default=40, ge=0)
    total_cap: int = Field(default=100, ge=1)
    rule: object = None
