"""What sales does with an MQL: first touch, acceptance or rejection, qualification, deal, win.

A :class:`SalesPlan` is drawn first (delays, outcomes, lags), and only then placed in time by
:func:`sales_history`. Drawing before placing lets the caller choose an MQL moment early enough that
the whole history fits before ``now``, so no outcome is cut short by the end of the window.

The rates are the published ranges of ``funnel-facts.md``; see the package docstring for the figures
they produce.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from math import log
from operator import attrgetter
from random import Random

from adapters.scenario.clock import add_business, business_bound, is_open
from adapters.scenario.model import PLACEHOLDER_REASONS, REJECTION_REASONS, ScenarioActivity
from adapters.scenario.tables import Weighted
from rules.model import ActivityKind, LeadStatus, Stage

P_NEVER_TOUCHED = 0.15
"""MQLs nobody in sales ever touches (HBR 2011: 23 % of web leads were never answered)."""
P_SAL_TO_SQL = 0.56
"""SAL -> SQL, published 50-70 %."""
P_SQL_TO_OPPORTUNITY = 0.55
P_OPPORTUNITY_TO_WON = 0.45
"""Together 25 % of SQLs are won: the published SQL -> closed-won range is 20-30 %."""
P_CUSTOMER_TO_EVANGELIST = 0.10
P_MANAGER_REVIEW = 0.05
"""MQLs that also get a review task by the team manager, which is *not* a touch by the owner."""
P_EAGER = 0.10
"""Reps who answer an out-of-hours MQL within the hour instead of waiting for the office to open."""
P_CALL_FIRST, P_CALL_CONNECTS = 0.60, 0.45
P_REASON_GIVEN, P_REASON_PLACEHOLDER = 0.70, 0.15
"""Rejections with a real reason; with a placeholder; the rest (15 %) leave the field empty."""
MAX_SALES_SPAN = timedelta(days=70)
"""Lags after the first touch are scaled down to fit this, so every history fits the window."""


class Step(StrEnum):
    """One thing that happens to an MQL after the first touch."""

    CONNECT = "connect"
    ACCEPT = "accept"
    MEET = "meet"
    QUALIFY = "qualify"
    OPEN_DEAL = "open_deal"
    WIN = "win"
    ADVOCATE = "advocate"
    FOLLOW_UP = "follow_up"
    DISQUALIFY = "disqualify"
    RECYCLE = "recycle"


@dataclass(frozen=True, slots=True)
class _Effect:
    stage: Stage | None = None
    status: LeadStatus | None = None
    activity: ActivityKind | None = None
    subject: str = ""


_EFFECTS: Mapping[Step, _Effect] = {
    Step.CONNECT: _Effect(None, LeadStatus.CONNECTED, ActivityKind.CALL, "Call: connected"),
    Step.ACCEPT: _Effect(Stage.SAL),
    Step.MEET: _Effect(None, None, ActivityKind.MEETING, "Discovery meeting"),
    Step.QUALIFY: _Effect(Stage.SQL, LeadStatus.QUALIFIED),
    Step.OPEN_DEAL: _Effect(Stage.OPPORTUNITY),
    Step.WIN: _Effect(Stage.CUSTOMER),
    Step.ADVOCATE: _Effect(Stage.EVANGELIST),
    Step.FOLLOW_UP: _Effect(None, None, ActivityKind.EMAIL, "Follow-up email"),
    Step.DISQUALIFY: _Effect(status=LeadStatus.DISQUALIFIED),
    Step.RECYCLE: _Effect(status=LeadStatus.RECYCLED),
}


@dataclass(frozen=True, slots=True)
class Lag:
    """A log-normal delay in hours, clamped to ``[low, high]``; Enterprise moves ``enterprise``x."""

    median: float
    sigma: float
    low: float
    high: float
    enterprise: float = 1.0


_LAGS: Mapping[Step, Lag] = {
    Step.CONNECT: Lag(20, 0.9, 0.1, 120),
    Step.ACCEPT: Lag(0.3, 0.6, 0.05, 4),
    Step.MEET: Lag(72, 0.7, 2, 480, 1.3),
    Step.QUALIFY: Lag(1, 0.3, 0.5, 3),
    Step.OPEN_DEAL: Lag(144, 0.6, 6, 720, 1.3),
    Step.WIN: Lag(480, 0.5, 96, 1200, 1.6),
    Step.ADVOCATE: Lag(336, 0.5, 48, 1000),
    Step.FOLLOW_UP: Lag(72, 0.5, 12, 240),
    Step.DISQUALIFY: Lag(24, 0.9, 0.2, 240),
    Step.RECYCLE: Lag(240, 0.5, 72, 720),
}


@dataclass(frozen=True, slots=True)
class _TouchBucket:
    """First touches ``low``-``high`` of business time after the MQL, and how often sales accepts
    such leads: faster answers qualify more (HBR 2011: ~7x within the hour)."""

    low: timedelta
    high: timedelta
    p_accept: float


_TOUCH_BUCKETS: Weighted[_TouchBucket] = Weighted.of(
    [
        (_TouchBucket(timedelta(minutes=1), timedelta(minutes=5), 0.72), 10),
        (_TouchBucket(timedelta(minutes=5), timedelta(hours=1), 0.66), 35),
        (_TouchBucket(timedelta(hours=1), timedelta(minutes=235), 0.56), 30),
        (_TouchBucket(timedelta(minutes=245), timedelta(hours=8), 0.42), 10),
        (_TouchBucket(timedelta(hours=8), timedelta(hours=24), 0.36), 15),
    ]
)
"""75 % of touched MQLs are touched inside the 4-business-hour SLA, 45 % within the hour (38 % of
all MQLs: HBR's 37 %); 15 % wait 1-3 business days."""

_UNACCEPTED: Weighted[tuple[Step, ...]] = Weighted.of(
    [
        ((Step.DISQUALIFY,), 30),
        ((Step.CONNECT, Step.DISQUALIFY), 25),
        ((Step.FOLLOW_UP, Step.RECYCLE), 20),
        ((Step.FOLLOW_UP,), 15),
        ((), 10),
    ]
)
"""Touched MQLs that sales does not accept: rejected, recycled to nurture, or still being worked."""

_ACCEPTED_NOT_QUALIFIED: Weighted[tuple[Step, ...]] = Weighted.of(
    [((Step.DISQUALIFY,), 60), ((Step.RECYCLE,), 15), ((), 25)]
)

_REASONS: Weighted[str] = Weighted.of(
    list(zip(REJECTION_REASONS, (25, 20, 10, 8, 10, 12, 15), strict=True))
)

_TOUCH_SUBJECTS: Mapping[ActivityKind, str] = {
    ActivityKind.CALL: "Intro call",
    ActivityKind.EMAIL: "Intro email",
}
_REVIEW_AFTER = timedelta(minutes=20)


@dataclass(frozen=True, slots=True)
class SalesPlan:
    """What will happen after an MQL, before it is placed in time.

    ``touch`` is the business time to the first touch (``None``: no touch). ``eager`` replaces it
    with calendar time when the MQL arrives out of office hours. ``steps`` follow the touch, each
    after its lag. ``reason`` is the rejection reason the rep types, if the plan disqualifies.
    """

    touch: timedelta | None = None
    eager: timedelta | None = None
    first: ActivityKind = ActivityKind.CALL
    connected: bool = False
    steps: tuple[tuple[Step, timedelta], ...] = ()
    review: bool = False
    reason: str | None = None

    def span_bound(self) -> timedelta:
        """An upper bound of the time from the MQL to the last step, wherever the MQL falls."""
        if self.touch is None:
            return timedelta()
        return business_bound(self.touch) + sum((lag for _, lag in self.steps), timedelta())


UNTOUCHED = SalesPlan()
"""The plan of an MQL that has not been touched yet."""


@dataclass(slots=True)
class History:
    """A person's timelines while they are being built, oldest first."""

    stages: list[tuple[Stage, datetime]]
    statuses: list[tuple[LeadStatus, datetime]] = field(default_factory=list)
    activities: list[ScenarioActivity] = field(default_factory=list)
    first_touch_at: datetime | None = None
    rejection_reason: str | None = None


def draw_plan(rng: Random, enterprise: bool) -> SalesPlan:
    """A random plan for a new MQL; ``enterprise`` deals move more slowly."""
    review = rng.random() < P_MANAGER_REVIEW
    if rng.random() < P_NEVER_TOUCHED:
        return SalesPlan(review=review)
    bucket = _TOUCH_BUCKETS.pick(rng)
    touch = bucket.low + (bucket.high - bucket.low) * rng.random()
    eager = timedelta(minutes=3 + 57 * rng.random()) if rng.random() < P_EAGER else None
    first = ActivityKind.CALL if rng.random() < P_CALL_FIRST else ActivityKind.EMAIL
    connected = first is ActivityKind.CALL and rng.random() < P_CALL_CONNECTS
    if rng.random() < bucket.p_accept:
        names: tuple[Step, ...] = (Step.CONNECT, Step.ACCEPT, *_after_acceptance(rng))
    else:
        names = _UNACCEPTED.pick(rng)
    if connected:
        names = tuple(step for step in names if step is not Step.CONNECT)
    reason = _reason(rng) if Step.DISQUALIFY in names else None
    steps = _with_lags(rng, names, enterprise)
    return SalesPlan(touch, eager, first, connected, steps, review, reason)


def _after_acceptance(rng: Random) -> tuple[Step, ...]:
    if rng.random() >= P_SAL_TO_SQL:
        return _ACCEPTED_NOT_QUALIFIED.pick(rng)
    if rng.random() >= P_SQL_TO_OPPORTUNITY:
        return (Step.MEET, Step.QUALIFY)
    if rng.random() >= P_OPPORTUNITY_TO_WON:
        return (Step.MEET, Step.QUALIFY, Step.OPEN_DEAL)
    if rng.random() >= P_CUSTOMER_TO_EVANGELIST:
        return (Step.MEET, Step.QUALIFY, Step.OPEN_DEAL, Step.WIN)
    return (Step.MEET, Step.QUALIFY, Step.OPEN_DEAL, Step.WIN, Step.ADVOCATE)


def _reason(rng: Random) -> str | None:
    draw = rng.random()
    if draw < P_REASON_GIVEN:
        return _REASONS.pick(rng)
    if draw < P_REASON_GIVEN + P_REASON_PLACEHOLDER:
        return rng.choice(PLACEHOLDER_REASONS)
    return None


def _with_lags(
    rng: Random, names: Sequence[Step], enterprise: bool
) -> tuple[tuple[Step, timedelta], ...]:
    hours = [lag_hours(rng, _LAGS[step], enterprise) for step in names]
    scale = min(1.0, MAX_SALES_SPAN / timedelta(hours=sum(hours) or 1))
    return tuple((step, timedelta(hours=h * scale)) for step, h in zip(names, hours, strict=True))


def lag_hours(rng: Random, lag: Lag, enterprise: bool) -> float:
    """One delay in hours drawn from ``lag``."""
    hours = rng.lognormvariate(log(lag.median), lag.sigma) * (lag.enterprise if enterprise else 1)
    return min(lag.high, max(lag.low, hours))


def sales_history(
    plan: SalesPlan, mql_at: datetime, owner_id: str, manager_id: str, now: datetime
) -> History:
    """Place ``plan`` after an MQL at ``mql_at``: stages from MQL on, statuses, activities.

    The caller guarantees ``mql_at + plan.span_bound() <= now``; only the manager's review task,
    which is not bounded, is dropped when it would fall after ``now``.
    """
    history = History([(Stage.MQL, mql_at)], [(LeadStatus.NEW, mql_at)])
    if plan.review and mql_at + _REVIEW_AFTER <= now:
        review = ScenarioActivity(
            ActivityKind.TASK, mql_at + _REVIEW_AFTER, manager_id, "Review MQL"
        )
        history.activities.append(review)
    if plan.touch is None:
        return history
    if plan.eager is not None and not is_open(mql_at):
        at = mql_at + plan.eager
    else:
        at = add_business(mql_at, plan.touch)
    history.first_touch_at = at
    history.activities.append(
        ScenarioActivity(plan.first, at, owner_id, _TOUCH_SUBJECTS[plan.first])
    )
    history.statuses.append((LeadStatus.CONNECTED if plan.connected else LeadStatus.ATTEMPTING, at))
    for step, lag in plan.steps:
        at += lag
        _apply(history, _EFFECTS[step], at, owner_id)
    history.rejection_reason = plan.reason
    history.activities.sort(key=attrgetter("at"))
    return history


def _apply(history: History, effect: _Effect, at: datetime, owner_id: str) -> None:
    if effect.stage is not None:
        history.stages.append((effect.stage, at))
    if effect.status is not None:
        history.statuses.append((effect.status, at))
    if effect.activity is not None:
        history.activities.append(ScenarioActivity(effect.activity, at, owner_id, effect.subject))
