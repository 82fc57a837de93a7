"""Store contract, continued: property values the CRM refused, which the planner holds back (R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from adapters.base.protocol import ActionOutcome, OutcomeStatus, PropertyUpdate, TaskCreate
from connector.store import RefusedValue, Store
from rules.model import ObjectType
from tests.contract.conftest import T0

CONTACT, LEAD = ObjectType.CONTACT, ObjectType.LEAD
SCORE, STATUS = "smarketing_score", "smarketing_sla_status"
REFUSED_AT = T0 + timedelta(minutes=1)
LATER = T0 + timedelta(minutes=5)


def update(
    key: str, value: str = "72", record_id: str = "1", prop: str = SCORE, kind: ObjectType = CONTACT
) -> PropertyUpdate:
    return PropertyUpdate(key, kind, record_id, prop, value)


def send(store: Store, key: str, status: OutcomeStatus, at: datetime) -> None:
    store.mark_sent([key], at)
    store.record_outcomes([ActionOutcome(key, status, None, f"{status} at {at:%H:%M}")], at)


def refuse(store: Store, action: PropertyUpdate, at: datetime = REFUSED_AT) -> None:
    store.plan([action], at)
    send(store, action.key, OutcomeStatus.REJECTED, at)


def test_a_refused_value_is_returned_with_when_it_was_refused(store: Store) -> None:
    refuse(store, update("s1", "72"))
    store.plan([update("st1", "overdue", prop=STATUS)], T0)
    send(store, "st1", OutcomeStatus.DONE, REFUSED_AT)
    store.plan([TaskCreate("t1", CONTACT, "1", "mql-first-touch", "rep-1", T0, "Call")], T0)
    send(store, "t1", OutcomeStatus.REJECTED, REFUSED_AT)  # not a property: not a value

    assert store.refused_values(CONTACT, "1") == {("1", SCORE): RefusedValue("72", REFUSED_AT)}


def test_retries_given_up_count_as_refused(store: Store) -> None:
    store.plan([update("s1")], T0)
    for minute in range(3):  # the contract store allows three sends
        send(store, "s1", OutcomeStatus.RETRY_LATER, T0 + timedelta(minutes=minute))
    assert store.refused_values(CONTACT, ["1"]) == {
        ("1", SCORE): RefusedValue("72", T0 + timedelta(minutes=2))
    }


def _planned(store: Store) -> None:
    store.plan([update("s2", "80")], LATER)


def _planned_same_value(store: Store) -> None:
    store.plan([update("s2", "72")], LATER)


def _done(store: Store) -> None:
    store.plan([update("s2", "80")], LATER)
    send(store, "s2", OutcomeStatus.DONE, LATER)


def _retrying(store: Store) -> None:
    store.plan([update("s2", "80")], LATER)
    send(store, "s2", OutcomeStatus.RETRY_LATER, LATER)


def _written_after(store: Store) -> None:
    store.record_written(CONTACT, "1", SCORE, "65", LATER)


@pytest.mark.parametrize(
    "then",
    [_planned, _planned_same_value, _done, _retrying, _written_after],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_later_write_of_the_property_supersedes_the_refusal(
    store: Store, then: Callable[[Store], None]
) -> None:
    refuse(store, update("s1", "72"))
    then(store)
    assert store.refused_values(CONTACT, ["1"]) == {}


def test_a_later_refusal_replaces_an_earlier_one_and_an_older_write_does_not_count(
    store: Store,
) -> None:
    store.record_written(CONTACT, "1", SCORE, "65", T0)
    refuse(store, update("s1", "72"))
    refuse(store, update("s2", "80"), LATER)
    assert store.refused_values(CONTACT, ["1"]) == {("1", SCORE): RefusedValue("80", LATER)}


def test_other_records_and_properties_are_not_affected(store: Store) -> None:
    refuse(store, update("s1", "72"))
    refuse(store, update("st1", "overdue", prop=STATUS))
    refuse(store, update("lead", "72", kind=LEAD))  # same id, another object type
    refuse(store, update("s3", "10", record_id="3"))  # not asked for
    store.plan([update("r2", "50", record_id="2")], T0)
    send(store, "r2", OutcomeStatus.DONE, REFUSED_AT)
    _done(store)  # record 1's score is written after its refusal; its status is not

    assert store.refused_values(CONTACT, ["1", "2", "4"]) == {
        ("1", STATUS): RefusedValue("overdue", REFUSED_AT)
    }
    assert store.refused_values(LEAD, ["1"]) == {("1", SCORE): RefusedValue("72", REFUSED_AT)}
    assert store.refused_values(CONTACT, []) == {}
