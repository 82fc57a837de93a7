"""evaluate(): one pass over records, end to end, on the Kyiv business calendar."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from rules.decisions import Decisions, RecordDecision, SlaState, TaskPurpose
from rules.evaluate import Evaluator, _CollectorPause, evaluate
from rules.model import LeadStatus, Person, Stage
from rules.ruleset import (
    Condition,
    Op,
    Ruleset,
    ScoreGroup,
    ScoreRule,
    ScoringModel,
    TaskTemplate,
)
from tests.unit.factories import (
    KYIV_HOURS,
    OWNERS,
    activity,
    entry,
    kyiv,
    owner,
    person,
    rejection_rule,
    ruleset,
    sla_rule,
)

FRIDAY_1730 = kyiv(12, 17, 30)
NOW = kyiv(15, 16, 30)  # Monday: 8 business hours after FRIDAY_1730

RULES = ruleset(
    sla=(
        sla_rule(
            escalate_after=timedelta(hours=8),
            escalation_task=TaskTemplate("Escalation: {email}", "{owner_name} missed {due}"),
        ),
    ),
    rejection=(rejection_rule(grace=timedelta(hours=8)),),
    scoring=ScoringModel(
        rules=(ScoreRule("paid", ScoreGroup.FIT, Condition("source", Op.EQ, "paid_search"), 20),)
    ),
)


def mql(record_id: str, **overrides: Any) -> Person:
    return person(id=record_id, entered=FRIDAY_1730, **overrides)


def rejected(record_id: str, **overrides: Any) -> Person:
    values: dict[str, Any] = {
        "lifecycle": "lead",
        "lead_status": "UNQUALIFIED",
        "status_history": (entry("UNQUALIFIED", kyiv(12, 11)),),
    }
    values.update(overrides)
    return person(id=record_id, **values)


SCENARIO = (
    mql("escalated"),
    mql("met", activities=(activity(kyiv(15, 11)),)),
    mql("no-manager", owner_id="rep-2"),
    person(
        id="moved-on",
        lifecycle="salesqualifiedlead",
        stage_history=(
            entry("marketingqualifiedlead", FRIDAY_1730, kyiv(15, 9)),
            entry("salesqualifiedlead", kyiv(15, 9)),
        ),
    ),
    person(id="custom-stage", lifecycle="153180554", lead_status="Working"),
    person(id="undated"),
    rejected("no-reason"),
    rejected("reason", rejection_reason="Budget"),
    rejected("reason-placeholder", rejection_reason=" Select "),
    rejected("updated-only", status_history=(), updated_at=kyiv(15, 9)),
    rejected("no-date", status_history=()),
)


@pytest.fixture(scope="module")
def decisions() -> dict[str, RecordDecision]:
    result = evaluate(RULES, SCENARIO, OWNERS, NOW)
    return {decision.record_id: decision for decision in result.records}


def test_every_record_gets_a_decision_in_order() -> None:
    result = evaluate(RULES, SCENARIO, OWNERS, NOW)

    assert result.as_of == NOW
    assert [d.record_id for d in result.records] == [p.id for p in SCENARIO]


@pytest.mark.parametrize(
    ("record_id", "states"),
    [
        ("escalated", (SlaState.ESCALATED,)),
        ("met", (SlaState.MET,)),
        ("no-manager", (SlaState.ESCALATED,)),
        ("moved-on", ()),
        ("custom-stage", ()),
        ("undated", ()),
        ("no-reason", ()),
    ],
)
def test_sla_states_per_record(
    decisions: dict[str, RecordDecision], record_id: str, states: tuple[SlaState, ...]
) -> None:
    assert tuple(r.state for r in decisions[record_id].sla) == states


@pytest.mark.parametrize(
    ("record_id", "tasks"),
    [
        (
            "escalated",
            (
                (TaskPurpose.FOLLOW_UP, "rep-1", kyiv(15, 12, 30)),
                (TaskPurpose.ESCALATION, "mgr-1", kyiv(15, 16, 30)),
            ),
        ),
        (
            "no-manager",
            (
                (TaskPurpose.FOLLOW_UP, "rep-2", kyiv(15, 12, 30)),
                (TaskPurpose.ESCALATION, "rep-2", kyiv(15, 16, 30)),
            ),
        ),
        ("met", ()),
        ("moved-on", ()),
        ("no-reason", ((TaskPurpose.REJECTION_REASON, "rep-1", kyiv(15, 10)),)),
        ("reason", ()),
        ("reason-placeholder", ((TaskPurpose.REJECTION_REASON, "rep-1", kyiv(15, 10)),)),
        ("updated-only", ()),  # the grace period runs from Monday 09:00: not over yet
        ("no-date", ()),
    ],
)
def test_tasks_per_record(
    decisions: dict[str, RecordDecision],
    record_id: str,
    tasks: tuple[tuple[TaskPurpose, str, datetime], ...],
) -> None:
    found = tuple((t.purpose, t.owner_id, t.due) for t in decisions[record_id].tasks)

    assert found == tasks


def test_task_texts_read_in_the_calendar_zone(decisions: dict[str, RecordDecision]) -> None:
    escalation = decisions["escalated"].sla[0].escalation

    assert escalation is not None
    assert escalation.subject == "Escalation: ann@example.com"
    assert escalation.body == "Rita Rep missed Mon 2024-01-15 12:30 EET"


def test_an_escalation_without_a_manager_says_so(decisions: dict[str, RecordDecision]) -> None:
    escalation = decisions["no-manager"].sla[0].escalation

    assert escalation is not None
    assert escalation.body.endswith(
        "No manager is on record for Ray Rep: this escalation is theirs."
    )


@pytest.mark.parametrize(
    ("record_id", "missing"),
    [
        ("no-reason", (True,)),
        ("reason", ()),
        ("reason-placeholder", (True,)),
        ("updated-only", (False,)),
        ("no-date", ()),
        ("escalated", ()),
    ],
)
def test_rejection_results_exist_only_for_missing_reasons(
    decisions: dict[str, RecordDecision], record_id: str, missing: tuple[bool, ...]
) -> None:
    assert tuple(r.overdue for r in decisions[record_id].rejection) == missing


def test_what_could_not_be_judged_is_counted() -> None:
    result = evaluate(RULES, SCENARIO, OWNERS, NOW)

    assert result.unknown_values == {
        "lead_status='Working'": 1,
        "lifecycle='153180554'": 1,
        "rejection 'reason-required': no status date": 1,
        "rejection 'reason-required': status date from updated_at": 1,
        "sla 'mql-first-touch': no stage date": 1,
    }


def test_unknown_values_are_counted_per_occurrence() -> None:
    records = [person(id=str(n), lifecycle="153180554") for n in range(3)]

    assert evaluate(RULES, records, OWNERS, NOW).unknown_values == {"lifecycle='153180554'": 3}


def test_the_lifecycle_view_and_score_are_part_of_every_decision(
    decisions: dict[str, RecordDecision],
) -> None:
    assert decisions["moved-on"].lifecycle.stage is Stage.SQL
    assert decisions["no-reason"].lifecycle.status is LeadStatus.DISQUALIFIED
    assert decisions["escalated"].score.total == 20
    assert decisions["escalated"].score.fit == 20


@pytest.mark.parametrize(
    ("source", "country", "judged"),
    [
        ("paid_search", "UA", True),
        ("Webinar", " ua ", True),
        ("organic", "UA", False),
        ("paid_search", "PL", False),
        ("paid_search", None, False),
    ],
)
def test_where_filters_select_the_records_a_rule_judges(
    source: str, country: str | None, judged: bool
) -> None:
    rule = sla_rule(
        where=(
            Condition("source", Op.IN, ("paid_search", "webinar")),
            Condition("country", Op.EQ, "UA"),
        )
    )
    record = mql("1", source=source, fields={"country": country})

    result = evaluate(ruleset(sla=(rule,)), [record], OWNERS, NOW)

    assert bool(result.records[0].sla) is judged


@pytest.mark.parametrize(
    ("owners", "escalate_to", "body_end"),
    [
        (
            {"rep-1": owner("rep-1", manager_id="mgr-1"), "mgr-1": owner("mgr-1")},
            "mgr-1",
            "Rep 1 missed Mon 2024-01-15 12:30 EET",
        ),
        (
            {"rep-1": owner("rep-1", manager_id="mgr-1"), "mgr-1": owner("mgr-1", active=False)},
            "rep-1",
            "The manager of Rep 1 (mgr-1) is not an active owner: this escalation is theirs.",
        ),
        (
            {"rep-1": owner("rep-1", manager_id="gone")},
            "rep-1",
            "The manager of Rep 1 (gone) is not an active owner: this escalation is theirs.",
        ),
        ({}, "rep-1", "No manager is on record for rep-1: this escalation is theirs."),
    ],
)
def test_escalations_go_to_an_active_manager_else_back_to_the_owner(
    owners: dict[str, Any], escalate_to: str, body_end: str
) -> None:
    result = evaluate(RULES, [mql("1")], owners, NOW)

    escalation = result.records[0].sla[0].escalation
    assert escalation is not None
    assert escalation.owner_id == escalate_to
    assert escalation.body.endswith(body_end)


def test_an_unowned_record_gets_unassigned_tasks() -> None:
    result = evaluate(RULES, [mql("1", owner_id=None)], OWNERS, NOW)

    tasks = result.records[0].tasks
    assert [(t.purpose, t.owner_id) for t in tasks] == [
        (TaskPurpose.FOLLOW_UP, None),
        (TaskPurpose.ESCALATION, None),
    ]
    assert tasks[1].body.endswith("no manager to escalate to.")


@pytest.mark.parametrize(
    ("timezone", "due", "readable"),
    [
        ("America/New_York", kyiv(15, 20), "Mon 2024-01-15 13:00 EST"),
        ("Mars/Olympus", kyiv(16, 10), "Tue 2024-01-16 10:00 EET"),
        ("Europe", kyiv(16, 10), "Tue 2024-01-16 10:00 EET"),
        (None, kyiv(16, 10), "Tue 2024-01-16 10:00 EET"),
    ],
)
def test_owner_time_zones_replace_the_calendars_when_configured_and_valid(
    timezone: str | None, due: datetime, readable: str
) -> None:
    rules_ = ruleset(
        calendar=replace(KYIV_HOURS, use_owner_timezone=True),
        sla=(sla_rule(task=TaskTemplate("Due {due}")),),
    )
    # Monday 08:00 in New York is 15:00 in Kyiv.
    record = person(id="1", owner_id="rep-ny", entered=kyiv(15, 15))
    owners = [owner("rep-ny", timezone=timezone)]

    result = evaluate(rules_, [record], owners, kyiv(17, 9))

    task = result.records[0].sla[0].task
    assert task is not None
    assert (task.due, task.subject) == (due, f"Due {readable}")


def test_the_owners_time_zone_is_ignored_unless_the_calendar_follows_owners() -> None:
    record = person(id="1", owner_id="rep-ny", entered=kyiv(15, 15))
    owners = [owner("rep-ny", timezone="America/New_York")]

    result = evaluate(ruleset(sla=(sla_rule(),)), [record], owners, kyiv(17, 9))

    assert result.records[0].sla[0].due_at == kyiv(16, 10)


def test_owners_may_be_a_mapping_or_a_collection() -> None:
    assert evaluate(RULES, SCENARIO, OWNERS, NOW) == evaluate(
        RULES, SCENARIO, list(OWNERS.values()), NOW
    )


def test_an_evaluator_judges_chunks_as_one_call_judges_them_all() -> None:
    evaluator = Evaluator(RULES, OWNERS)
    whole = evaluate(RULES, SCENARIO, OWNERS, NOW)

    first, second = evaluator.evaluate(SCENARIO[:4], NOW), evaluator.evaluate(SCENARIO[4:], NOW)

    assert first.records + second.records == whole.records


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now: naive datetime"):
        evaluate(RULES, SCENARIO, OWNERS, datetime(2024, 1, 15, 12))


def test_a_broken_condition_is_refused_when_compiling() -> None:
    broken = sla_rule(where=(Condition("source", Op.IN, "paid_search"),))

    with pytest.raises(ValueError, match="expected a tuple"):
        Evaluator(ruleset(sla=(broken,)), OWNERS)


def test_the_package_exports_the_entry_points() -> None:
    assert rules.evaluate is evaluate
    assert rules.Evaluator is Evaluator
    assert isinstance(rules.evaluate(Ruleset(), [], [], NOW), Decisions)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cyclic_collector_is_paused_while_judging_and_restored_after(enabled: bool) -> None:
    seen: list[bool] = []

    def source() -> Iterator[Person]:
        seen.append(gc.isenabled())
        yield mql("1")
        raise RuntimeError("the source broke")

    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError, match="the source broke"):
            evaluate(RULES, source(), OWNERS, NOW)
        assert (seen, gc.isenabled()) == ([False], enabled)
    finally:
        gc.enable()


def test_overlapping_pauses_resume_the_collector_only_when_the_last_one_ends() -> None:
    pause = _CollectorPause()
    gc.enable()
    try:
        pause.__enter__()
        pause.__enter__()  # a second thread's evaluate() overlapping the first
        pause.__exit__()
        assert not gc.isenabled()
        pause.__exit__()
        assert gc.isenabled()
    finally:
        gc.enable()


# -- properties ------------------------------------------------------------------------------------

OFFSETS = st.integers(min_value=-2000, max_value=6000).map(lambda m: timedelta(minutes=m))
BASE = datetime(2024, 1, 12, 15, tzinfo=UTC)


@st.composite
def records(draw: st.DrawFn, n: int) -> Person:
    stage = draw(st.sampled_from(["marketingqualifiedlead", "salesqualifiedlead", "x", None]))
    status = draw(st.sampled_from(["NEW", "UNQUALIFIED", "CONNECTED", "Working", None]))
    touches = draw(st.lists(OFFSETS, max_size=3))
    return person(
        id=str(n),
        owner_id=draw(st.sampled_from(["rep-1", "rep-2", "ghost", None])),
        lifecycle=stage,
        lead_status=status,
        stage_history=(entry(stage, BASE + draw(OFFSETS)),)
        if stage and draw(st.booleans())
        else (),
        status_history=(entry(status, BASE + draw(OFFSETS)),)
        if status and draw(st.booleans())
        else (),
        activities=tuple(activity(BASE + t) for t in touches),
        rejection_reason=draw(st.sampled_from([None, "", "n/a", "Budget"])),
        updated_at=BASE + draw(OFFSETS) if draw(st.booleans()) else None,
    )


SAMPLES = st.integers(min_value=0, max_value=6).flatmap(
    lambda n: st.tuples(*(records(i) for i in range(n)))
)


@settings(max_examples=60, deadline=None)
@given(batch=SAMPLES, now=OFFSETS)
def test_evaluate_is_deterministic_and_judges_each_record_on_its_own(
    batch: tuple[Person, ...], now: timedelta
) -> None:
    as_of = BASE + now

    once = evaluate(RULES, batch, OWNERS, as_of)

    assert evaluate(RULES, batch, OWNERS, as_of) == once
    reversed_ = evaluate(RULES, batch[::-1], OWNERS, as_of)
    assert reversed_.records == once.records[::-1]
    assert reversed_.unknown_values == once.unknown_values


@settings(max_examples=60, deadline=None)
@given(batch=SAMPLES, now=OFFSETS)
def test_every_task_belongs_to_a_breach_or_an_overdue_reason(
    batch: tuple[Person, ...], now: timedelta
) -> None:
    for decision in evaluate(RULES, batch, OWNERS, BASE + now).records:
        for sla in decision.sla:
            assert (sla.task is not None) is sla.breached
            assert sla.due_at >= sla.started_at
        for reason in decision.rejection:
            assert (reason.task is not None) is reason.overdue
            assert reason.overdue is (BASE + now >= reason.due_at)
