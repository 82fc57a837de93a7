"""The seeded scenario is deterministic, consistent, and inside the published funnel ranges.

Ranges come from ``funnel-facts.md``. Business time is measured here independently of the module
under test (Europe/Kyiv, Mon-Fri 09:00-17:00), so a placement bug in the generator shows up.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from math import sqrt
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from adapters.scenario import (
    DEAL_STAGES,
    PLACEHOLDER_REASONS,
    REJECTION_REASONS,
    Scenario,
    ScenarioPerson,
    generate,
)
from adapters.scenario.clock import add_business, subtract_business
from adapters.scenario.owners import reps_per_team
from rules.model import FUNNEL_ORDER, ActivityKind, LeadStatus, Stage

KYIV = ZoneInfo("Europe/Kyiv")
MONDAY_MORNING = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)  # 13:00 in Kyiv
SATURDAY = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
SLA = timedelta(hours=4)
QUALIFIED = (Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.EVANGELIST)


def business_elapsed(start: datetime, end: datetime) -> timedelta:
    """Open time between two instants in Kyiv office hours, summed day by day."""
    start, end = start.astimezone(KYIV), end.astimezone(KYIV)
    total, day = timedelta(), start.date()
    while day <= end.date():
        if day.isoweekday() <= 5:
            opens = datetime.combine(day, time(9), KYIV)
            closes = datetime.combine(day, time(17), KYIV)
            total += max(timedelta(), min(end, closes) - max(start, opens))
        day += timedelta(days=1)
    return total


def reached(person: ScenarioPerson, stage: Stage) -> bool:
    """Whether the person ever got to ``stage`` or further down the funnel."""
    order = FUNNEL_ORDER.index
    return any(s is not Stage.OTHER and order(s) >= order(stage) for s, _ in person.stages)


def real_reason(person: ScenarioPerson) -> bool:
    return person.rejection_reason is not None and person.rejection_reason in REJECTION_REASONS


def is_disqualified(person: ScenarioPerson) -> bool:
    return bool(person.statuses) and person.statuses[-1][0] is LeadStatus.DISQUALIFIED


def mql_at(person: ScenarioPerson) -> datetime:
    entered = person.entered(Stage.MQL)
    assert entered is not None
    return entered


def mqls(scenario: Scenario) -> list[ScenarioPerson]:
    return [p for p in scenario.people if p.entered(Stage.MQL) is not None]


@pytest.fixture(scope="module", params=[MONDAY_MORNING, SATURDAY], ids=["monday", "saturday"])
def small(request: pytest.FixtureRequest) -> Scenario:
    now: datetime = request.param
    return generate(3, 1_000, now)


@pytest.fixture(scope="module")
def large() -> Scenario:
    return generate(42, 5_000, MONDAY_MORNING)


# --- determinism and arguments -------------------------------------------------------------------


def test_same_arguments_give_equal_scenarios() -> None:
    kyiv_now = MONDAY_MORNING.astimezone(KYIV)
    assert generate(11, 300, MONDAY_MORNING) == generate(11, 300, kyiv_now)


@pytest.mark.parametrize(("first", "second"), [(1, 2), (42, 43)])
def test_different_seeds_give_different_scenarios(first: int, second: int) -> None:
    one, other = generate(first, 300, MONDAY_MORNING), generate(second, 300, MONDAY_MORNING)
    assert one.people != other.people
    assert one.deals != other.deals


@pytest.mark.parametrize(
    ("people", "now", "deals", "match"),
    [
        (10, datetime(2026, 3, 9, 11, 0), 20, "naive datetime"),
        (-1, MONDAY_MORNING, 20, "must be >= 0"),
        (10, MONDAY_MORNING, -5, "must be >= 0"),
    ],
)
def test_invalid_arguments_are_refused(people: int, now: datetime, deals: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generate(1, people, now, deals_per_100_people=deals)


@pytest.mark.parametrize(("people", "in_window"), [(0, 0), (1, 1), (2, 2), (40, 3)])
def test_tiny_scenarios_still_have_a_team_and_fresh_mqls(people: int, in_window: int) -> None:
    scenario = generate(5, people, MONDAY_MORNING)
    assert len(scenario.people) == people
    assert len(scenario.owners) == 1 + 2 * (1 + 3)
    untouched = [p for p in mqls(scenario) if p.first_touch_at is None]
    fresh = [p for p in untouched if business_elapsed(mql_at(p), scenario.now) < SLA]
    assert len(fresh) >= in_window


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        generate(1, 20, MONDAY_MORNING)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize(
    ("people", "reps"),
    [(0, 3), (5_000, 3), (10_000, 4), (100_000, 5), (1_000_000, 6), (10**8, 6)],
)
def test_teams_grow_modestly_with_size(people: int, reps: int) -> None:
    assert reps_per_team(people) == reps


# --- the office clock used to place events ------------------------------------------------------


def kyiv(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), KYIV)


FRIDAY, MONDAY = date(2026, 3, 13), date(2026, 3, 16)
BEFORE_DST, AFTER_DST = date(2026, 3, 27), date(2026, 3, 30)  # Kyiv springs forward on Mar 29


@pytest.mark.parametrize(
    ("start", "duration", "end", "back"),
    [
        (kyiv(FRIDAY, 10), timedelta(hours=2), kyiv(FRIDAY, 12), kyiv(FRIDAY, 10)),
        (kyiv(FRIDAY, 16, 30), timedelta(hours=1), kyiv(MONDAY, 9, 30), kyiv(FRIDAY, 16, 30)),
        (kyiv(FRIDAY, 20), timedelta(minutes=5), kyiv(MONDAY, 9, 5), kyiv(MONDAY, 9)),
        (
            kyiv(MONDAY, 7),
            timedelta(hours=24),
            kyiv(MONDAY + timedelta(days=2), 17),
            kyiv(MONDAY, 9),
        ),
        (kyiv(BEFORE_DST, 16), timedelta(hours=2), kyiv(AFTER_DST, 10), kyiv(BEFORE_DST, 16)),
    ],
)
def test_business_time_skips_nights_and_weekends(
    start: datetime, duration: timedelta, end: datetime, back: datetime
) -> None:
    """``back`` is the first open instant at or after ``start``: what subtracting returns."""
    assert add_business(start, duration) == end
    assert subtract_business(end, duration) == back
    assert business_elapsed(start, end) == business_elapsed(back, end) == duration


# --- invariants ----------------------------------------------------------------------------------


def all_instants(scenario: Scenario) -> Iterator[datetime]:
    for p in scenario.people:
        yield p.created_at
        yield p.updated_at
        yield from (at for _, at in (*p.stages, *p.statuses))
        yield from (a.at for a in p.activities)
        yield from (at for at in (p.first_touch_at, p.last_click_at, p.recent_conversion_at) if at)
    for d in scenario.deals:
        yield d.created_at
        yield d.updated_at
        yield from (at for _, at in d.stages)


def check_instants_are_utc_and_not_after_now(s: Scenario) -> None:
    assert s.now.utcoffset() == timedelta()
    for at in all_instants(s):
        assert at.tzinfo is not None
        assert at.utcoffset() == timedelta()
        assert at <= s.now


def check_people_were_created_in_the_window(s: Scenario) -> None:
    for p in s.people:
        assert s.now - timedelta(days=90) <= p.created_at == p.stages[0][1]


def check_timelines_strictly_increase(s: Scenario) -> None:
    def increasing(times: list[datetime]) -> bool:
        return all(a < b for a, b in pairwise(times))

    for p in s.people:
        assert increasing([at for _, at in p.stages])
        assert increasing([at for _, at in p.statuses])
        assert [a.at for a in p.activities] == sorted(a.at for a in p.activities)
    for d in s.deals:
        assert increasing([at for _, at in d.stages])


def check_the_latest_change_is_the_update(s: Scenario) -> None:
    for p in s.people:
        last = [p.stages[-1][1], *(a.at for a in p.activities), *(at for _, at in p.statuses)]
        last += [at for at in (p.last_click_at, p.recent_conversion_at) if at is not None]
        assert max(last) <= p.updated_at
    for d in s.deals:
        assert d.stages[-1][1] <= d.updated_at


def check_engagement_is_within_the_person_lifetime(s: Scenario) -> None:
    for p in s.people:
        assert p.page_views >= 1
        assert (p.last_click_at is None) == (p.email_clicks == 0)
        assert (p.recent_conversion_at is None) == (p.form_submissions == 0)
        for at in (p.last_click_at, p.recent_conversion_at):
            assert at is None or p.created_at <= at


def check_emails_are_unique(s: Scenario) -> None:
    assert len({p.email for p in s.people}) == len(s.people)
    assert len({o.email for o in s.owners}) == len(s.owners)
    assert all(p.email.endswith("@" + p.domain) for p in s.people)


def check_keys_number_records_by_creation(s: Scenario) -> None:
    assert [p.key for p in s.people] == list(range(1, len(s.people) + 1))
    assert [p.created_at for p in s.people] == sorted(p.created_at for p in s.people)
    assert [d.key for d in s.deals] == list(range(1, len(s.deals) + 1))
    assert [d.created_at for d in s.deals] == sorted(d.created_at for d in s.deals)


def check_the_sales_team_is_complete(s: Scenario) -> None:
    owners = {o.id: o for o in s.owners}
    assert [o.id for o in s.owners] == [str(1001 + i) for i in range(len(s.owners))]
    for owner in s.owners:
        assert owner.manager_id is None or owners[owner.manager_id].is_manager
    teams = {o.team for o in s.owners if not o.is_manager}
    assert len(teams) >= 2
    for team in teams:
        assert sum(1 for o in s.owners if o.team == team and o.is_manager) == 1
        assert 3 <= sum(1 for o in s.owners if o.team == team and not o.is_manager) <= 6
    zones = {o.timezone for o in s.owners if not o.is_manager}
    assert {None, "Europe/Kyiv", "Europe/Berlin", "America/New_York"} <= zones


def check_referenced_owners_exist(s: Scenario) -> None:
    ids = {o.id for o in s.owners}
    referenced = {p.owner_id for p in s.people if p.owner_id is not None}
    referenced |= {a.owner_id for p in s.people for a in p.activities}
    referenced |= {d.owner_id for d in s.deals}
    assert referenced <= ids


def check_mqls_have_owners_and_earlier_people_mostly_not(s: Scenario) -> None:
    assert all(p.owner_id is not None for p in mqls(s))
    early = [p for p in s.people if p.entered(Stage.MQL) is None and p.stage is not Stage.OTHER]
    assert sum(p.owner_id is not None for p in early) <= 0.15 * len(early)


def check_a_touch_is_an_owner_call_or_email_and_a_status(s: Scenario) -> None:
    for p in mqls(s):
        mine = [a for a in p.activities if a.owner_id == p.owner_id and a.at > mql_at(p)]
        if p.first_touch_at is None:
            assert not mine
            assert p.statuses[-1][0] is LeadStatus.NEW
            continue
        assert mine[0].at == p.first_touch_at
        assert mine[0].kind in (ActivityKind.CALL, ActivityKind.EMAIL)
        statuses = {at: status for status, at in p.statuses}
        assert statuses[p.first_touch_at] in (LeadStatus.ATTEMPTING, LeadStatus.CONNECTED)


def check_sales_accepts_only_touched_mqls(s: Scenario) -> None:
    for p in s.people:
        if reached(p, Stage.SAL):
            assert p.first_touch_at is not None
            assert p.first_touch_at < (p.entered(Stage.SAL) or s.now)


def check_only_disqualified_people_have_reasons(s: Scenario) -> None:
    for p in s.people:
        if not is_disqualified(p):
            assert p.rejection_reason is None
        elif p.rejection_reason is not None:
            assert p.rejection_reason in (*REJECTION_REASONS, *PLACEHOLDER_REASONS)


def check_deals_are_consistent_with_their_people(s: Scenario) -> None:
    people = {p.key: p for p in s.people}
    for d in s.deals:
        assert d.stage in DEAL_STAGES
        assert d.stage == d.stages[-1][0]
        assert d.created_at == d.stages[0][1]
        assert d.pipeline == "default"
        assert d.amount > 0
        assert all(people[k].stage in QUALIFIED for k in d.person_keys)
        assert d.owner_id in {people[k].owner_id for k in d.person_keys}
        if d.stage in ("closedwon", "closedlost"):
            assert d.close_date == d.stages[-1][1].date()
    won = {at for d in s.deals for stage, at in d.stages if stage == "closedwon"}
    for p in s.people:
        customer_at = p.entered(Stage.CUSTOMER)
        assert customer_at is None or customer_at in won


def check_fresh_mqls_are_inside_their_sla_window(s: Scenario) -> None:
    untouched = [p for p in mqls(s) if p.first_touch_at is None]
    fresh = [p for p in untouched if business_elapsed(mql_at(p), s.now) < SLA]
    assert len(fresh) >= 3
    assert all(business_elapsed(mql_at(p), s.now) > timedelta() for p in fresh)


INVARIANTS: list[Callable[[Scenario], None]] = [
    check_instants_are_utc_and_not_after_now,
    check_people_were_created_in_the_window,
    check_timelines_strictly_increase,
    check_the_latest_change_is_the_update,
    check_engagement_is_within_the_person_lifetime,
    check_emails_are_unique,
    check_keys_number_records_by_creation,
    check_the_sales_team_is_complete,
    check_referenced_owners_exist,
    check_mqls_have_owners_and_earlier_people_mostly_not,
    check_a_touch_is_an_owner_call_or_email_and_a_status,
    check_sales_accepts_only_touched_mqls,
    check_only_disqualified_people_have_reasons,
    check_deals_are_consistent_with_their_people,
    check_fresh_mqls_are_inside_their_sla_window,
]


@pytest.mark.parametrize("invariant", INVARIANTS, ids=lambda f: f.__name__.removeprefix("check_"))
def test_invariant(small: Scenario, invariant: Callable[[Scenario], None]) -> None:
    invariant(small)


# --- distribution --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "since", "low", "high"),
    [
        (Stage.MQL, Stage.SUBSCRIBER, 0.10, 0.25),
        (Stage.SAL, Stage.MQL, 0.40, 0.60),
        (Stage.SQL, Stage.SAL, 0.50, 0.70),
        (Stage.SQL, Stage.MQL, 0.05, 0.40),
        (Stage.CUSTOMER, Stage.SQL, 0.20, 0.30),
    ],
    ids=["inquiry->MQL", "MQL->SAL", "SAL->SQL", "MQL->SQL", "SQL->won"],
)
def test_conversion_is_inside_the_published_range(
    large: Scenario, to: Stage, since: Stage, low: float, high: float
) -> None:
    cohort = [p for p in large.people if reached(p, since)]
    rate = sum(reached(p, to) for p in cohort) / len(cohort)
    # Tolerance: two standard errors of a rate at the nearer bound, for this cohort's size.
    bound = min(max(rate, low), high)
    slack = 2 * sqrt(bound * (1 - bound) / len(cohort))
    assert low - slack <= rate <= high + slack


def touch_delays(s: Scenario) -> list[timedelta | None]:
    return [
        None if p.first_touch_at is None else business_elapsed(mql_at(p), p.first_touch_at)
        for p in mqls(s)
    ]


def in_office(at: datetime) -> bool:
    local = at.astimezone(KYIV)
    return local.isoweekday() <= 5 and 9 <= local.hour < 17


def share(values: list[bool]) -> float:
    return sum(values) / len(values)


SHARES: list[tuple[str, Callable[[Scenario], float], float, float]] = [
    ("never touched", lambda s: share([d is None for d in touch_delays(s)]), 0.10, 0.20),
    (
        "touched within the SLA, of the touched",
        lambda s: share([d <= SLA for d in touch_delays(s) if d is not None]),
        0.60,
        0.90,
    ),
    (
        "touched after 1-3 business days, of the touched",
        lambda s: share([timedelta(hours=8) < d for d in touch_delays(s) if d is not None]),
        0.05,
        0.25,
    ),
    (
        "MQLs arriving in office hours",
        lambda s: share([in_office(mql_at(p)) for p in mqls(s)]),
        0.70,
        0.90,
    ),
    (
        "disqualified without a real reason",
        lambda s: share([not real_reason(p) for p in s.people if is_disqualified(p)]),
        0.20,
        0.40,
    ),
]


@pytest.mark.parametrize(("what", "measure", "low", "high"), SHARES, ids=[s[0] for s in SHARES])
def test_share_is_realistic(
    large: Scenario, what: str, measure: Callable[[Scenario], float], low: float, high: float
) -> None:
    assert low <= measure(large) <= high, what


def test_slow_touches_stay_within_three_business_days(large: Scenario) -> None:
    delays = [d for d in touch_delays(large) if d is not None]
    assert max(delays) <= timedelta(hours=24)


def test_deals_match_the_requested_volume_and_amounts(large: Scenario) -> None:
    assert len(large.deals) == 5_000 * 20 // 100
    assert 10_000 <= median(d.amount for d in large.deals) <= 30_000
    stages = {d.stage for d in large.deals}
    assert stages == set(DEAL_STAGES)


def test_every_kind_of_sla_case_is_present(large: Scenario) -> None:
    cases = {
        "overdue touch": any(d is not None and d > SLA for d in touch_delays(large)),
        "never touched, overdue": any(
            p.first_touch_at is None and business_elapsed(mql_at(p), large.now) > SLA
            for p in mqls(large)
        ),
        "disqualified, no reason": any(
            is_disqualified(p) and p.rejection_reason is None for p in large.people
        ),
        "disqualified, placeholder": any(
            is_disqualified(p) and p.rejection_reason in PLACEHOLDER_REASONS for p in large.people
        ),
        "recycled": any(
            p.statuses and p.statuses[-1][0] is LeadStatus.RECYCLED for p in mqls(large)
        ),
        "manager task": any(
            a.kind is ActivityKind.TASK and a.owner_id != p.owner_id
            for p in mqls(large)
            for a in p.activities
        ),
        "evangelist": any(p.stage is Stage.EVANGELIST for p in large.people),
    }
    assert [case for case, present in cases.items() if not present] == []
