"""Rejected leads need a reason: missing reasons, placeholders, the grace period, the task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from rules.calendar import clock_for
from rules.decisions import LifecycleView, RejectionResult, TaskPurpose
from rules.model import FieldValue, LeadStatus, Person, Stage
from rules.rejection import RejectionJudge
from rules.ruleset import ClockKind, TaskPriority
from tests.unit.factories import KYIV_HOURS, context, entry, kyiv, person, rejection_rule, utc

REJECTED_AT = utc(15, 10)
GRACE_DUE = utc(16, 10)  # 24 hours later on the wall clock


def disqualified(**overrides: Any) -> Person:
    values: dict[str, Any] = {
        "lead_status": "UNQUALIFIED",
        "status_history": (
            entry("NEW", utc(12, 9), REJECTED_AT),
            entry("UNQUALIFIED", REJECTED_AT),
        ),
    }
    values.update(overrides)
    return person(**values)


def view(
    status: LeadStatus | None = LeadStatus.DISQUALIFIED, entered: datetime | None = REJECTED_AT
) -> LifecycleView:
    return LifecycleView(Stage.MQL, None, status, entered)


@pytest.mark.parametrize(
    ("status", "applies"),
    [
        (LeadStatus.DISQUALIFIED, True),
        (LeadStatus.RECYCLED, True),
        (LeadStatus.NEW, False),
        (None, False),
    ],
)
def test_a_rule_watches_its_statuses(status: LeadStatus | None, applies: bool) -> None:
    rule = RejectionJudge(rejection_rule(statuses=(LeadStatus.DISQUALIFIED, LeadStatus.RECYCLED)))

    assert rule.applies(view(status)) is applies


@pytest.mark.parametrize(
    ("reason", "placeholders", "missing"),
    [
        (None, None, True),
        ("", None, True),
        ("   ", None, True),
        ("Select", None, True),
        (" N/A ", None, True),
        ("NONE", None, True),
        ("other", None, True),
        ("-", None, True),
        ("Budget", None, False),
        ("No budget this year", None, False),
        ("TBD", ("tbd", " To Be Decided "), True),
        ("to be decided", ("tbd", " To Be Decided "), True),
        ("Select", ("tbd",), False),  # only the rule's own placeholders count
        ("  ", ("tbd",), True),  # blank is always missing
    ],
)
def test_a_reason_is_missing_when_unset_blank_or_a_placeholder_in_any_case(
    reason: str | None, placeholders: tuple[str, ...] | None, missing: bool
) -> None:
    rule = rejection_rule() if placeholders is None else rejection_rule(placeholders=placeholders)

    assert RejectionJudge(rule).reason_missing(person(rejection_reason=reason)) is missing


@pytest.mark.parametrize(
    ("value", "missing"),
    [("Competitor", False), ("select", True), (None, True), (0, False), (False, False)],
)
def test_the_reason_can_live_in_any_field(value: FieldValue, missing: bool) -> None:
    rule = RejectionJudge(rejection_rule(reason_field="hs_lead_disqualification_reason"))
    record = person(rejection_reason="ignored", fields={"hs_lead_disqualification_reason": value})

    assert rule.reason_missing(record) is missing


@pytest.mark.parametrize(
    ("entered", "updated_at", "rejected_at"),
    [
        (REJECTED_AT, utc(17, 9), REJECTED_AT),
        (None, utc(17, 9), utc(17, 9)),
        (None, None, None),
    ],
)
def test_rejected_at_is_the_status_entry_else_the_last_modification(
    entered: datetime | None, updated_at: datetime | None, rejected_at: datetime | None
) -> None:
    record = disqualified(updated_at=updated_at)

    assert RejectionJudge.rejected_at(record, view(entered=entered)) == rejected_at


def judge(now: datetime, **rule: Any) -> RejectionResult:
    return RejectionJudge(rejection_rule(**rule)).judge(
        disqualified(), view(), REJECTED_AT, context(), now
    )


@pytest.mark.parametrize(
    ("now", "overdue"),
    [(REJECTED_AT, False), (utc(16, 9, 59), False), (GRACE_DUE, True), (utc(20, 10), True)],
)
def test_the_grace_period_runs_from_the_rejection(now: datetime, overdue: bool) -> None:
    result = judge(now)

    assert (result.rejected_at, result.due_at, result.overdue) == (REJECTED_AT, GRACE_DUE, overdue)
    assert (result.task is not None) is overdue
    assert (result.rule, result.record_id, result.owner_id, result.status) == (
        "reason-required",
        "101",
        "rep-1",
        LeadStatus.DISQUALIFIED,
    )


def test_an_overdue_missing_reason_asks_the_owner_for_it() -> None:
    result = judge(GRACE_DUE)

    assert result.task is not None
    assert result.task.purpose is TaskPurpose.REJECTION_REASON
    assert (result.task.owner_id, result.task.due, result.task.episode_start) == (
        "rep-1",
        GRACE_DUE,
        REJECTED_AT,
    )
    assert result.task.subject == "Add a rejection reason for ann@example.com"
    assert result.task.priority is TaskPriority.MEDIUM


def test_the_grace_period_runs_on_business_hours() -> None:
    clock = clock_for(KYIV_HOURS, ClockKind.BUSINESS)
    rule = RejectionJudge(rejection_rule(grace=timedelta(hours=8)))
    friday_1500 = kyiv(12, 15)

    result = rule.judge(disqualified(), view(), friday_1500, context(clock=clock), kyiv(15, 13, 59))

    # Friday 15:00-18:00 is 3 hours; Monday 09:00 + 5 hours is 14:00.
    assert (result.due_at, result.overdue) == (kyiv(15, 14), False)
