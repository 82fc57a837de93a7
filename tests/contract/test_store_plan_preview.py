"""Store contract, continued: previews that write nothing, and when owners were last refreshed."""

from __future__ import annotations

from adapters.base.protocol import PropertyUpdate, TaskCreate
from connector.store import Store
from rules.model import ObjectType, Owner
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
