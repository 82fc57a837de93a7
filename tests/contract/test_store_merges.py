"""Merges in the store, on SQLite and on PostgreSQL: within an object type and across types (R7).

A merge re-keys local state to the survivor: the loser is tombstoned with ``merged_into`` its
survivor (type and id), its task creations move to the survivor, its unsent actions are cancelled.
A converted Salesforce Lead is a merge across types: the Lead batch reports
``Merge(lead, contact, survivor_type=CONTACT)``, and the tasks we opened on the Lead must be
closed when the Contact's condition resolves (failure-modes R7, F14).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from adapters.base.protocol import (
    ActionOutcome,
    Merge,
    OutcomeStatus,
    PropertyUpdate,
    PullBatch,
    TaskClose,
    TaskCreate,
)
from connector.store import OutboxStatus, Store
from connector.store.engine import make_engine
from connector.store.migrate import alembic_config, migrate
from rules.model import ObjectType, Person
from tests.contract.conftest import T0, Backend

LEAD, CONTACT = ObjectType.LEAD, ObjectType.CONTACT
LATER = T0 + timedelta(days=3)


def person(object_type: ObjectType, pid: str) -> Person:
    return Person(id=pid, object_type=object_type, email=f"{pid}@example.com", updated_at=T0)


def people(object_type: ObjectType, *ids: str) -> PullBatch:
    return PullBatch(object_type, people=tuple(person(object_type, i) for i in ids))


def task(key: str, object_type: ObjectType, record_id: str) -> TaskCreate:
    return TaskCreate(key, object_type, record_id, "mql-first-touch", "rep-1", LATER, "Call")


def score(key: str, object_type: ObjectType, record_id: str) -> PropertyUpdate:
    return PropertyUpdate(key, object_type, record_id, "smarketing_score", "72")


def done(store: Store, *keys: str) -> None:
    store.mark_sent(keys, T0)
    outcomes = [ActionOutcome(k, OutcomeStatus.DONE, crm_id=f"crm-{k}") for k in keys]
    store.record_outcomes(outcomes, T0)


def unsent(store: Store) -> dict[str, OutboxStatus]:
    return {e.key: e.status for e in store.pending_actions()}


def tombstone(
    backend: Backend, object_type: ObjectType, record_id: str
) -> list[tuple[object, ...]]:
    """``(merged_into, merged_into_type, deleted)`` of a stored row, as the database holds it."""
    rows = backend.execute(
        "SELECT object_type, record_id, merged_into, merged_into_type, deleted_at IS NOT NULL "
        "FROM records"
    )
    return [tuple(row[2:]) for row in rows if row[:2] == (object_type.value, record_id)]


@dataclass(frozen=True)
class Case:
    """A loser (with a done task and an unsent score) merged into a stored survivor."""

    loser: tuple[ObjectType, str]
    survivor: tuple[ObjectType, str]
    merge: Merge
    changed: tuple[str, ...]
    """What the loser's batch lists to judge again: survivors of its own type only."""


CASES = {
    "same type, as before": Case((CONTACT, "A"), (CONTACT, "B"), Merge("A", "B"), ("B",)),
    "same type, named": Case((CONTACT, "A"), (CONTACT, "B"), Merge("A", "B", CONTACT), ("B",)),
    "converted lead": Case((LEAD, "00Q1"), (CONTACT, "0031"), Merge("00Q1", "0031", CONTACT), ()),
    # HubSpot ids are numbers per object type: one id may name a lead and a contact.
    "same id, other type": Case((LEAD, "7"), (CONTACT, "7"), Merge("7", "7", CONTACT), ()),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_merge_moves_tasks_to_the_survivor_and_tombstones_the_loser(
    store: Store, backend: Backend, case: Case
) -> None:
    (loser_type, loser_id), (survivor_type, survivor_id) = case.loser, case.survivor
    store.apply_pull(people(loser_type, loser_id))
    store.apply_pull(people(survivor_type, survivor_id))
    store.set_next_check(survivor_type, {survivor_id: LATER})  # not due unless the merge says so
    store.plan([task("t-loser", *case.loser), score("s-loser", *case.loser)], T0)
    done(store, "t-loser")

    result = store.apply_pull(PullBatch(loser_type, merges=(case.merge,)))

    assert (result.changed, result.deleted) == (case.changed, (loser_id,))
    assert store.get_records(loser_type, loser_id) == {}
    assert store.get_records(survivor_type, survivor_id).keys() == {survivor_id}
    assert tombstone(backend, *case.loser) == [(survivor_id, survivor_type.value, True)]
    assert store.open_tasks(loser_type, loser_id) == []
    moved = store.open_tasks(survivor_type, survivor_id)
    assert [(e.key, e.action, e.crm_id) for e in moved] == [
        ("t-loser", task("t-loser", *case.survivor), "crm-t-loser")
    ]
    assert unsent(store) == {}  # the loser's score was cancelled, never sent
    # The survivor is judged again: through the result, or, of another type, by being due.
    due = {r.id for r in store.records_to_recheck(T0)}
    assert (survivor_id in due) is (survivor_type is not loser_type)


def test_a_task_moved_to_a_contact_is_closed_with_the_contact(store: Store) -> None:
    store.apply_pull(people(LEAD, "00Q1"))
    store.apply_pull(people(CONTACT, "0031"))
    store.plan([task("t1", LEAD, "00Q1")], T0)
    done(store, "t1")
    store.apply_pull(PullBatch(LEAD, merges=(Merge("00Q1", "0031", CONTACT),)))

    close = TaskClose("t1", CONTACT, "0031", "mql-first-touch", crm_task_id="crm-t1")
    assert store.plan([close], T0) == [close]
    done(store, "t1")

    assert store.open_tasks(CONTACT, "0031") == []
    assert store.open_task_counts() == {}


def test_a_close_not_sent_before_the_merge_still_completes_the_task(store: Store) -> None:
    store.apply_pull(people(LEAD, "00Q1"))
    store.apply_pull(people(CONTACT, "0031"))
    store.plan([task("t1", LEAD, "00Q1")], T0)
    done(store, "t1")
    close = TaskClose("t1", LEAD, "00Q1", "mql-first-touch", crm_task_id="crm-t1")
    store.plan([close], T0)  # planned, not sent yet, when the lead is converted

    store.apply_pull(PullBatch(LEAD, merges=(Merge("00Q1", "0031", CONTACT),)))

    moved = replace(close, record_type=CONTACT, record_id="0031")
    assert [(e.key, e.action) for e in store.pending_actions()] == [("t1", moved)]
    assert store.open_tasks(CONTACT, "0031") == [], "the task counts as closed on the contact"
    done(store, "t1")
    assert store.open_task_counts() == {}


def test_a_deleted_records_unsent_close_is_cancelled(store: Store) -> None:
    store.apply_pull(people(LEAD, "00Q1"))
    store.plan([task("t1", LEAD, "00Q1")], T0)
    done(store, "t1")
    store.plan([TaskClose("t1", LEAD, "00Q1", "mql-first-touch", crm_task_id="crm-t1")], T0)

    store.apply_pull(PullBatch(LEAD, deleted_ids=("00Q1",)))

    assert unsent(store) == {}  # the CRM deleted the record (and, in Salesforce, its tasks)


def test_a_survivor_stored_in_a_later_batch_inherits_the_tasks(
    store: Store, backend: Backend
) -> None:
    store.apply_pull(people(LEAD, "00Q1"))
    store.plan([task("t1", LEAD, "00Q1"), task("t2", LEAD, "00Q1")], T0)
    done(store, "t1")  # t2 stays unsent: cancelled with its lead, moved all the same

    merged = store.apply_pull(PullBatch(LEAD, merges=(Merge("00Q1", "0031", CONTACT),)))
    arrived = store.apply_pull(people(CONTACT, "0031"))

    assert (merged.changed, merged.deleted, arrived.changed) == ((), ("00Q1",), ("0031",))
    assert tombstone(backend, LEAD, "00Q1") == [("0031", "contact", True)]
    open_tasks = store.open_tasks(CONTACT, "0031")
    assert [(e.key, e.action) for e in open_tasks] == [("t1", task("t1", CONTACT, "0031"))]
    assert unsent(store) == {}
    assert [r.id for r in store.records_to_recheck(T0)] == ["0031"]  # new records are judged


def test_a_record_merged_into_itself_is_left_alone(store: Store) -> None:
    store.apply_pull(people(CONTACT, "A"))
    store.plan([task("tA", CONTACT, "A")], T0)

    result = store.apply_pull(
        PullBatch(CONTACT, merges=(Merge("A", "A"), Merge("A", "A", CONTACT)))
    )

    assert (result.changed, result.deleted) == ((), ())
    assert store.get_records(CONTACT, "A").keys() == {"A"}
    assert unsent(store) == {"tA": OutboxStatus.PLANNED}


def test_a_merged_lead_that_comes_back_loses_its_survivor(store: Store, backend: Backend) -> None:
    store.apply_pull(people(LEAD, "00Q1"))
    store.apply_pull(PullBatch(LEAD, merges=(Merge("00Q1", "0031", CONTACT),)))

    assert store.apply_pull(people(LEAD, "00Q1")).changed == ("00Q1",)  # undeleted (§14)

    assert tombstone(backend, LEAD, "00Q1") == [(None, None, False)]


def test_the_upgrade_gives_older_merge_tombstones_their_own_type(backend: Backend) -> None:
    engine = make_engine(backend.url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            insert = sa.text(
                "INSERT INTO records (object_type, record_id, payload, merged_into, deleted_at, "
                "stored_at) VALUES ('contact', :rid, '{}', :merged, :at, :at)"
            ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True)))
            for record_id, merged_into in (("A", "B"), ("B", None)):
                connection.execute(insert, {"rid": record_id, "merged": merged_into, "at": T0})
    finally:
        engine.dispose()

    migrate(backend.url)

    assert tombstone(backend, CONTACT, "A") == [("B", "contact", True)]
    assert tombstone(backend, CONTACT, "B") == [(None, None, True)]
