"""The store's contract, run on SQLite and on PostgreSQL (see ``conftest.py``).

Covers R1 (outbox before side effects), R2 (records and cursor in one transaction, cursor never
backwards), R3 (per-item outcomes, bounded retries, rejected items), R7 (tombstones, merges) and
R10 (same inputs, same rows, on both backends); the codec's exact round trip is a property test.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base.protocol import (
    ActionOutcome,
    Cursor,
    Merge,
    OutcomeStatus,
    PropertyUpdate,
    PullBatch,
    TaskClose,
    TaskCreate,
)
from connector.store import (
    CorruptRowError,
    Lease,
    NaiveDatetimeError,
    OutboxStatus,
    RunStatus,
    Store,
    StoreConfigError,
    StoreError,
    StoreInputError,
    StoreUnavailableError,
    codec,
    migrate,
)
from connector.store.engine import dumps, make_engine
from connector.store.migrate import alembic_config, head_revision
from connector.store.tables import metadata
from rules.model import Activity, ActivityKind, Deal, ObjectType, Owner, Person, StageEntry
from tests.contract.conftest import MAX_ATTEMPTS, T0, Backend, FakeClock

CONTACT, DEAL = ObjectType.CONTACT, ObjectType.DEAL
BOISE = ZoneInfo("America/Boise")
NAIVE = datetime(2026, 3, 9, 11, 0)
UNSTORABLE: dict[str, Any] = {"x": object()}
NAUGHTY = ("<script>alert(1)</script>", "'; DROP TABLE records; --", "\u200b\u202e", "🙂", "1E02")


def person(pid: str = "1", at: datetime | None = T0, **fields: Any) -> Person:
    return Person(id=pid, email=f"{pid}@example.com", updated_at=at, fields=fields)


def pull(*people: Person, cursor: Cursor | None = None, **changes: Any) -> PullBatch:
    return PullBatch(CONTACT, people=people, cursor=cursor, **changes)


def task(key: str = "k1", record_id: str = "1", rule: str = "mql-first-touch") -> TaskCreate:
    return TaskCreate(key, CONTACT, record_id, rule, "rep-1", T0 + timedelta(hours=4), "Call")


def score(key: str, record_id: str = "1", value: str = "72") -> PropertyUpdate:
    return PropertyUpdate(key, CONTACT, record_id, "smarketing_score", value)


def send(store: Store, keys: list[str], status: OutcomeStatus, reason: str = "") -> None:
    store.mark_sent(keys, T0)
    store.record_outcomes([ActionOutcome(k, status, f"crm-{k}", reason or None) for k in keys], T0)


def pending_statuses(store: Store) -> dict[str, OutboxStatus]:
    return {e.key: e.status for e in store.pending_actions()}


# -- migrations --------------------------------------------------------------------------


def test_migrations_take_an_empty_database_to_head_matching_the_tables(backend: Backend) -> None:
    assert migrate(backend.url) == head_revision() == migrate(backend.url)
    engine = make_engine(backend.url)
    try:
        with engine.begin() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            command.downgrade(alembic_config(connection), "base")
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


# -- codec (pure: runs once) -------------------------------------------------------------

zones = st.timezones() | st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
# Python never calls a local time in a DST gap or fold equal to an instant in another zone, so the
# property draws unambiguous times; test_codec_resolves_ambiguous_local_times covers the others.
instants = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=zones,
    allow_imaginary=False,
).filter(lambda d: d.utcoffset() == d.replace(fold=1 - d.fold).utcoffset())
values = (
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), st.dates()
    )
    | instants
)
entries = st.builds(StageEntry, st.text(), instants, st.none() | instants)
people = st.builds(
    Person,
    id=st.text(),
    object_type=st.sampled_from([ObjectType.CONTACT, ObjectType.LEAD]),
    owner_id=st.none() | st.text(),
    email=st.none() | st.text(),
    lifecycle=st.none() | st.text(),
    stage_history=st.lists(entries, max_size=3).map(tuple),
    status_history=st.lists(entries, max_size=2).map(tuple),
    activities=st.lists(
        st.builds(Activity, st.sampled_from(ActivityKind), instants, st.none() | st.text()),
        max_size=3,
    ).map(tuple),
    fields=st.dictionaries(st.text(), values, max_size=6),
    created_at=st.none() | instants,
    updated_at=st.none() | instants,
)
deals = st.builds(
    Deal,
    id=st.text(),
    amount=st.none() | st.floats(allow_nan=False),
    is_won=st.booleans(),
    close_date=st.none() | st.dates(),
    person_ids=st.lists(st.text(), max_size=3).map(tuple),
    stage_history=st.lists(entries, max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(people, deals))
def test_codec_round_trips_every_field_exactly(record: Person | Deal) -> None:
    stored = json.loads(dumps(codec.encode(record)))
    back = codec.decode(type(record), stored)
    assert back == record
    if isinstance(record, Person):
        assert isinstance(back, Person)
        # == cannot tell True from 1 or a date from a datetime's date: compare the types too.
        assert {k: type(v) for k, v in back.fields.items()} == {
            k: type(v) for k, v in record.fields.items()
        }


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2028, 11, 5, 1, 30, tzinfo=BOISE), "2028-11-05T07:30:00+00:00"),
        (datetime(2028, 11, 5, 1, 30, fold=1, tzinfo=BOISE), "2028-11-05T08:30:00+00:00"),
        (datetime(2028, 3, 12, 2, 30, tzinfo=BOISE), "2028-03-12T09:30:00+00:00"),
    ],
    ids=["fold, first", "fold, second", "gap"],
)
def test_codec_resolves_ambiguous_local_times(local: datetime, utc: str) -> None:
    encoded = codec.encode(Person(id="1", created_at=local))
    assert encoded["created_at"] == {"$datetime": utc}
    assert codec.decode(Person, encoded).created_at == datetime.fromisoformat(utc)


def test_codec_keeps_non_finite_floats_and_actions() -> None:
    deal = Deal(id="d", amount=-math.inf)
    assert codec.decode(Deal, json.loads(dumps(codec.encode(deal)))) == deal
    for action in (task(), score("s1"), TaskClose("k1", CONTACT, "1", "r", "crm-1")):
        assert codec.decode_action(json.loads(dumps(codec.encode(action)))) == action


@pytest.mark.parametrize(
    ("payload", "error", "match"),
    [
        ({"$v": 2, "id": "1"}, CorruptRowError, "version-1"),
        ({"$v": 1, "id": "1", "colour": "red"}, CorruptRowError, "unknown keys"),
        ({"$v": 1, "id": 1}, CorruptRowError, r"Person\.id: expected str"),
        ({"$v": 1, "id": "1", "created_at": "2026"}, CorruptRowError, "created_at"),
        ({"$v": 1, "id": "1", "fields": {"x": [1]}}, CorruptRowError, "matches none"),
    ],
)
def test_codec_fails_closed_on_a_damaged_payload(
    payload: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        codec.decode(Person, payload)


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (TaskCreate("k", CONTACT, "1", "r", None, NAIVE, "s"), NaiveDatetimeError, "due"),
        (Person(id="1", fields=UNSTORABLE), StoreInputError, r"fields\['x'\]"),
        ("not a dataclass", StoreInputError, "cannot store a str"),
    ],
)
def test_codec_refuses_what_it_cannot_store(
    value: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        codec.encode(value)


# -- records and cursors -----------------------------------------------------------------


def test_records_round_trip_through_the_database(store: Store) -> None:
    stored = (
        Person(
            id="1",
            object_type=CONTACT,
            company=NAUGHTY[0],
            stage_history=(StageEntry("mql", T0 - timedelta(days=2), T0),),
            activities=(Activity(ActivityKind.CALL, T0, "rep-1"),),
            fields={"notes": "".join(NAUGHTY), "n": 3, "x": 2.5, "ok": True, "d": date(2026, 3, 1)},
            updated_at=T0.astimezone(timezone(timedelta(hours=-7))),
        ),
        person("2", at=None, empty=None),
    )
    opportunity = Deal(id="9", amount=1e6, close_date=date(2026, 3, 31), person_ids=("1", "2"))
    store.apply_pull(pull(*stored))
    store.apply_pull(PullBatch(DEAL, deals=(opportunity,)))
    assert store.get_records(CONTACT, ["2", "1", "404"]) == {"1": stored[0], "2": stored[1]}
    assert store.get_records(CONTACT, "12") == {}  # one id, not the ids "1" and "2"
    assert store.get_records(DEAL, ["9"]) == {"9": opportunity}


def test_iter_records_pages_through_live_records_in_id_order(store: Store) -> None:
    store.apply_pull(pull(*(person(str(i)) for i in (5, 3, 10, 1, 4)), deleted_ids=("4",)))
    assert [r.id for r in store.iter_records(CONTACT, batch_size=2)] == ["1", "10", "3", "5"]
    assert list(store.iter_records(DEAL)) == []


@pytest.mark.parametrize(
    ("second", "changed", "kept"),
    [
        pytest.param(person("1", T0, a=1), (), person("1", T0, a=1), id="re-delivered: no-op"),
        pytest.param(person("1", T0 + timedelta(1), a=2), ("1",), None, id="newer replaces"),
        pytest.param(
            person("1", T0 - timedelta(1), a=2), (), person("1", T0, a=1), id="older kept"
        ),
        pytest.param(person("1", None, a=2), ("1",), None, id="no timestamp: payload decides"),
    ],
)
def test_apply_pull_upserts_only_real_changes(
    store: Store, second: Person, changed: tuple[str, ...], kept: Person | None
) -> None:
    assert store.apply_pull(pull(person("1", T0, a=1))).changed == ("1",)
    assert store.apply_pull(pull(second)).changed == changed
    assert store.get_records(CONTACT, ["1"]) == {"1": kept or second}


def test_a_duplicated_id_in_one_batch_keeps_its_newest_version(store: Store) -> None:
    newest = person("1", T0 + timedelta(1), v="new")
    store.apply_pull(pull(newest, person("1", T0, v="old")))
    assert store.get_records(CONTACT, ["1"]) == {"1": newest}


def test_deletes_tombstone_cancel_unsent_actions_and_never_recheck(
    store: Store, backend: Backend
) -> None:
    store.apply_pull(pull(person("1"), person("2")))
    store.set_next_check(CONTACT, {"1": T0, "2": T0})
    store.plan([score("s1"), score("s2"), task("t1")], T0)
    store.mark_sent(["t1"], T0)
    result = store.apply_pull(pull(deleted_ids=("1", "404")))
    assert (result.changed, result.deleted) == ((), ("1",))
    assert store.get_records(CONTACT, ["1", "2"]).keys() == {"2"}
    assert [r.id for r in store.records_to_recheck(T0)] == ["2"]
    # The sent task may already exist in the CRM: only its outcome can settle it.
    assert pending_statuses(store) == {"t1": OutboxStatus.SENT}
    assert store.plan([score("s3")], T0) == []
    assert backend.execute("SELECT deleted_at IS NOT NULL FROM records WHERE record_id = '1'") == [
        (True,)
    ]


def test_a_record_that_reappears_after_a_delete_is_alive_again(store: Store) -> None:
    store.apply_pull(pull(person("1")))
    store.apply_pull(pull(deleted_ids=("1",)))
    assert store.apply_pull(pull(person("1"))).changed == ("1",)
    assert store.get_records(CONTACT, ["1"]) == {"1": person("1")}


def test_a_merge_rekeys_the_loser_to_the_survivor(store: Store, backend: Backend) -> None:
    store.apply_pull(pull(person("A"), person("B")))
    store.plan([task("tA", "A"), task("tB", "B"), score("sA", "A")], T0)
    send(store, ["tA", "tB"], OutcomeStatus.DONE)
    result = store.apply_pull(pull(merges=(Merge("A", "B"),)))
    assert (result.changed, result.deleted) == (("B",), ("A",))
    assert store.get_records(CONTACT, ["A", "B"]).keys() == {"B"}
    assert backend.execute("SELECT merged_into FROM records WHERE record_id = 'A'") == [("B",)]
    open_tasks = store.open_tasks(CONTACT, ["A", "B"])
    assert [(e.key, e.action.record_id, e.crm_id) for e in open_tasks] == [
        ("tA", "B", "crm-tA"),
        ("tB", "B", "crm-tB"),
    ]
    assert pending_statuses(store) == {}  # the loser's unsent score update was cancelled


def test_records_and_cursor_commit_together_or_not_at_all(store: Store, backend: Backend) -> None:
    first = Cursor(T0, "1")
    store.apply_pull(pull(person("1", a=1), cursor=first))
    backend.execute(*FAIL_CURSOR_WRITES[backend.name])
    later = T0 + timedelta(hours=1)
    with pytest.raises(StoreError, match="injected failure"):
        store.apply_pull(pull(person("1", later, a=2), person("2"), cursor=Cursor(later, "2")))
    assert store.get_records(CONTACT, ["1", "2"]) == {"1": person("1", a=1)}
    assert store.cursor(CONTACT) == first


FAIL_CURSOR_WRITES = {
    "sqlite": (
        "CREATE TRIGGER fail_cursor BEFORE UPDATE ON cursors "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ),
    "postgresql": (
        "CREATE FUNCTION fail_cursor() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
        "CREATE TRIGGER fail_cursor BEFORE UPDATE ON cursors "
        "FOR EACH ROW EXECUTE FUNCTION fail_cursor()",
    ),
}


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        pytest.param(Cursor(T0 + timedelta(1), "1"), Cursor(T0 + timedelta(1), "1"), id="forward"),
        pytest.param(Cursor(T0, "6"), Cursor(T0, "6"), id="same instant, later id"),
        pytest.param(Cursor(T0, "5", {"k": "v"}), Cursor(T0, "5", {"k": "v"}), id="same: extra"),
        pytest.param(Cursor(T0, "4"), Cursor(T0, "5"), id="same instant, earlier id: kept"),
        pytest.param(Cursor(T0 - timedelta(1), "9"), Cursor(T0, "5"), id="earlier: kept"),
        pytest.param(None, Cursor(T0, "5"), id="no cursor: kept"),
    ],
)
def test_the_cursor_never_moves_backwards(
    store: Store, incoming: Cursor | None, expected: Cursor
) -> None:
    assert store.cursor(CONTACT) is None
    store.apply_pull(pull(cursor=Cursor(T0.astimezone(timezone(timedelta(hours=2))), "5")))
    assert store.apply_pull(pull(person("1"), cursor=incoming)).cursor == expected
    assert store.cursor(CONTACT) == expected
    assert store.cursor(DEAL) is None


def test_reset_cursor_is_the_only_way_back(store: Store) -> None:
    store.apply_pull(pull(cursor=Cursor(T0, "5")))
    assert store.reset_cursor(CONTACT)
    assert store.cursor(CONTACT) is None
    assert not store.reset_cursor(CONTACT)


def test_records_to_recheck_returns_what_is_due_soonest_first(store: Store) -> None:
    store.apply_pull(pull(*(person(str(i)) for i in range(1, 6))))
    due = {"1": T0 + timedelta(minutes=5), "2": T0 - timedelta(hours=1), "3": T0, "5": None}
    store.set_next_check(CONTACT, {**due, "4": T0, "404": T0})
    store.set_next_check(CONTACT, {"4": None})
    assert [r.id for r in store.records_to_recheck(T0)] == ["2", "3"]
    assert [r.id for r in store.records_to_recheck(T0 + timedelta(hours=1), limit=2)] == ["2", "3"]
    assert [r.id for r in store.records_to_recheck(T0 + timedelta(hours=1))] == ["2", "3", "1"]


def test_a_batch_must_hold_records_of_its_own_type(store: Store) -> None:
    lead = Person(id="1", object_type=ObjectType.LEAD)
    for batch in (pull(lead), PullBatch(DEAL, people=(person(),)), pull(deals=(Deal("9"),))):
        with pytest.raises(StoreInputError, match="batch carries"):
            store.apply_pull(batch)


# -- owners and written values -----------------------------------------------------------


def test_replace_owners_keeps_exactly_the_latest_list(store: Store) -> None:
    rep, manager = Owner("rep-1", "Rep", manager_id="mgr-1"), Owner("mgr-1", "Boss", team="EU")
    store.replace_owners([rep, manager])
    store.replace_owners([manager, Owner("rep-2", timezone="America/Phoenix", active=False)])
    assert store.owners() == {
        "mgr-1": manager,
        "rep-2": Owner("rep-2", timezone="America/Phoenix", active=False),
    }


def test_written_values_remember_the_last_value_per_property(store: Store) -> None:
    store.record_written(CONTACT, "1", "smarketing_score", "65", T0)
    store.record_written(CONTACT, "1", "smarketing_score", "72", T0 + timedelta(1))
    store.record_written(CONTACT, "1", "smarketing_sla_status", "", T0)
    store.record_written(CONTACT, "2", "smarketing_score", "10", T0)
    store.record_written(ObjectType.LEAD, "1", "smarketing_score", "99", T0)
    assert store.written_values(CONTACT, ["1", "3"]) == {
        ("1", "smarketing_score"): "72",
        ("1", "smarketing_sla_status"): "",
    }


# -- outbox ------------------------------------------------------------------------------


def test_plan_inserts_only_new_keys_and_reports_them(store: Store) -> None:
    assert store.plan([task("t1"), score("s1"), task("t1")], T0) == [task("t1"), score("s1")]
    assert store.plan([task("t1"), score("s1", value="80"), score("s2")], T0) == [score("s2")]
    # Planned at the same instant: the key orders them.
    assert [e.action for e in store.pending_actions()] == [score("s1"), score("s2"), task("t1")]


def test_a_new_value_supersedes_unsent_ones_for_the_same_property(store: Store) -> None:
    store.plan([score("old", value="65"), score("other", record_id="2")], T0)
    send(store, ["other"], OutcomeStatus.RETRY_LATER, "429")
    store.plan([score("new", value="72"), score("other2", record_id="2", value="9")], T0)
    assert [e.key for e in store.pending_actions()] == ["new", "other2"]
    assert store.pending_values(CONTACT, ["1", "2"]) == {
        ("1", "smarketing_score"): "72",
        ("2", "smarketing_score"): "9",
    }


def test_pending_actions_are_planned_sent_and_retrying_ones_oldest_first(store: Store) -> None:
    # One record each: a later value for the same property would supersede an earlier one.
    keys = ["e", "d", "c", "b", "a"]
    for minute, key in enumerate(keys):
        store.plan([score(key, record_id=key)], T0 + timedelta(minutes=minute))
    store.plan([score("z", record_id="z"), score("y", record_id="y")], T0)  # the key breaks ties
    send(store, ["d"], OutcomeStatus.DONE)
    send(store, ["c"], OutcomeStatus.RETRY_LATER, "429")
    send(store, ["b"], OutcomeStatus.REJECTED, "INVALID_FIELD")
    store.mark_sent(["a"], T0)
    pending = store.pending_actions()
    assert [(e.key, e.status) for e in pending] == [
        ("e", OutboxStatus.PLANNED),
        ("y", OutboxStatus.PLANNED),
        ("z", OutboxStatus.PLANNED),
        ("c", OutboxStatus.RETRY),
        ("a", OutboxStatus.SENT),
    ]
    assert [e.key for e in store.pending_actions(limit=2)] == ["e", "y"]


def test_a_task_goes_planned_sent_done_and_is_closed_once(store: Store) -> None:
    store.plan([task("t1")], T0)
    assert store.mark_sent(["t1", "unknown"], T0) == 1
    assert pending_statuses(store) == {"t1": OutboxStatus.SENT}
    store.record_outcomes([ActionOutcome("t1", OutcomeStatus.DONE, "crm-9")], T0)
    assert pending_statuses(store) == {}
    [entry] = store.open_tasks(CONTACT, "1")
    assert (entry.action, entry.crm_id, entry.attempts) == (task("t1"), "crm-9", 1)
    close = TaskClose("t1", CONTACT, "1", "mql-first-touch", "crm-9")
    assert store.plan([close], T0) == [close]
    assert store.plan([close, task("t1")], T0) == []  # never re-planned, never re-created
    assert store.open_tasks(CONTACT, ["1"]) == []
    send(store, ["t1"], OutcomeStatus.DONE)
    assert pending_statuses(store) == {}
    assert store.open_tasks(CONTACT, ["1"]) == []


def test_a_close_waits_until_its_create_is_done(store: Store) -> None:
    close = TaskClose("t1", CONTACT, "1", "mql-first-touch")
    assert store.plan([task("t1"), close], T0) == [task("t1")]
    assert store.plan([close], T0) == []
    send(store, ["t1"], OutcomeStatus.DONE)
    assert store.plan([close], T0) == [close]


def test_a_done_update_becomes_the_written_value(store: Store) -> None:
    store.plan([score("s1", value="72")], T0)
    send(store, ["s1"], OutcomeStatus.DONE)
    assert store.written_values(CONTACT, ["1"]) == {("1", "smarketing_score"): "72"}


def test_retries_end_in_a_rejection_after_max_attempts(store: Store) -> None:
    store.plan([task("t1")], T0)
    for attempt in range(1, MAX_ATTEMPTS):
        send(store, ["t1"], OutcomeStatus.RETRY_LATER, f"UNABLE_TO_LOCK_ROW #{attempt}")
        [entry] = store.pending_actions()
        assert (entry.status, entry.attempts) == (OutboxStatus.RETRY, attempt)
        assert entry.last_error == f"UNABLE_TO_LOCK_ROW #{attempt}"
    assert store.rejected_items() == []
    store.mark_sent(["t1"], T0)
    store.record_outcomes([ActionOutcome("t1", OutcomeStatus.RETRY_LATER, None, "5xx")], T0)
    assert store.pending_actions() == []
    [item] = store.rejected_items()
    assert (item.record_type, item.record_id, item.field) == (
        CONTACT,
        "1",
        "create_task:mql-first-touch",
    )
    assert (item.reason, item.attempts) == (
        f"gave up after {MAX_ATTEMPTS} attempts: 5xx",
        MAX_ATTEMPTS,
    )
    assert store.plan([task("t1")], T0) == []  # a rejected key is never planned again


def test_a_retrying_action_can_be_replanned_with_a_new_payload(store: Store) -> None:
    store.plan([score("s1", value="70")], T0)
    send(store, ["s1"], OutcomeStatus.RETRY_LATER, "429")
    assert store.plan([score("s1", value="75")], T0) == [score("s1", value="75")]
    [entry] = store.pending_actions()
    assert (entry.action, entry.status, entry.attempts) == (score("s1", value="75"), "planned", 1)


def test_a_permanent_refusal_is_rejected_at_once_and_listed(store: Store) -> None:
    store.plan([score("s1"), score("s2", record_id="2")], T0)
    send(store, ["s1", "s2"], OutcomeStatus.REJECTED, "INVALID_EMAIL")
    store.record_rejection(ObjectType.LEAD, "7", "email", reason="missing", now=T0)
    store.record_rejection(
        ObjectType.LEAD, "7", "email", reason="still missing", now=T0 + timedelta(1)
    )
    items = store.rejected_items()
    assert [(i.record_type, i.record_id, i.field, i.reason, i.attempts) for i in items] == [
        (CONTACT, "1", "smarketing_score", "INVALID_EMAIL", 1),
        (CONTACT, "2", "smarketing_score", "INVALID_EMAIL", 1),
        (ObjectType.LEAD, "7", "email", "still missing", 2),
    ]
    assert (items[2].first_seen, items[2].last_seen) == (T0, T0 + timedelta(1))


def test_an_outcome_for_an_unplanned_key_records_nothing(store: Store) -> None:
    store.plan([score("s1")], T0)
    store.mark_sent(["s1"], T0)
    outcomes = [ActionOutcome("s1", OutcomeStatus.DONE), ActionOutcome("nope", OutcomeStatus.DONE)]
    with pytest.raises(StoreInputError, match="never planned: \\['nope'\\]"):
        store.record_outcomes(outcomes, T0)
    assert pending_statuses(store) == {"s1": OutboxStatus.SENT}


# -- runs --------------------------------------------------------------------------------


def test_runs_are_logged_newest_first(store: Store) -> None:
    first = store.start_run(T0)
    store.finish_run(
        first, T0 + timedelta(minutes=1), RunStatus.OK, counts={"pulled": 3}, api_calls=4
    )
    second = store.start_run(T0 + timedelta(minutes=5))
    store.finish_run(second, T0 + timedelta(minutes=6), RunStatus.FAILED, error="CRM down")
    third = store.start_run(T0 + timedelta(minutes=10))
    runs = store.last_runs(2)
    assert [(r.id, r.status, r.error) for r in runs] == [
        (third, RunStatus.RUNNING, None),
        (second, RunStatus.FAILED, "CRM down"),
    ]
    [oldest] = store.last_runs(3)[2:]
    assert (oldest.counts, oldest.api_calls, oldest.finished_at) == (
        {"pulled": 3},
        4,
        T0 + timedelta(minutes=1),
    )
    with pytest.raises(StoreInputError, match="no sync run with id 999"):
        store.finish_run(999, T0, RunStatus.OK)


# -- time, errors, leases ----------------------------------------------------------------

NAIVE_CALLS: list[tuple[str, Callable[[Store], object]]] = [
    ("plan now", lambda s: s.plan([score("s1")], NAIVE)),
    ("task due", lambda s: s.plan([TaskCreate("t", CONTACT, "1", "r", None, NAIVE, "s")], T0)),
    ("mark_sent", lambda s: s.mark_sent(["s1"], NAIVE)),
    ("outcomes", lambda s: s.record_outcomes([], NAIVE)),
    ("recheck", lambda s: s.records_to_recheck(NAIVE)),
    ("next check", lambda s: s.set_next_check(CONTACT, {"1": NAIVE})),
    ("written", lambda s: s.record_written(CONTACT, "1", "p", "v", NAIVE)),
    ("run", lambda s: s.start_run(NAIVE)),
    ("cursor", lambda s: s.apply_pull(pull(person("1"), cursor=Cursor(NAIVE)))),
]


@pytest.mark.parametrize(("name", "call"), NAIVE_CALLS, ids=[name for name, _ in NAIVE_CALLS])
def test_naive_datetimes_are_refused_before_anything_is_written(
    store: Store, name: str, call: Callable[[Store], object]
) -> None:
    with pytest.raises(NaiveDatetimeError, match="naive datetime"):
        call(store)
    assert store.pending_actions() == []
    assert store.get_records(CONTACT, ["1"]) == {}
    assert store.last_runs() == []


def test_a_naive_clock_is_refused(backend: Backend) -> None:
    with Store.open(backend.url, clock=lambda: NAIVE) as store, pytest.raises(NaiveDatetimeError):
        store.apply_pull(pull(person("1")))


def test_a_damaged_row_fails_closed_naming_it(store: Store, backend: Backend) -> None:
    store.apply_pull(pull(person("1")))
    backend.execute("UPDATE records SET payload = '{\"$v\": 99}'")
    with pytest.raises(CorruptRowError, match=r"records row \('contact', '1'\).*found 99"):
        store.get_records(CONTACT, ["1"])


@pytest.mark.parametrize(
    ("url", "error", "match"),
    [
        (
            "mysql://u:secret@h/db",
            StoreConfigError,
            r"'mysql://u:\*\*\*@h/db': unsupported backend",
        ),
        ("not a url", StoreConfigError, "not a database URL"),
        ("postgresql://u@127.0.0.1:1/db?connect_timeout=1", StoreUnavailableError, "unavailable"),
    ],
)
def test_unusable_urls_say_what_is_wrong(url: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Store.open(url)


def test_exactly_one_of_two_leases_is_held(backend: Backend) -> None:
    account = f"acme-{uuid.uuid4().hex}"
    first, second = Lease(backend.url, account), Lease(backend.url, account)
    with first:
        assert (first.held, second.try_acquire()) == (True, False)
        assert first.verify()
    assert not first.held
    assert second.try_acquire()
    assert not Lease(backend.url, account).try_acquire()
    second.release()
    with Lease(backend.url, account) as third:
        assert third.held


def test_a_memory_database_cannot_be_leased() -> None:
    with pytest.raises(StoreConfigError, match="in-memory"):
        Lease("sqlite://", "acme")


# -- determinism (R10) -------------------------------------------------------------------


def _scenario(store: Store, clock: FakeClock) -> None:
    """A little of everything, in a fixed order, with a fixed clock."""
    store.apply_pull(pull(person("2", b=2.5), person("1", a=1), cursor=Cursor(T0, "2", {"x": "y"})))
    store.apply_pull(PullBatch(DEAL, deals=(Deal("9", amount=10.0, close_date=date(2026, 4, 1)),)))
    store.replace_owners([Owner("rep-1", "Rep"), Owner("mgr-1", "Boss")])
    store.set_next_check(CONTACT, {"1": T0 + timedelta(hours=2)})
    clock.advance(minutes=1)
    store.plan([task("t1"), score("s1"), score("s2", record_id="2")], T0)
    send(store, ["t1", "s1"], OutcomeStatus.DONE)
    send(store, ["s2"], OutcomeStatus.REJECTED, "INVALID")
    store.apply_pull(pull(merges=(Merge("1", "2"),), cursor=Cursor(T0 + timedelta(1), "1")))
    store.finish_run(store.start_run(T0), T0, RunStatus.OK, counts={"b": 2, "a": 1})


def _rows(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return {
                name: [
                    dict(row._mapping)
                    for row in connection.execute(sa.select(table).order_by(*table.primary_key))
                ]
                for name, table in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()


def test_same_inputs_give_the_same_rows_on_every_backend(backend: Backend, tmp_path: Path) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    for url in (backend.url, reference):
        clock = FakeClock()
        with Store.open(url, clock=clock) as store:
            _scenario(store, clock)
    rows = _rows(backend.url)
    assert rows == _rows(reference)
    assert sum(len(table) for table in rows.values()) == 12
