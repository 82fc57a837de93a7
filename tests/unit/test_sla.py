"""SLA clocks: which records a rule judges, what counts as a touch, states, tasks and texts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.calendar import Clock, clock_for
from rules.decisions import LifecycleView, SlaResult, SlaState, TaskPurpose
from rules.lifecycle import LifecycleClassifier
from rules.model import Activity, ActivityKind, LeadStatus, Person, Stage, StageEntry
from rules.ruleset import ClockKind, TaskPriority, TaskTemplate, TouchKind, TouchSignal
from rules.sla import SlaJudge
from rules.templates import SUBJECT_LIMIT, OwnerContext, RecordValues, render, render_subject
from tests.unit.factories import (
    KYIV,
    KYIV_HOURS,
    STAGE_MAP,
    WallClock,
    activity,
    context,
    entry,
    kyiv,
    person,
    sla_rule,
    utc,
)

CLASSIFIER = LifecycleClassifier(STAGE_MAP)
START = utc(15, 9)  # a Monday; on the wall clock 4 hours later is 13:00
DUE = utc(15, 13)
LATER = utc(16, 9)


def judge(record: Person, now: datetime, **rule: Any) -> SlaResult:
    """Judge ``record`` (clock started at START) on the wall clock."""
    return SlaJudge(sla_rule(**rule), CLASSIFIER).judge(record, START, context(), now)


def first_touch(record: Person, *signals: TouchSignal, now: datetime = LATER) -> datetime | None:
    return SlaJudge(sla_rule(touches=signals), CLASSIFIER).first_touch(record, START, now)


def view(stage: Stage | None) -> LifecycleView:
    return LifecycleView(stage, START, None, None)


# -- which records a rule judges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "source", "applies"),
    [
        (Stage.MQL, "paid_search", True),
        (Stage.MQL, "organic", False),  # filtered out by `where`
        (Stage.SQL, "paid_search", False),  # moved on: the rule no longer applies
        (Stage.LEAD, "paid_search", False),
        (None, "paid_search", False),  # unknown stage: never judged
    ],
)
def test_a_rule_applies_in_its_stage_when_every_where_condition_holds(
    stage: Stage | None, source: str, applies: bool
) -> None:
    rule = SlaJudge(
        sla_rule(),
        CLASSIFIER,
        where=[lambda p: p.source == "paid_search", lambda p: p.company == "Acme"],
    )

    assert rule.applies(person(source=source), view(stage)) is applies


# -- states on the wall clock ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("touched_at", "now", "rule", "state"),
    [
        (utc(15, 11), utc(15, 14), {}, SlaState.MET),
        (DUE, utc(15, 14), {}, SlaState.MET),
        (utc(15, 13, 1), utc(15, 14), {}, SlaState.MET_LATE),
        (utc(15, 13, 1), utc(15, 13, 1), {}, SlaState.MET_LATE),
        (None, utc(15, 12), {}, SlaState.ON_TRACK),
        (None, utc(15, 11, 59), {"warn_before": timedelta(hours=1)}, SlaState.ON_TRACK),
        (None, utc(15, 12), {"warn_before": timedelta(hours=1)}, SlaState.DUE_SOON),
        (None, utc(15, 12, 59), {"warn_before": timedelta(hours=1)}, SlaState.DUE_SOON),
        (None, DUE, {"warn_before": timedelta(hours=1)}, SlaState.OVERDUE),
        (None, DUE, {}, SlaState.OVERDUE),
        (None, utc(15, 16, 59), {"escalate_after": timedelta(hours=8)}, SlaState.OVERDUE),
        (None, utc(15, 17), {"escalate_after": timedelta(hours=8)}, SlaState.ESCALATED),
        (utc(15, 16), utc(15, 18), {"escalate_after": timedelta(hours=8)}, SlaState.MET_LATE),
        # Escalating before the due time would punish an owner who still has time.
        (None, utc(15, 12), {"escalate_after": timedelta(hours=2)}, SlaState.ON_TRACK),
        (None, DUE, {"escalate_after": timedelta(hours=2)}, SlaState.ESCALATED),
        # As of `now` a later touch has not happened yet.
        (utc(15, 15), utc(15, 14), {}, SlaState.OVERDUE),
    ],
)
def test_the_state_follows_the_first_touch_and_now(
    touched_at: datetime | None, now: datetime, rule: dict[str, Any], state: SlaState
) -> None:
    touches = () if touched_at is None else (activity(touched_at),)

    result = judge(person(activities=touches), now, **rule)

    assert result.state is state
    assert (result.started_at, result.due_at) == (START, DUE)
    assert result.met_at == (touched_at if touched_at is not None and touched_at <= now else None)


@pytest.mark.parametrize(
    ("escalate_after", "escalate_at"),
    [(None, None), (timedelta(hours=8), utc(15, 17)), (timedelta(hours=1), DUE)],
)
def test_escalate_at_is_measured_from_the_start_but_never_before_due(
    escalate_after: timedelta | None, escalate_at: datetime | None
) -> None:
    result = judge(person(), utc(15, 10), escalate_after=escalate_after)

    assert result.escalate_at == escalate_at


# -- touch signals ---------------------------------------------------------------------------------

ANY_ACTIVITY = TouchSignal(TouchKind.ACTIVITY)
CALLS = TouchSignal(TouchKind.ACTIVITY, activities=(ActivityKind.CALL, ActivityKind.MEETING))
ANYONE = TouchSignal(TouchKind.ACTIVITY, by_owner_only=False)
ENGAGED = TouchSignal(TouchKind.PROPERTY, property="hs_sa_first_engagement_date")
CONNECTED = TouchSignal(TouchKind.STATUS, statuses=(LeadStatus.CONNECTED,))
ANY_STATUS = TouchSignal(TouchKind.STATUS)


def _status(*entries: StageEntry) -> dict[str, Any]:
    return {"status_history": entries}


def _acts(*acts: Activity) -> dict[str, Any]:
    return {"activities": acts}


def _engaged(value: object) -> dict[str, Any]:
    return {"fields": {"hs_sa_first_engagement_date": value}}


@pytest.mark.parametrize(
    ("signal", "record", "touched_at"),
    [
        pytest.param(ANY_ACTIVITY, _acts(activity(utc(15, 10))), utc(15, 10), id="owner-call"),
        pytest.param(ANY_ACTIVITY, _acts(activity(START)), START, id="at-the-start"),
        pytest.param(ANY_ACTIVITY, _acts(activity(utc(15, 8, 59))), None, id="before-start"),
        pytest.param(ANY_ACTIVITY, _acts(activity(utc(16, 10))), None, id="after-now"),
        pytest.param(
            ANY_ACTIVITY,
            _acts(activity(utc(15, 12)), activity(utc(15, 10)), activity(utc(15, 11))),
            utc(15, 10),
            id="earliest-of-unordered",
        ),
        pytest.param(
            ANY_ACTIVITY,
            _acts(activity(utc(15, 10), completed=False)),
            None,
            id="not-completed",
        ),
        pytest.param(
            ANY_ACTIVITY,
            _acts(activity(utc(15, 10), owner_id="rep-2")),
            None,
            id="another-owner-ignored",
        ),
        pytest.param(
            ANYONE,
            _acts(activity(utc(15, 10), owner_id="rep-2")),
            utc(15, 10),
            id="another-owner-counts-when-allowed",
        ),
        pytest.param(
            ANY_ACTIVITY,
            {"owner_id": None, **_acts(activity(utc(15, 10), owner_id=None))},
            None,
            id="unowned-record",
        ),
        pytest.param(
            CALLS,
            _acts(activity(utc(15, 10), ActivityKind.EMAIL), activity(utc(15, 11))),
            utc(15, 11),
            id="kind-filter",
        ),
        pytest.param(ENGAGED, _engaged(utc(15, 10)), utc(15, 10), id="property-datetime"),
        pytest.param(
            ENGAGED, _engaged("2024-01-15T10:00:00.000Z"), utc(15, 10), id="property-string"
        ),
        pytest.param(ENGAGED, _engaged(utc(12, 10)), None, id="property-earlier-stay"),
        pytest.param(ENGAGED, _engaged("yes"), None, id="property-not-a-time"),
        pytest.param(ENGAGED, {}, None, id="property-unset"),
        pytest.param(
            CONNECTED,
            _status(entry("NEW", START, utc(15, 10)), entry("CONNECTED", utc(15, 10))),
            utc(15, 10),
            id="status-change",
        ),
        pytest.param(
            CONNECTED, _status(entry("connected", utc(15, 10))), utc(15, 10), id="status-any-case"
        ),
        pytest.param(
            CONNECTED,
            _status(entry("CONNECTED", utc(12, 10), START), entry("NEW", START)),
            None,
            id="status-before-start",
        ),
        pytest.param(
            CONNECTED, _status(entry("ATTEMPTED_TO_CONTACT", utc(15, 10))), None, id="other-status"
        ),
        pytest.param(
            ANY_STATUS,
            _status(entry("NEW", utc(15, 10)), entry("ATTEMPTED_TO_CONTACT", utc(15, 11))),
            utc(15, 11),
            id="status-default-set",
        ),
        pytest.param(
            ANY_STATUS,
            _status(entry("Working - Contacted", utc(15, 10))),
            None,
            id="unknown-status",
        ),
    ],
)
def test_each_signal_finds_the_first_touch_between_the_start_and_now(
    signal: TouchSignal, record: dict[str, Any], touched_at: datetime | None
) -> None:
    assert first_touch(person(**record), signal) == touched_at


def test_the_first_touch_is_the_earliest_across_signals() -> None:
    record = person(
        activities=(activity(utc(15, 12)),),
        status_history=(entry("CONNECTED", utc(15, 11)),),
        fields={"hs_sa_first_engagement_date": utc(15, 10, 30)},
    )

    assert first_touch(record, ANY_ACTIVITY, CONNECTED, ENGAGED) == utc(15, 10, 30)
    assert first_touch(record, ANY_ACTIVITY, CONNECTED) == utc(15, 11)


@pytest.mark.parametrize(
    ("record", "touched_at"),
    [
        (_acts(activity(utc(15, 10), ActivityKind.EMAIL)), utc(15, 10)),
        (_acts(activity(utc(15, 10), owner_id="rep-2")), None),
        (_status(entry("ATTEMPTED_TO_CONTACT", utc(15, 11))), utc(15, 11)),
        (_status(entry("UNQUALIFIED", utc(15, 11))), utc(15, 11)),
        (_status(entry("BAD_TIMING", utc(15, 11))), None),
        (_status(entry("NEW", utc(15, 11))), None),
        (_engaged(utc(15, 10)), None),
    ],
)
def test_without_signals_an_owner_activity_or_a_sales_status_counts(
    record: dict[str, Any], touched_at: datetime | None
) -> None:
    assert first_touch(person(**record)) == touched_at


def test_a_property_signal_without_a_property_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="'mql-first-touch': a property touch signal needs"):
        SlaJudge(sla_rule(touches=(TouchSignal(TouchKind.PROPERTY),)), CLASSIFIER)


# -- tasks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "tasks"),
    [
        (utc(15, 12), ()),
        (DUE, (TaskPurpose.FOLLOW_UP,)),
        (utc(15, 17), (TaskPurpose.FOLLOW_UP, TaskPurpose.ESCALATION)),
    ],
)
def test_overdue_asks_for_a_follow_up_and_escalated_also_for_the_managers_task(
    now: datetime, tasks: tuple[TaskPurpose, ...]
) -> None:
    result = judge(person(), now, escalate_after=timedelta(hours=8))

    assert tuple(t.purpose for t in (result.task, result.escalation) if t) == tasks


def test_a_met_record_asks_for_no_task_even_when_touched_late() -> None:
    result = judge(
        person(activities=(activity(utc(15, 18)),)), utc(16, 9), escalate_after=timedelta(hours=8)
    )

    assert (result.state, result.task, result.escalation) == (SlaState.MET_LATE, None, None)


def test_the_follow_up_task_goes_to_the_owner_due_at_the_sla_due_time() -> None:
    result = judge(
        person(), DUE, task=TaskTemplate("Call {email} ({rule}) by {due}", "Hi {owner_name}")
    )

    assert result.task is not None
    assert result.task.purpose is TaskPurpose.FOLLOW_UP
    assert (result.task.rule, result.task.record_id, result.task.owner_id) == (
        "mql-first-touch",
        "101",
        "rep-1",
    )
    assert (result.task.due, result.task.episode_start) == (DUE, START)
    assert (
        result.task.subject == "Call ann@example.com (mql-first-touch) by Mon 2024-01-15 15:00 EET"
    )
    assert result.task.body == "Hi Rita Rep"
    assert result.task.priority is TaskPriority.HIGH


@pytest.mark.parametrize(
    ("escalate_to", "note", "body"),
    [
        ("mgr-1", "", "Rita Rep missed it"),
        ("rep-1", "No manager on record.", "Rita Rep missed it\n\nNo manager on record."),
    ],
)
def test_the_escalation_goes_to_the_escalation_target_due_at_escalate_at(
    escalate_to: str, note: str, body: str
) -> None:
    rule = SlaJudge(
        sla_rule(
            escalate_after=timedelta(hours=8),
            escalation_task=TaskTemplate("Escalated: {email}", "{owner_name} missed it"),
        ),
        CLASSIFIER,
    )

    result = rule.judge(person(), START, context(escalate_to=escalate_to, note=note), utc(15, 17))

    assert result.escalation is not None
    assert result.escalation.purpose is TaskPurpose.ESCALATION
    assert (result.escalation.owner_id, result.escalation.due) == (escalate_to, utc(15, 17))
    assert (result.escalation.subject, result.escalation.body) == (
        "Escalated: ann@example.com",
        body,
    )
    assert result.escalation.episode_start == START


# -- the business calendar (needs rules.calendar) --------------------------------------------------

FRIDAY_1730 = kyiv(12, 17, 30)


def business_judge(record: Person, now: datetime, **rule: Any) -> SlaResult:
    """4 business hours from Friday 17:30 in Kyiv (09:00-18:00): due Monday 12:30."""
    clock = clock_for(KYIV_HOURS, ClockKind.BUSINESS)
    judge_ = SlaJudge(sla_rule(**rule), CLASSIFIER)
    return judge_.judge(record, FRIDAY_1730, context(clock=clock), now)


@pytest.mark.parametrize(
    ("touched_at", "now", "rule", "state"),
    [
        (kyiv(15, 11), kyiv(15, 14), {}, SlaState.MET),
        (kyiv(15, 12, 30), kyiv(15, 14), {}, SlaState.MET),
        (kyiv(15, 13), kyiv(15, 14), {}, SlaState.MET_LATE),
        (kyiv(13, 10), kyiv(15, 14), {}, SlaState.MET),  # a Saturday call counts: it is a touch
        (None, kyiv(15, 12, 29), {}, SlaState.ON_TRACK),
        (None, kyiv(15, 12, 31), {}, SlaState.OVERDUE),
        (None, kyiv(15, 11, 30), {"warn_before": timedelta(hours=1)}, SlaState.DUE_SOON),
        (None, kyiv(15, 11, 29), {"warn_before": timedelta(hours=1)}, SlaState.ON_TRACK),
        # Friday 17:50 leaves 10 business minutes on Friday and 3.5 hours on Monday.
        (
            None,
            kyiv(12, 17, 50),
            {"warn_before": timedelta(hours=3, minutes=40)},
            SlaState.DUE_SOON,
        ),
        (
            None,
            kyiv(12, 17, 50),
            {"warn_before": timedelta(hours=3, minutes=39)},
            SlaState.ON_TRACK,
        ),
        (None, kyiv(15, 16, 29), {"escalate_after": timedelta(hours=8)}, SlaState.OVERDUE),
        (None, kyiv(15, 16, 30), {"escalate_after": timedelta(hours=8)}, SlaState.ESCALATED),
    ],
)
def test_business_hours_clock_from_friday_evening_is_due_monday_noon(
    touched_at: datetime | None, now: datetime, rule: dict[str, Any], state: SlaState
) -> None:
    touches = () if touched_at is None else (activity(touched_at),)

    result = business_judge(person(activities=touches), now, **rule)

    assert result.due_at == kyiv(15, 12, 30)
    assert result.state is state


def test_an_escalated_business_clock_asks_the_manager_by_monday_afternoon() -> None:
    result = business_judge(person(), kyiv(15, 16, 30), escalate_after=timedelta(hours=8))

    assert result.task is not None
    assert result.escalation is not None
    assert (result.task.owner_id, result.task.due) == ("rep-1", kyiv(15, 12, 30))
    assert (result.escalation.owner_id, result.escalation.due) == ("mgr-1", kyiv(15, 16, 30))
    assert result.task.episode_start == FRIDAY_1730


# -- properties ------------------------------------------------------------------------------------

MINUTES = st.integers(min_value=-600, max_value=3000)


@pytest.mark.parametrize(
    "clock",
    [WallClock(), clock_for(KYIV_HOURS, ClockKind.BUSINESS)],
    ids=["wall-clock", "business-hours"],
)
@settings(deadline=None)  # a loaded CI box must not turn a slow example into a failure
@given(
    within=st.integers(min_value=1, max_value=600),
    touch=st.none() | MINUTES,
    now=MINUTES,
    warn=st.none() | st.integers(min_value=0, max_value=600),
    escalate=st.none() | st.integers(min_value=1, max_value=1200),
)
def test_the_state_is_consistent_with_the_times_it_reports(
    clock: Clock,
    *,
    within: int,
    touch: int | None,
    now: int,
    warn: int | None,
    escalate: int | None,
) -> None:
    assert_consistent(
        context(clock=clock), within=within, touch=touch, now=now, warn=warn, escalate=escalate
    )


def assert_consistent(
    ctx: OwnerContext,
    *,
    within: int,
    touch: int | None,
    now: int,
    warn: int | None,
    escalate: int | None,
) -> None:
    """Offsets are minutes from FRIDAY_1730; check every state against the times it reports."""
    minutes = timedelta(minutes=1)
    now_at = FRIDAY_1730 + now * minutes
    touched = None if touch is None else FRIDAY_1730 + touch * minutes
    record = person(activities=() if touched is None else (activity(touched),))
    rule = sla_rule(
        within=within * minutes,
        warn_before=None if warn is None else warn * minutes,
        escalate_after=None if escalate is None else escalate * minutes,
    )

    result = SlaJudge(rule, CLASSIFIER).judge(record, FRIDAY_1730, ctx, now_at)

    clock = ctx.clocks[ClockKind.BUSINESS]
    counted = touched is not None and FRIDAY_1730 <= touched <= now_at
    assert result.due_at == clock.add(FRIDAY_1730, rule.within)
    assert result.met_at == (touched if counted else None)
    if counted:
        assert touched is not None
        assert result.state is (SlaState.MET if touched <= result.due_at else SlaState.MET_LATE)
    elif result.escalate_at is not None and now_at >= result.escalate_at:
        assert result.state is SlaState.ESCALATED
    elif now_at >= result.due_at:
        assert result.state is SlaState.OVERDUE
    else:
        left = clock.elapsed(now_at, result.due_at)
        warned = rule.warn_before is not None and left <= rule.warn_before
        assert result.state is (SlaState.DUE_SOON if warned else SlaState.ON_TRACK)
    assert (result.task is not None) is result.breached
    assert (result.escalation is not None) is (result.state is SlaState.ESCALATED)
    if result.escalate_at is not None:
        assert result.escalate_at >= result.due_at


# -- task texts ------------------------------------------------------------------------------------

RECORD = person(
    id="7", source="webinar", fields={"country": "UA", "last_seen": kyiv(15, 10)}, company="Acme"
)


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("{email} at {company} via {source} (#{id})", "ann@example.com at Acme via webinar (#7)"),
        ("{country} / {rule} / {stage}", "UA / mql-first-touch / mql"),
        ("seen {last_seen}", "seen Mon 2024-01-15 10:00 EET"),
        ("{nope}|{lead_status}|{fields}", "||"),
        ("{email.__class__}{fields[country]}{0}", ""),
        ("{}{}", ""),
        ("{email:>d} {email!x} {country!r:>6}", "ann@example.com ann@example.com   'UA'"),
        ("Hi {email", "Hi {email"),
        ("{{literal}} {rule}", "{literal} mql-first-touch"),
        ("{source}", "override"),
    ],
)
def test_templates_fill_record_and_rule_values_and_never_raise(template: str, text: str) -> None:
    extras = {"rule": "mql-first-touch", "stage": "mql"}
    if template == "{source}":
        extras["source"] = "override"  # the rule's values win over the record's

    assert render(template, RecordValues(RECORD, extras, KYIV)) == text


@pytest.mark.parametrize(
    ("company", "subject"),
    [
        ("Acme", "Call Acme now"),
        ("Acme\nCorp\t Ltd", "Call Acme Corp Ltd now"),
        ("x" * 300, "Call " + "x" * (SUBJECT_LIMIT - 6) + "…"),
    ],
)
def test_subjects_are_one_line_of_at_most_255_characters(company: str, subject: str) -> None:
    rendered = render_subject("Call {company} now", RecordValues(person(company=company), {}, KYIV))

    assert rendered == subject
    assert len(rendered) <= SUBJECT_LIMIT


@pytest.mark.parametrize(
    ("now", "rule", "state", "next_change"),
    [
        # Friday 17:30 + (4h - 1h warning) of business time = Monday 11:30
        (
            kyiv(12, 17, 45),
            {"warn_before": timedelta(hours=1)},
            SlaState.ON_TRACK,
            kyiv(15, 11, 30),
        ),
        (
            kyiv(15, 11, 30),
            {"warn_before": timedelta(hours=1)},
            SlaState.DUE_SOON,
            kyiv(15, 12, 30),
        ),
        (kyiv(13, 10), {}, SlaState.ON_TRACK, kyiv(15, 12, 30)),
        (kyiv(15, 13), {"escalate_after": timedelta(hours=8)}, SlaState.OVERDUE, kyiv(15, 16, 30)),
        (kyiv(15, 13), {}, SlaState.OVERDUE, None),
        (kyiv(15, 17), {"escalate_after": timedelta(hours=8)}, SlaState.ESCALATED, None),
    ],
)
def test_next_change_is_when_the_state_moves_on_without_a_touch(
    now: datetime, rule: dict[str, Any], state: SlaState, next_change: datetime | None
) -> None:
    result = business_judge(person(), now, **rule)

    assert result.state is state
    assert result.next_change_at == next_change
    if next_change is not None:  # the state really changes at that instant, not before
        assert business_judge(person(), next_change, **rule).state is not state
        before = next_change - timedelta(seconds=1)
        assert business_judge(person(), before, **rule).state is state


def test_a_met_clock_has_no_next_change() -> None:
    result = business_judge(person(activities=(activity(kyiv(15, 11)),)), kyiv(15, 14))
    assert result.state is SlaState.MET
    assert result.next_change_at is None
