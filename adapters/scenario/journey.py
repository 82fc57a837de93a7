"""When a person was created and how they moved through the funnel, as timelines.

Three kinds of journey: *nurture* (subscribers and leads who never became MQLs), *MQL* (placed so
that their whole sales history fits before ``now``) and *fresh MQL* (became an MQL a few business
hours before ``now`` and is still untouched, inside its SLA window). People outside the funnel
(partners, vendors) get the ``other`` stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import sqrt
from random import Random

from adapters.scenario.clock import place_mql, subtract_business
from adapters.scenario.sales import (
    UNTOUCHED,
    History,
    Lag,
    SalesPlan,
    lag_hours,
    sales_history,
)
from rules.model import Stage

WINDOW = timedelta(days=90)
"""People were created during the 90 days before ``now``."""
P_STARTS_AS_SUBSCRIBER = 0.30
P_SUBSCRIBER_TO_LEAD = 0.30
"""Subscribers who later become leads without ever reaching MQL."""
P_HAND_RAISER = 0.35
"""MQLs who asked for a demo: they become MQLs minutes after the form creates them."""
IN_OFFICE_SHARE = 0.80
"""MQLs that arrive during office hours; the rest arrive evenings, early mornings, weekends."""
FRESH_WINDOW = (timedelta(minutes=5), timedelta(minutes=225))
"""Business time since a fresh MQL arrived: inside the 4-business-hour SLA, crossing it soon."""

_NURTURE = Lag(288, 0.8, 1, 2000)
"""Created -> MQL for people who were nurtured: median 12 days."""
_SUBSCRIBER_TO_LEAD = Lag(240, 0.8, 1, 2000)
_EARLIEST_MQL = timedelta(days=10)
"""No MQL before ``window start + 10 days`` (before placing): room for :func:`place_mql`, which
may go back six days, and for the nurture before the MQL."""
_SNAP_ROOM = timedelta(days=1)
""":func:`place_mql` may land up to a day after its candidate."""


@dataclass(frozen=True, slots=True)
class Window:
    """The 90 days before ``now`` in which people were created."""

    now: datetime

    @property
    def start(self) -> datetime:
        """The oldest possible creation time."""
        return self.now - WINDOW

    def recent(self, rng: Random, earliest: datetime, latest: datetime) -> datetime:
        """A moment in ``[earliest, latest)``, three times likelier at the end than at the start:
        inbound volume grows, as it does in a portal that is being used."""
        fraction = sqrt(0.25 + 2 * rng.random()) - 0.5  # inverse CDF of the density 0.5 + x
        return earliest + (latest - earliest) * fraction


@dataclass(frozen=True, slots=True)
class Journey:
    """When a person was created and what happened since; ``mql_at`` is set for MQLs and beyond."""

    created_at: datetime
    history: History
    mql_at: datetime | None = None


def other_journey(rng: Random, window: Window) -> Journey:
    """A person outside the funnel (a partner, a vendor)."""
    created = window.recent(rng, window.start, window.now)
    return Journey(created, History([(Stage.OTHER, created)]))


def nurture_journey(rng: Random, window: Window) -> Journey:
    """A subscriber or lead who has not become an MQL (yet)."""
    created = window.recent(rng, window.start, window.now)
    if rng.random() >= P_STARTS_AS_SUBSCRIBER:
        return Journey(created, History([(Stage.LEAD, created)]))
    stages = [(Stage.SUBSCRIBER, created)]
    if rng.random() < P_SUBSCRIBER_TO_LEAD:
        lead_at = created + timedelta(hours=lag_hours(rng, _SUBSCRIBER_TO_LEAD, False))
        if lead_at <= window.now:
            stages.append((Stage.LEAD, lead_at))
    return Journey(created, History(stages))


def mql_journey(
    rng: Random, window: Window, plan: SalesPlan, owner_id: str, manager_id: str
) -> Journey:
    """Someone who became an MQL, early enough for ``plan`` to play out before ``now``."""
    earliest = window.start + _EARLIEST_MQL
    latest = window.now - plan.span_bound() - _SNAP_ROOM
    mql_at = place_mql(rng, window.recent(rng, earliest, latest), IN_OFFICE_SHARE)
    return _with_sales(rng, window, plan, mql_at, owner_id=owner_id, manager_id=manager_id)


def fresh_mql_journey(rng: Random, window: Window, owner_id: str, manager_id: str) -> Journey:
    """Someone who became an MQL a few business hours ago and is still waiting for sales."""
    low, high = FRESH_WINDOW
    mql_at = subtract_business(window.now, low + (high - low) * rng.random())
    return _with_sales(rng, window, UNTOUCHED, mql_at, owner_id=owner_id, manager_id=manager_id)


def _with_sales(
    rng: Random,
    window: Window,
    plan: SalesPlan,
    mql_at: datetime,
    *,
    owner_id: str,
    manager_id: str,
) -> Journey:
    created, stages = _before_mql(rng, mql_at, window.start)
    history = sales_history(plan, mql_at, owner_id, manager_id, window.now)
    history.stages[:0] = stages
    return Journey(created, history, mql_at)


def _before_mql(
    rng: Random, mql_at: datetime, start: datetime
) -> tuple[datetime, list[tuple[Stage, datetime]]]:
    """Creation and the stages before MQL: always a lead first, sometimes a subscriber before."""
    hand_raiser = rng.random() < P_HAND_RAISER
    subscriber = rng.random() < P_STARTS_AS_SUBSCRIBER
    form_to_mql = timedelta(minutes=0.5 + 9.5 * rng.random())
    if hand_raiser and not subscriber:
        created = mql_at - form_to_mql
        return created, [(Stage.LEAD, created)]
    # Hours: the nurture may not start before the window, and must leave room for the lead stage.
    room = (mql_at - start) / timedelta(hours=1)
    nurture = timedelta(hours=max(1.0, min(0.98 * room, lag_hours(rng, _NURTURE, False))))
    created = mql_at - nurture
    if not subscriber:
        return created, [(Stage.LEAD, created)]
    lead_at = (
        mql_at - form_to_mql if hand_raiser else created + nurture * (0.2 + 0.7 * rng.random())
    )
    return created, [(Stage.SUBSCRIBER, created), (Stage.LEAD, lead_at)]
