"""Funnel math: conversion, SLA compliance, rejection reasons, the MQL target of a quota."""

from __future__ import annotations

import pytest

from rules.decisions import LifecycleView, RecordDecision, Score, SlaResult, SlaState
from rules.funnel import (
    conversions,
    furthest_stage,
    mqls_needed,
    rejection_reasons,
    sla_compliance,
    stage_counts,
)
from rules.model import ObjectType, Stage
from tests.unit.factories import STAGE_MAP, entry, person, utc

T = utc(15, 9)


@pytest.mark.parametrize(
    ("history", "current", "expected"),
    [
        ((), "lead", Stage.LEAD),
        (("lead", "marketingqualifiedlead"), "marketingqualifiedlead", Stage.MQL),
        (("marketingqualifiedlead", "salesqualifiedlead"), "lead", Stage.SQL),  # moved back
        ((), "153180554", None),  # unknown value
    ],
)
def test_the_furthest_stage_counts_history_and_the_current_value(
    history: tuple[str, ...], current: str, expected: Stage | None
) -> None:
    record = person(lifecycle=current, stage_history=tuple(entry(v, T) for v in history))
    assert furthest_stage(record, STAGE_MAP) == expected


def test_conversion_counts_people_who_reached_each_stage() -> None:
    people = [
        person(id="1", lifecycle="lead"),
        person(id="2", lifecycle="marketingqualifiedlead"),
        person(id="3", lifecycle="marketingqualifiedlead"),
        person(id="4", lifecycle="salesqualifiedlead", stage_history=()),  # skipped MQL
    ]
    rates = {
        (c.from_stage, c.to_stage): (c.reached_from, c.reached_to)
        for c in conversions(people, STAGE_MAP)
    }
    assert rates[(Stage.LEAD, Stage.MQL)] == (4, 3)
    assert rates[(Stage.MQL, Stage.SQL)] == (3, 1)  # no SAL in this stage map
    assert (Stage.MQL, Stage.SAL) not in rates
    assert rates[(Stage.SUBSCRIBER, Stage.LEAD)] == (4, 4)


def _decision(*states: SlaState, stage: Stage = Stage.MQL) -> RecordDecision:
    results = tuple(
        SlaResult("mql", ObjectType.CONTACT, "1", None, state, T, T) for state in states
    )
    return RecordDecision(
        ObjectType.CONTACT,
        "1",
        None,
        LifecycleView(stage, T, None, None),
        Score(0, 0, 0),
        sla=results,
    )


def test_sla_compliance_separates_decided_and_open_clocks() -> None:
    decisions = [
        _decision(SlaState.MET),
        _decision(SlaState.MET),
        _decision(SlaState.MET_LATE),
        _decision(SlaState.OVERDUE),
        _decision(SlaState.ON_TRACK),
    ]
    [mql] = sla_compliance(decisions)
    assert (mql.met, mql.met_late, mql.open_on_time, mql.breached) == (2, 1, 1, 1)
    assert mql.rate == pytest.approx(0.5)
    assert stage_counts(decisions)[Stage.MQL] == 5


def test_rejection_reasons_group_placeholders_as_missing() -> None:
    people = [
        person(id=str(i), fields={"reason": reason})
        for i, reason in enumerate(["No budget", " no budget ", "Select", "", None, "Student"])
    ]
    assert rejection_reasons(people, "reason", ["", "select"]) == {
        "(missing)": 3,
        "No budget": 1,
        "no budget": 1,
        "Student": 1,
    }


def test_the_reverse_funnel_of_funnel_facts() -> None:
    rates = {"mql->sal": 0.8, "sal->sql": 0.5, "sql->sqo": 0.6, "sqo->won": 0.25}
    assert mqls_needed(500_000, 25_000, rates) == 334


@pytest.mark.parametrize(
    ("quota", "deal", "rates"),
    [(0, 1, {"a": 0.5}), (1, 0, {"a": 0.5}), (1, 1, {"a": 0.0}), (1, 1, {"a": 1.5})],
)
def test_the_reverse_funnel_refuses_impossible_inputs(
    quota: float, deal: float, rates: dict[str, float]
) -> None:
    with pytest.raises(ValueError, match="must be"):
        mqls_needed(quota, deal, rates)
