"""Planning: only differences become actions, and task keys are stable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.base.protocol import PropertyUpdate, TaskClose, TaskCreate
from connector.plan import (
    SCORE,
    SCORE_EXPLANATION,
    SLA_DUE,
    SLA_STATUS,
    OpenTask,
    breaches,
    desired_properties,
    plan,
    task_key,
)
from rules.decisions import (
    LifecycleView,
    RecordDecision,
    RejectionResult,
    Score,
    SlaResult,
    SlaState,
    TaskPurpose,
    TaskSpec,
)
from rules.model import LeadStatus, ObjectType, Stage
from rules.ruleset import TaskPriority

NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
START = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
DUE = datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
CONTACT = ObjectType.CONTACT


def _task(record_id: str = "101", start: datetime = START) -> TaskSpec:
    return TaskSpec(
        rule="mql-first-touch",
        purpose=TaskPurpose.FOLLOW_UP,
        record_type=CONTACT,
        record_id=record_id,
        owner_id="7",
        due=DUE,
        subject="Follow up",
        body="",
        priority=TaskPriority.HIGH,
        episode_start=start,
    )


def _sla(
    state: SlaState, *, task: TaskSpec | None = None, rule: str = "mql-first-touch"
) -> SlaResult:
    return SlaResult(
        rule=rule,
        record_type=CONTACT,
        record_id="101",
        owner_id="7",
        state=state,
        started_at=START,
        due_at=DUE,
        task=task,
    )


def _decision(
    *sla: SlaResult, score: int = 72, rejection: tuple[RejectionResult, ...] = ()
) -> RecordDecision:
    return RecordDecision(
        record_type=CONTACT,
        record_id="101",
        owner_id="7",
        lifecycle=LifecycleView(Stage.MQL, START, None, None),
        score=Score(total=score, fit=40, engagement=32, text=f"Score {score}/100"),
        sla=sla,
        rejection=rejection,
    )


def _written(decision: RecordDecision) -> dict[tuple[tuple[ObjectType, str], str], str]:
    ref = (decision.record_type, decision.record_id)
    return {(ref, prop): value for prop, value in desired_properties(decision).items()}


def test_a_first_plan_writes_every_owned_property_and_the_overdue_task() -> None:
    decision = _decision(_sla(SlaState.OVERDUE, task=_task()))
    actions = plan([decision], written={}, open_tasks=[], as_of=NOW)
    updates = {a.property: a.value for a in actions if isinstance(a, PropertyUpdate)}
    assert updates == {
        SCORE: "72",
        SCORE_EXPLANATION: "Score 72/100",
        SLA_STATUS: "overdue",
        SLA_DUE: "2026-03-09T10:30:00+00:00",
    }
    creates = [a for a in actions if isinstance(a, TaskCreate)]
    assert [(c.key, c.owner_id, c.due) for c in creates] == [(task_key(_task()), "7", DUE)]


def test_nothing_changed_plans_nothing() -> None:
    decision = _decision(_sla(SlaState.ON_TRACK))
    assert plan([decision], written=_written(decision), open_tasks=[], as_of=NOW) == []


def test_only_the_changed_property_is_planned_with_its_previous_value() -> None:
    before = _decision(_sla(SlaState.ON_TRACK), score=65)
    after = _decision(_sla(SlaState.ON_TRACK), score=72)
    written = _written(before)
    written.pop(((CONTACT, "101"), SCORE_EXPLANATION))
    written[((CONTACT, "101"), SCORE_EXPLANATION)] = "Score 72/100"
    actions = plan([after], written=written, open_tasks=[], as_of=NOW)
    assert [
        (a.property, a.value, a.previous) for a in actions if isinstance(a, PropertyUpdate)
    ] == [(SCORE, "72", "65")]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((SlaState.MET, SlaState.OVERDUE), "overdue"),
        ((SlaState.DUE_SOON, SlaState.ON_TRACK), "due_soon"),
        ((SlaState.ESCALATED, SlaState.OVERDUE), "escalated"),
        ((SlaState.MET, SlaState.MET_LATE), "met_late"),
        ((), ""),
    ],
)
def test_the_status_property_shows_the_most_urgent_clock(
    states: tuple[SlaState, ...], expected: str
) -> None:
    results = [_sla(state, rule=f"r{i}") for i, state in enumerate(states)]
    assert desired_properties(_decision(*results))[SLA_STATUS] == expected


def test_task_keys_are_stable_and_depend_on_the_episode() -> None:
    assert task_key(_task()) == task_key(_task())
    assert task_key(_task()) != task_key(_task(start=START + timedelta(days=1)))
    assert task_key(_task()) != task_key(_task(record_id="102"))
    # the same instant in another zone is the same episode
    kyiv = START.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+02:00").tzinfo)
    assert task_key(_task(start=kyiv)) == task_key(_task())


def test_an_open_task_is_closed_once_its_record_no_longer_needs_it() -> None:
    open_task = OpenTask(task_key(_task()), CONTACT, "101", "mql-first-touch", crm_id="9001")
    met = _decision(_sla(SlaState.MET_LATE))
    actions = plan([met], written=_written(met), open_tasks=[open_task], as_of=NOW)
    assert actions == [
        TaskClose(
            key=open_task.key,
            record_type=CONTACT,
            record_id="101",
            rule="mql-first-touch",
            crm_task_id="9001",
        )
    ]


def test_tasks_of_records_not_judged_this_cycle_stay_open() -> None:
    other = OpenTask("smk-other", CONTACT, "999", "mql-first-touch", crm_id=None)
    met = _decision(_sla(SlaState.MET))
    assert plan([met], written=_written(met), open_tasks=[other], as_of=NOW) == []


def test_breaches_list_overdue_clocks_and_missing_reasons() -> None:
    rejection = RejectionResult(
        rule="reason",
        record_type=CONTACT,
        record_id="101",
        owner_id="7",
        status=LeadStatus.DISQUALIFIED,
        rejected_at=START,
        due_at=DUE,
        overdue=True,
    )
    decision = _decision(
        _sla(SlaState.ESCALATED), _sla(SlaState.MET, rule="other"), rejection=(rejection,)
    )
    assert [(b.rule, b.status, b.escalated) for b in breaches([decision])] == [
        ("mql-first-touch", "overdue", True),
        ("reason", "missing_reason", False),
    ]
