"""Full-pull sweeps in the store, on SQLite and on PostgreSQL (``adapters.base.protocol.Sweep``).

A full pull delivers every live record of its type; when it ends, the store tombstones the stored
live records it did not deliver, as if each had been deleted: unsent actions on them are cancelled
and they are never judged again. This is how deletes purged before they were seen are caught
(Salesforce's 15-day Recycle Bin, failure-modes F15).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.base.protocol import Cursor, PropertyUpdate, PullBatch, Sweep
from connector.store import Store
from rules.model import ObjectType, Person
from tests.contract.conftest import T0, Backend

LEAD, CONTACT = ObjectType.LEAD, ObjectType.CONTACT
SWEPT = T0 + timedelta(days=20)
"""When the reconciling full pull starts: long after the first pull stored everyone."""


def person(pid: str, updated: datetime = T0, object_type: ObjectType = LEAD) -> Person:
    return Person(id=pid, object_type=object_type, email=f"{pid}@example.com", updated_at=updated)


def page(*ids: str, done: bool = False, started: datetime = SWEPT) -> PullBatch:
    cursor = Cursor(started, "") if done else None
    return PullBatch(
        LEAD, people=tuple(person(i) for i in ids), cursor=cursor, sweep=Sweep(started, done)
    )


def live(backend: Backend, object_type: ObjectType = LEAD) -> set[str]:
    rows = backend.execute("SELECT object_type, record_id, deleted_at IS NULL FROM records")
    return {rid for kind, rid, alive in rows if kind == object_type.value and alive}


@pytest.fixture
def stored(store: Store) -> Store:
    """Leads a-d and contact x stored by an earlier incremental pull; an unsent score on c."""
    store.apply_pull(PullBatch(LEAD, people=tuple(person(i) for i in "abcd")))
    store.apply_pull(PullBatch(CONTACT, people=(person("x", object_type=CONTACT),)))
    store.plan([PropertyUpdate("score-c", LEAD, "c", "smarketing_score", "40")], T0)
    return store


def test_a_finished_sweep_tombstones_what_it_did_not_deliver(
    stored: Store, backend: Backend
) -> None:
    stored.apply_pull(page("a"))
    assert live(backend) == {"a", "b", "c", "d"}, "a sweep removes nothing until it is done"
    result = stored.apply_pull(page("b", done=True))

    assert live(backend) == {"a", "b"}
    assert set(result.deleted) == {"c", "d"}
    assert [e.key for e in stored.pending_actions()] == [], "the score of a gone lead is cancelled"
    assert live(backend, CONTACT) == {"x"}, "a sweep of leads leaves contacts alone"
    assert stored.cursor(LEAD) == Cursor(SWEPT, "")


def test_deletes_and_merges_in_the_sweep_count_as_delivered(
    stored: Store, backend: Backend
) -> None:
    stored.apply_pull(PullBatch(LEAD, deleted_ids=("c",), sweep=Sweep(SWEPT)))
    result = stored.apply_pull(page("a", "b", "d", done=True))

    assert result.deleted == ()
    assert live(backend) == {"a", "b", "d"}


def test_a_record_changed_after_the_sweep_began_is_kept(stored: Store, backend: Backend) -> None:
    # Stored by another pull with a modification after the sweep's start: its absence from the
    # sweep's pages proves nothing.
    stored.apply_pull(PullBatch(LEAD, people=(person("e", SWEPT + timedelta(minutes=1)),)))
    stored.apply_pull(page("a", "b", "c", "d", done=True))

    assert live(backend) == {"a", "b", "c", "d", "e"}


def test_an_earlier_sweep_does_not_vouch_for_a_later_one(stored: Store, backend: Backend) -> None:
    stored.apply_pull(page("a", "b", "c", "d", done=True))
    later = SWEPT + timedelta(days=20)
    stored.apply_pull(page("a", "b", done=True, started=later))

    assert live(backend) == {"a", "b"}


def test_a_sweep_resumed_after_a_crash_remembers_its_earlier_pages(
    stored: Store, backend: Backend
) -> None:
    stored.apply_pull(page("a", "b"))
    # The process dies; a new one resumes the same full pull (same start) from the next page.
    stored.close()
    with Store.open(backend.url) as resumed:
        resumed.apply_pull(page("c", done=True))
    assert live(backend) == {"a", "b", "c"}


def test_an_incremental_batch_never_removes_anything(stored: Store, backend: Backend) -> None:
    stored.apply_pull(PullBatch(LEAD, people=(person("a"),), cursor=Cursor(SWEPT, "")))

    assert live(backend) == {"a", "b", "c", "d"}
