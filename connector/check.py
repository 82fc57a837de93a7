"""``smarketing check``: a short, human summary of what a valid configuration will do.

Marketing ops read it to confirm the file says what they meant: which CRM, which clock, which
stages count, what each SLA waits for and which records it skips, how scores add up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from enum import StrEnum

from connector.config import CrmKind, Settings
from connector.config.conditions import render
from rules.model import LeadStatus, Stage
from rules.ruleset import (
    CalendarSpec,
    ClockKind,
    Condition,
    Op,
    RejectionRule,
    ScoreGroup,
    ScoringModel,
    SlaRule,
    StageMap,
    TouchKind,
    TouchSignal,
)
from rules.sla import DEFAULT_TOUCH_STATUSES, DEFAULT_TOUCHES

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_OPERATORS = {
    Op.EQ: "=",
    Op.NEQ: "!=",
    Op.IN: "in",
    Op.NOT_IN: "not in",
    Op.CONTAINS: "contains",
    Op.GTE: ">=",
    Op.LTE: "<=",
}


def summary_lines(settings: Settings) -> list[str]:
    """The summary, one printable line each, sections in the order of ``config.toml``."""
    ruleset = settings.ruleset
    day = ruleset.calendar.business_day
    return [
        f"{settings.source} is valid.",
        *_service(settings),
        _calendar(ruleset.calendar),
        *_stages(ruleset.stage_map),
        f"SLA rules ({len(ruleset.sla)})",
        *(line for rule in ruleset.sla for line in _sla(rule, day)),
        f"Rejection rules ({len(ruleset.rejection)})",
        *(_rejection(rule, day) for rule in ruleset.rejection),
        *_scoring(ruleset.scoring),
    ]


def span(length: timedelta, clock: ClockKind, business_day: timedelta) -> str:
    """Say a length on its clock.

    ``4 business hours``, ``2 business days (18h)``, ``26h (calendar time)``.
    """
    if clock is ClockKind.CALENDAR:
        days, rest = divmod(length, timedelta(days=1))
        return f"{_plural(days, 'day') if days and not rest else _hours(length)} (calendar time)"
    days, rest = divmod(length, business_day)
    if days and not rest:
        return f"{_plural(days, 'business day')} ({_hours(length)})"
    hours, rest = divmod(length, timedelta(hours=1))
    if hours and not rest:
        return _plural(hours, "business hour")
    return f"{_hours(length)} of business time"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _hours(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes:02d}m"
    return f"{hours}h" if hours else f"{minutes}m"


def _service(settings: Settings) -> Iterator[str]:
    crm = settings.crm
    if crm.kind is CrmKind.SALESFORCE and crm.salesforce is not None:
        sf = crm.salesforce
        login = f", login at {sf.login_url}" if sf.login_url else ""
        lifecycle = f", lifecycle stage in {sf.lifecycle_field}" if sf.lifecycle_field else ""
        yield (
            f"CRM: salesforce at {sf.instance_url} (API {sf.api_version}, auth {sf.auth},"
            f" client id in ${sf.client_id_env}{login}{lifecycle})"
        )
    else:
        yield f"CRM: hubspot at {crm.hubspot.base_url} (token in ${crm.hubspot.token_env})"
    yield f"Store: {settings.store.url}"
    yield f"Sync: every {_hours(settings.schedule.sync_every)}"


def _calendar(spec: CalendarSpec) -> str:
    hours = ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in spec.hours)
    holidays = "no public holidays"
    if spec.holiday_country:
        region = spec.holiday_country
        if spec.holiday_subdivision:
            region += f"-{spec.holiday_subdivision}"
        holidays = f"{region} public holidays"
    if spec.extra_holidays:
        holidays += f" + {_plural(len(spec.extra_holidays), 'company day')} off"
    zone = spec.timezone + (" (or the owner's own zone)" if spec.use_owner_timezone else "")
    return (
        f"Calendar: {zone}, {_days(spec.workdays)} {hours}, {holidays};"
        f" a business day is {_hours(spec.business_day)}"
    )


def _days(workdays: tuple[int, ...]) -> str:
    """Weekdays with runs collapsed: ``Mon-Fri``, ``Mon-Wed, Fri``."""
    runs: list[list[int]] = []
    for day in workdays:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        names = [_DAY_NAMES[day - 1] for day in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(names) > 2 else ", ".join(names))
    return ", ".join(parts)


def _stages(stage_map: StageMap) -> Iterator[str]:
    yield "Stages (canonical <- CRM values)"
    yield from _mapping(list(Stage), stage_map.lifecycle)
    if stage_map.lead_status:
        yield "Lead statuses (canonical <- CRM values)"
        yield from _mapping(list(LeadStatus), stage_map.lead_status)


def _mapping(canonical: Sequence[StrEnum], crm: Mapping[str, StrEnum]) -> Iterator[str]:
    width = max(len(value) for value in canonical)
    unmapped: list[str] = []
    for value in canonical:
        sources = [crm_value for crm_value, target in crm.items() if target is value]
        if sources:
            yield f"  {value:<{width}} <- {', '.join(sources)}"
        else:
            unmapped.append(value)
    if unmapped:
        yield f"  not mapped (rules cannot use them): {', '.join(unmapped)}"


def _sla(rule: SlaRule, business_day: timedelta) -> Iterator[str]:
    line = f"  {rule.name}: {rule.stage} within {span(rule.within, rule.clock, business_day)}"
    if rule.warn_before:
        line += f"; due soon {_hours(rule.warn_before)} before"
    if rule.escalate_after:
        line += f"; escalate after {span(rule.escalate_after, rule.clock, business_day)}"
    yield line
    touches = " | ".join(_touch(touch) for touch in rule.touches or DEFAULT_TOUCHES)
    yield f"    touched when: {touches}{'' if rule.touches else ' (the default)'}"
    if rule.where:
        yield f"    only records where: {' and '.join(describe(c) for c in rule.where)}"


def _touch(touch: TouchSignal) -> str:
    if touch.kind is TouchKind.PROPERTY:
        return f"{touch.property} is set"
    if touch.kind is TouchKind.STATUS:
        return f"status becomes {' or '.join(touch.statuses or DEFAULT_TOUCH_STATUSES)}"
    who = "the owner" if touch.by_owner_only else "anyone"
    return f"{' or '.join(touch.activities) or 'any activity'} completed by {who}"


def describe(condition: Condition) -> str:
    """A condition in words: ``numemployees between 50 and 1000``, ``jobtitle contains "vp"``."""
    if condition.op is Op.EXISTS:
        return f"{condition.field} is set"
    if condition.op is Op.NOT_EXISTS:
        return f"{condition.field} is empty"
    if condition.op is Op.BETWEEN and isinstance(condition.value, tuple):
        low, high = condition.value
        return f"{condition.field} between {render(low)} and {render(high)}"
    return f"{condition.field} {_OPERATORS[condition.op]} {render(condition.value)}"


def _rejection(rule: RejectionRule, business_day: timedelta) -> str:
    statuses = " or ".join(rule.statuses)
    grace = span(rule.grace, rule.clock, business_day) if rule.grace else "at once"
    return f"  {rule.name}: {statuses} needs {rule.reason_field} within {grace}"


def _scoring(model: ScoringModel) -> Iterator[str]:
    yield f"Scoring (total capped at {model.total_cap})"
    caps = {ScoreGroup.FIT: model.fit_cap, ScoreGroup.ENGAGEMENT: model.engagement_cap}
    for group, cap in caps.items():
        rules = [rule for rule in model.rules if rule.group is group]
        decaying = sum(1 for rule in rules if rule.half_life_days)
        decay = f", {decaying} decaying" if decaying else ""
        yield f"  {group}: {len(rules)} rules{decay}, capped at {cap}"
