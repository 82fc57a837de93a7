"""Store contract, continued: what the sync cycle relies on (previews, owners, rechecks)."""

from __future__ import annotations

from datetime import timedelta

from adapters.base.protocol import (
    ActionOutcome,
    OutcomeStatus,
    PropertyUpdate,
    PullBatch,
    TaskClose,
    TaskCreate,
)
from connector.store import Store
from rules.model import Deal, ObjectType, Owner, Person
from tests.contract.conftest import T0, FakeClock

CONTACT = ObjectType.CONTACT
TASK = TaskCreate("k1", CONTACT, "1", "mql-first-touch", "rep-1", T0, "Call")
SCORE = PropertyUpdate("s1", CONTACT, "1", "smarketing_score", "72")


def test_a_preview_answers_like_plan_but_records_nothing(store: Store) -> None:
    assert store.preview_plan([TASK, SCORE]) == [TASK, SCORE]
    assert store.pending_actions() == []

    store.plan([TASK], T0)
    assert store.preview_plan([TASK, SCORE]) == [SCORE]
    assert [e.key for e in store.pending_actions()] == ["k1"]


def test_owners_refreshed_at_is_the_last_replace(store: Store, clock: FakeClock) -> None:
    assert store.owners_refreshed_at() is None
    store.replace_owners([Owner("1", "Rita")])
    assert store.owners_refreshed_at() == T0
    later = clock.advance(hours=2)
    store.replace_owners([Owner("1", "Rita"), Owner("2", "Ray")])
    assert store.owners_refreshed_at() == later
    assert store.owners_refreshed_at().tzinfo is not None  # type: ignore[union-attr]


def test_open_task_counts_follow_creates_and_closes(store: Store) -> None:
    other = TaskCreate("k2", CONTACT, "2", "reason-needed", "rep-1", T0, "Why?")
    third = TaskCreate("k3", CONTACT, "3", "mql-first-touch", "rep-1", T0, "Call")
    store.plan([TASK, other, third], T0)
    assert store.open_task_counts() == {}  # planned, not yet in the CRM
    store.mark_sent(["k1", "k2", "k3"], T0)
    store.record_outcomes(
        [ActionOutcome(k, OutcomeStatus.DONE, f"t{k}") for k in ("k1", "k2", "k3")], T0
    )
    assert store.open_task_counts() == {"mql-first-touch": 2, "reason-needed": 1}
    store.plan([TaskClose("k1", CONTACT, "1", "mql-first-touch")], T0)
    assert store.open_task_counts() == {"mql-first-touch": 1, "reason-needed": 1}


def test_a_stored_person_is_due_for_judging_until_judged(store: Store) -> None:
    later = T0 + timedelta(minutes=5)
    person = Person("1", updated_at=T0)
    store.apply_pull(PullBatch(CONTACT, people=(person,)))
    store.apply_pull(PullBatch(ObjectType.DEAL, deals=(Deal("9", updated_at=T0),)))
    # a cycle that died between storing and judging leaves the person due, not the deal
    assert [r.id for r in store.records_to_recheck(later)] == ["1"]
    store.set_next_check(CONTACT, {"1": None})
    assert store.records_to_recheck(later) == []
    store.apply_pull(PullBatch(CONTACT, people=(Person("1", updated_at=later),)))
    assert [r.id for r in store.records_to_recheck(later)] == ["1"]  # changed: due again
