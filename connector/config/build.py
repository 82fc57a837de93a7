"""Turn validated sections into the :class:`~rules.ruleset.Ruleset` the rules judge with.

Called only once every section validated and :mod:`connector.config.relations` found nothing:
from here on the values are known to be consistent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from connector.config.calendar_section import CalendarSection
from connector.config.relations import clock_of, length
from connector.config.rule_schema import (
    RejectionSection,
    ScoreRuleSection,
    ScoringSection,
    SlaSection,
    StagesSection,
)
from rules.ruleset import (
    DEFAULT_PLACEHOLDERS,
    RejectionRule,
    Ruleset,
    ScoreRule,
    ScoringModel,
    SlaRule,
    StageMap,
)


def build_ruleset(
    *,
    calendar: CalendarSection,
    stages: StagesSection,
    sla: list[SlaSection],
    rejection: list[RejectionSection],
    scoring: ScoringSection,
    score_rules: list[ScoreRuleSection],
) -> Ruleset:
    """Assemble the ruleset from valid, mutually consistent sections."""
    spec = calendar.spec()
    return Ruleset(
        stage_map=StageMap(
            lifecycle=dict(stages.lifecycle),
            lead_status=dict(stages.lead_status),
            stage_date_properties=dict(stages.entered_date_property),
        ),
        calendar=spec,
        sla=tuple(_sla_rule(section, spec.business_day) for section in sla),
        rejection=tuple(_rejection(section, spec.business_day) for section in rejection),
        scoring=_scoring(scoring, score_rules),
    )


def _sla_rule(section: SlaSection, business_day: timedelta) -> SlaRule:
    clock, _ = clock_of(
        section.clock,
        [
            ("within", section.within),
            ("warn_before", section.warn_before),
            ("escalate_after", section.escalate_after),
        ],
    )
    rule = SlaRule(
        name=section.name,
        stage=section.stage,
        within=section.within.to_timedelta(clock, business_day),
        clock=clock,
        where=tuple(section.where),
        touches=tuple(touch.signal() for touch in section.touches or ()),
        warn_before=length(section.warn_before, clock, business_day),
        escalate_after=length(section.escalate_after, clock, business_day),
    )
    if section.task is not None:
        rule = replace(rule, task=section.task.template())
    if section.escalation_task is not None:
        rule = replace(rule, escalation_task=section.escalation_task.template())
    return rule


def _rejection(section: RejectionSection, business_day: timedelta) -> RejectionRule:
    clock, _ = clock_of(section.clock, [("grace", section.grace)])
    rule = RejectionRule(
        name=section.name,
        statuses=tuple(section.statuses),
        reason_field=section.reason_field,
        grace=section.grace.to_timedelta(clock, business_day),
        clock=clock,
        placeholders=DEFAULT_PLACEHOLDERS
        if section.placeholders is None
        else tuple(section.placeholders),
    )
    if section.task is not None:
        rule = replace(rule, task=section.task.template())
    return rule


def _scoring(section: ScoringSection, rules: list[ScoreRuleSection]) -> ScoringModel:
    return ScoringModel(
        rules=tuple(
            ScoreRule(
                name=rule.name,
                group=rule.group,
                when=rule.when,
                points=rule.points,
                half_life_days=rule.half_life,
                at=rule.at,
            )
            for rule in rules
        ),
        fit_cap=section.fit_cap,
        engagement_cap=section.engagement_cap,
        total_cap=section.total_cap,
    )
