"""Checks between keys and between sections: clocks, duration order, references, unique names.

They run on a lenient *view* of each rule read straight from the parsed document, so a rule with
an unrelated mistake (an empty task subject, say) is still checked for a stage no CRM value maps
to or a name used twice. A key whose value is itself invalid is left out of the view: its own
problem is reported by the schema, and nothing here piles a follow-on problem on top of it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from connector.config.durations import Duration
from connector.config.errors import Problems, format_loc
from connector.config.fields import choice, grace_duration, name, rule_duration
from connector.config.locate import Loc
from connector.config.rule_schema import StagesSection
from rules.model import LeadStatus, Stage
from rules.ruleset import ClockKind

T = TypeVar("T")

_SLA_DURATIONS = ("within", "warn_before", "escalate_after")
_stage = choice(Stage, "stage")
_status = choice(LeadStatus, "lead status")
_clock = choice(ClockKind, "clock")


@dataclass(frozen=True, slots=True)
class RuleView:
    """What could be read of one rule; ``None`` or absent where the value is missing or invalid."""

    loc: Loc
    name: str | None
    stage: Stage | None = None
    statuses: tuple[tuple[Loc, LeadStatus], ...] = ()
    clock: ClockKind | None = None
    durations: tuple[tuple[str, Duration], ...] = ()


def clock_of(
    explicit: ClockKind | None, durations: Sequence[tuple[str, Duration | None]]
) -> tuple[ClockKind, list[tuple[str, str]]]:
    """The clock a rule runs on, and the keys whose duration names the other clock.

    ``clock`` wins if given; else the first duration that names a clock ("4 business hours")
    sets it; else business.

    Returns:
        The clock, and ``(key, message)`` for each contradicting duration.
    """
    clock, source = explicit, "clock"
    problems: list[tuple[str, str]] = []
    for key, duration in durations:
        if duration is None or duration.clock is None:
            continue
        if clock is None:
            clock, source = duration.clock, key
        elif duration.clock is not clock:
            where = f'clock = "{clock}"' if source == "clock" else f"{source} is {clock} time"
            problems.append((key, f'"{duration.text}" is {duration.clock} time but {where}'))
    return clock or ClockKind.BUSINESS, problems


def read_views(document: Mapping[str, Any]) -> list[RuleView]:
    """A view of every ``[[sla]]``, ``[[rejection]]`` and ``[[scoring.rule]]`` entry."""
    scoring = document.get("scoring")
    return [
        *(_sla_view(loc, raw) for loc, raw in _entries(document.get("sla"), ("sla",))),
        *(
            _rejection_view(loc, raw)
            for loc, raw in _entries(document.get("rejection"), ("rejection",))
        ),
        *(
            RuleView(loc, _lenient(name, raw.get("name")))
            for loc, raw in _entries(
                scoring.get("rule") if isinstance(scoring, dict) else None, ("scoring", "rule")
            )
        ),
    ]


def check_relations(
    views: Sequence[RuleView],
    stages: StagesSection | None,
    business_day: timedelta | None,
    problems: Problems,
) -> None:
    """Record every problem between keys and sections.

    Args:
        views: The rules as read by :func:`read_views`.
        stages: The stage maps, or ``None`` if invalid (reference checks are then skipped).
        business_day: The calendar's business day, or ``None`` if the calendar is invalid.
        problems: Where problems are recorded.
    """
    _check_unique_names(views, problems)
    if stages is not None:
        _check_stage_dates(stages, problems)
        _check_references(views, stages, problems)
    for view in views:
        clock, contradictions = clock_of(view.clock, view.durations)
        problems.extend(((*view.loc, key), message) for key, message in contradictions)
        if view.loc[0] == "sla" and not contradictions:
            _check_sla_order(view, clock, business_day, problems)


def _entries(raw: object, loc: Loc) -> Iterator[tuple[Loc, dict[str, Any]]]:
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if isinstance(item, dict):
                yield (*loc, index), item


def _lenient(validator: Callable[[object], T], value: object) -> T | None:
    """The validated value, or ``None`` when it is absent or invalid (reported elsewhere)."""
    if value is None:
        return None
    try:
        return validator(value)
    except ValueError:
        return None


def _statuses(loc: Loc, raw: object) -> Iterator[tuple[Loc, LeadStatus]]:
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            status = _lenient(_status, item)
            if status is not None:
                yield (*loc, index), status


def _sla_view(loc: Loc, raw: dict[str, Any]) -> RuleView:
    statuses = [
        status
        for number, touch in _entries(raw.get("touches"), (*loc, "touches"))
        for status in _statuses((*number, "statuses"), touch.get("statuses"))
    ]
    durations = ((key, _lenient(rule_duration, raw.get(key))) for key in _SLA_DURATIONS)
    return RuleView(
        loc=loc,
        name=_lenient(name, raw.get("name")),
        stage=_lenient(_stage, raw.get("stage")),
        statuses=tuple(statuses),
        clock=_lenient(_clock, raw.get("clock")),
        durations=tuple((key, value) for key, value in durations if value is not None),
    )


def _rejection_view(loc: Loc, raw: dict[str, Any]) -> RuleView:
    grace = _lenient(grace_duration, raw.get("grace"))
    return RuleView(
        loc=loc,
        name=_lenient(name, raw.get("name")),
        statuses=tuple(_statuses((*loc, "statuses"), raw.get("statuses"))),
        clock=_lenient(_clock, raw.get("clock")),
        durations=(("grace", grace),) if grace else (),
    )


def _check_unique_names(views: Sequence[RuleView], problems: Problems) -> None:
    """Rule names key tasks and breaches in the CRM, so they are unique across all rules."""
    first: dict[str, Loc] = {}
    for view in views:
        if view.name is None:
            continue
        earlier = first.setdefault(view.name.casefold(), view.loc)
        if earlier != view.loc:
            message = f'"{view.name}" is already the name of {format_loc(earlier)}'
            problems.add((*view.loc, "name"), message)


def _check_stage_dates(stages: StagesSection, problems: Problems) -> None:
    for value in stages.entered_date_property:
        if value not in stages.lifecycle:
            close = difflib.get_close_matches(value, list(stages.lifecycle), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            problems.add(
                ("stages", "entered_date_property", value),
                f'"{value}" is not a lifecycle value of [stages.lifecycle]{hint}',
            )


def _check_references(views: Sequence[RuleView], stages: StagesSection, problems: Problems) -> None:
    """Rules may only name stages and statuses that some CRM value maps to."""
    for view in views:
        if view.stage is not None:
            _check_mapped(
                (*view.loc, "stage"), view.stage, stages.lifecycle, "stages.lifecycle", problems
            )
        for loc, status in view.statuses:
            _check_mapped(loc, status, stages.lead_status, "stages.lead_status", problems)


def _check_mapped(
    loc: Loc, value: StrEnum, table: Mapping[str, StrEnum], name: str, problems: Problems
) -> None:
    reached = set(table.values())
    if value not in reached:
        noun = "stages" if isinstance(value, Stage) else "statuses"
        listed = ", ".join(v for v in type(value) if v in reached) or "none"
        problems.add(loc, f'no value in [{name}] maps to "{value}" (mapped {noun}: {listed})')


def _check_sla_order(
    view: RuleView, clock: ClockKind, business_day: timedelta | None, problems: Problems
) -> None:
    """``warn_before`` < ``within`` < ``escalate_after``, measured on the rule's clock."""
    given = dict(view.durations)
    within, warn, escalate = (given.get(key) for key in _SLA_DURATIONS)
    within_length = length(within, clock, business_day)
    if within is None or within_length is None:
        return
    warn_length = length(warn, clock, business_day)
    if warn and warn_length is not None and warn_length >= within_length:
        message = f'"{warn.text}" must be shorter than within ("{within.text}")'
        problems.add((*view.loc, "warn_before"), message)
    escalate_length = length(escalate, clock, business_day)
    if escalate and escalate_length is not None and escalate_length <= within_length:
        message = f'"{escalate.text}" must be longer than within ("{within.text}")'
        problems.add((*view.loc, "escalate_after"), message)


def length(
    duration: Duration | None, clock: ClockKind, business_day: timedelta | None
) -> timedelta | None:
    """The duration on ``clock``; ``None`` if unset or it needs an unknown business day."""
    if duration is None or (duration.days and clock is ClockKind.BUSINESS and not business_day):
        return None
    return duration.to_timedelta(clock, business_day or timedelta(days=1))
