"""The pull contract, run against every CRM's emulator (see ``crm_harness``).

A pull delivers every record changed since the cursor exactly once per pull (dedupe is the
adapter's job within a pull, the store's across pulls), reports deletes and merges, and hands back
cursors that never pass ``started_at`` and never move backwards (failure-modes R2, F06-F10,
F13-F14, F24, F26, F29).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    MissingScopesError,
    RateLimitedError,
)
from adapters.base.protocol import CrmAdapter, Cursor, Merge, PullBatch
from adapters.hubspot.emulator import RateLimits
from rules.model import Deal, ObjectType, Person
from tests.contract.crm_harness import CrmHarness, HubSpotHarness

pytest_plugins = ["tests.contract.conftest_crm"]

LOOKBACK = timedelta(minutes=10)
HOUR = 3600.0


@dataclass
class Pulled:
    """Everything one pull yielded."""

    batches: list[PullBatch]

    @property
    def people(self) -> list[Person]:
        return [p for b in self.batches for p in b.people]

    @property
    def records(self) -> list[Person | Deal]:
        found: list[Person | Deal] = []
        for batch in self.batches:
            found += [*batch.people, *batch.deals]
        return found

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.records]

    @property
    def cursors(self) -> list[Cursor]:
        return [b.cursor for b in self.batches if b.cursor is not None]

    @property
    def cursor(self) -> Cursor:
        return self.cursors[-1]

    @property
    def deleted(self) -> set[str]:
        return {i for b in self.batches for i in b.deleted_ids}

    @property
    def merges(self) -> set[Merge]:
        return {m for b in self.batches for m in b.merges}


def pull(
    adapter: CrmAdapter, kind: ObjectType, cursor: Cursor | None, started_at: datetime
) -> Pulled:
    return Pulled(list(adapter.pull(kind, cursor, started_at=started_at)))


def full_then_later(crm: CrmHarness, people: int = 120) -> tuple[CrmAdapter, Cursor, list[str]]:
    """Seed, pull everything, and move the clock an hour on: the state before an incremental."""
    ids = crm.seed_people(people)
    adapter = crm.adapter()
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    crm.advance(HOUR)
    return adapter, cursor, ids


def key_fields(record: Person | Deal, names: list[str]) -> dict[str, object]:
    values = {name: getattr(record, name) for name in names}
    if "person_ids" in values:
        values["person_ids"] = tuple(sorted(record.person_ids))  # type: ignore[union-attr]
    return values


@pytest.mark.parametrize("kind", ["person", ObjectType.DEAL])
def test_full_pull_returns_exactly_the_seeded_set(crm: CrmHarness, kind: object) -> None:
    object_type = crm.person_type if kind == "person" else ObjectType.DEAL
    crm.seed_people(250)
    expected = crm.expected(object_type)

    got = pull(crm.adapter(), object_type, None, crm.now())

    assert len(got.ids) == len(set(got.ids)) == len(expected) > 0
    names = list(next(iter(expected.values())))
    assert {r.id: key_fields(r, names) for r in got.records} == expected


def test_an_interrupted_full_pull_resumes_from_its_last_stored_batch(crm: CrmHarness) -> None:
    ids = crm.seed_people(430)
    adapter = crm.adapter()
    started_at = crm.now()
    first = list(itertools.islice(adapter.pull(crm.person_type, None, started_at=started_at), 2))
    stored = first[-1].cursor
    assert stored is not None
    assert stored.modified_at < started_at  # promises nothing yet
    crm.advance(HOUR)

    rest = pull(crm.adapter(), crm.person_type, stored, crm.now())

    delivered = Pulled(first).ids + rest.ids
    assert Counter(delivered) == Counter(ids)
    assert rest.cursor.modified_at == started_at  # the interrupted pull's start, not the resume's


def test_an_unreadable_cursor_fails_closed(crm: CrmHarness) -> None:
    crm.seed_people(20)
    with pytest.raises(ConfigurationError, match="cursor"):
        pull(crm.adapter(), crm.person_type, crm.unreadable_cursor(), crm.now())


def test_incremental_returns_the_changed_records_and_only_lookback_rereads(
    crm: CrmHarness,
) -> None:
    adapter, cursor, ids = full_then_later(crm)
    changed = ids[::25]
    for number, record_id in enumerate(changed):
        crm.touch_as_rep(record_id, {"company": f"Renamed {number}"})
        crm.advance(1)

    got = pull(adapter, crm.person_type, cursor, crm.now())

    assert len(got.ids) == len(set(got.ids))
    assert set(changed) <= set(got.ids)
    floor = cursor.modified_at - LOOKBACK
    assert all(r.updated_at and r.updated_at >= floor for r in got.records)
    by_id = {r.id: r for r in got.people}
    assert [by_id[i].company for i in changed] == [f"Renamed {n}" for n in range(len(changed))]


def test_incremental_deals_carry_their_people(crm: CrmHarness) -> None:
    crm.seed_people(150)
    adapter = crm.adapter()
    cursor = pull(adapter, ObjectType.DEAL, None, crm.now()).cursor
    crm.advance(HOUR)
    expected = crm.expected(ObjectType.DEAL)
    changed = sorted(expected)[::7]
    for record_id in changed:
        crm.touch_as_rep(record_id, {"name": f"Renewal {record_id}"}, object_type=ObjectType.DEAL)

    got = pull(adapter, ObjectType.DEAL, cursor, crm.now())

    deals = {r.id: r for b in got.batches for r in b.deals}
    assert set(changed) <= set(deals)
    for record_id in changed:
        assert deals[record_id].name == f"Renewal {record_id}"
        assert tuple(sorted(deals[record_id].person_ids)) == expected[record_id]["person_ids"]
    assert any(expected[i]["person_ids"] for i in changed)


def test_a_second_pull_without_changes_delivers_only_the_lookback(crm: CrmHarness) -> None:
    adapter, cursor, _ = full_then_later(crm)
    got = pull(adapter, crm.person_type, cursor, crm.now())
    again = pull(adapter, crm.person_type, got.cursor, crm.now())
    assert again.cursor.modified_at == got.cursor.modified_at
    assert all(
        r.updated_at and r.updated_at >= got.cursor.modified_at - LOOKBACK for r in again.records
    )


def test_a_quiet_portal_is_not_reread_cycle_after_cycle(crm: CrmHarness) -> None:
    adapter, cursor, _ = full_then_later(crm)
    first = pull(adapter, crm.person_type, cursor, crm.now())
    crm.advance(HOUR)

    quiet = pull(adapter, crm.person_type, first.cursor, crm.now())

    # the completed window lets the cursor trail the start by one lookback, not by hours
    assert first.cursor.modified_at == cursor.modified_at + timedelta(seconds=HOUR) - LOOKBACK
    assert quiet.records == []
    assert quiet.cursor.modified_at == crm.now() - LOOKBACK


def test_more_than_ten_thousand_records_sharing_one_timestamp_come_exactly_once(
    crm: CrmHarness,
) -> None:
    ids = crm.seed_people(10_050)
    adapter = crm.adapter()
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    crm.advance(HOUR)
    crm.set_modified(ids, crm.now())
    crm.advance(1)

    got = pull(adapter, crm.person_type, cursor, crm.now())

    assert Counter(got.ids) == Counter(ids)
    assert got.cursor.modified_at <= crm.now()


def test_small_ties_across_page_boundaries_come_once_without_extra_calls(
    crm: CrmHarness,
) -> None:
    ids = crm.seed_people(600)
    adapter = crm.adapter()
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    crm.advance(HOUR)
    for start in range(0, len(ids), 30):  # 20 timestamps of 30 records: pages end mid-tie
        crm.set_modified(ids[start : start + 30], crm.now())
        crm.advance(1)

    got = pull(adapter, crm.person_type, cursor, crm.now())

    assert Counter(got.ids) == Counter(ids)
    if isinstance(crm, HubSpotHarness):
        searches = sum(n for (label, _), n in adapter.usage().items() if "search" in label)
        assert searches == 3  # 600 / 200: no page is spent on re-reads


@pytest.mark.parametrize(("lookback", "caught"), [(LOOKBACK, True), (timedelta(0), False)])
def test_index_lag_is_caught_by_the_lookback(
    crm: CrmHarness, lookback: timedelta, caught: bool
) -> None:
    ids = crm.seed_people(60)
    adapter = crm.adapter(lookback=lookback)
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    crm.advance(HOUR)
    late, visible = ids[3], ids[4]
    crm.touch_as_rep(late, {"company": "Late Ltd"}, visible=False)
    crm.advance(60)
    crm.touch_as_rep(visible, {"company": "Quick Ltd"})
    first = pull(adapter, crm.person_type, cursor, crm.now())
    assert visible in first.ids
    assert late not in first.ids
    assert first.cursor.modified_at > cursor.modified_at

    crm.reveal()
    crm.advance(60)
    second = pull(adapter, crm.person_type, first.cursor, crm.now())

    assert (late in second.ids) is caught


def test_archived_records_are_reported_as_deleted_every_period(crm: CrmHarness) -> None:
    period = timedelta(hours=6)
    ids = crm.seed_people(80)
    adapter = crm.adapter(archived_every=period)
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    gone = ids[7]
    crm.archive(gone)
    crm.advance(60)
    soon = pull(adapter, crm.person_type, cursor, crm.now())
    assert not soon.deleted

    crm.advance(period.total_seconds())
    due = pull(adapter, crm.person_type, soon.cursor, crm.now())
    again = pull(adapter, crm.person_type, due.cursor, crm.now())

    assert due.deleted == {gone}
    assert gone not in due.ids
    assert due.cursor.extra != soon.cursor.extra
    assert not again.deleted


def test_merges_are_reported_with_the_survivor(crm: CrmHarness) -> None:
    adapter, cursor, ids = full_then_later(crm, people=40)
    survivor = crm.merge(ids[1], ids[2])

    got = pull(adapter, crm.person_type, cursor, crm.now())

    assert Merge(ids[1], survivor) in got.merges
    assert survivor in got.ids
    assert ids[1] not in got.ids


def test_cursor_never_passes_started_at(crm: CrmHarness) -> None:
    ids = crm.seed_people(150)
    adapter = crm.adapter()
    started_at = crm.now()
    crm.advance(30)
    crm.touch_as_rep(ids[0], {"company": "After The Start"})

    full = pull(adapter, crm.person_type, None, started_at)

    assert ids[0] in full.ids
    assert full.cursor.modified_at <= started_at


def test_cursor_from_the_future_yields_nothing_and_stays(crm: CrmHarness) -> None:
    crm.seed_people(20)
    future = Cursor(datetime(2999, 1, 1, tzinfo=crm.now().tzinfo))
    got = pull(crm.adapter(), crm.person_type, future, crm.now())
    assert got.ids == []
    assert got.cursor.modified_at == future.modified_at


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=900),
            st.lists(st.integers(min_value=0, max_value=29), max_size=6),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_every_edit_is_delivered_and_cursors_only_move_forward(
    crm: CrmHarness, steps: list[tuple[float, list[int]]]
) -> None:
    ids = crm.seed_people(30)
    adapter = crm.adapter()
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    for number, (seconds, edits) in enumerate(steps):
        crm.advance(seconds + 1)
        for index in edits:
            crm.touch_as_rep(ids[index], {"company": f"Edit {number}"})
        started_at = crm.now()
        got = pull(adapter, crm.person_type, cursor, started_at)
        assert {ids[i] for i in edits} <= set(got.ids)
        assert len(got.ids) == len(set(got.ids))
        moments = [cursor.modified_at, *(c.modified_at for c in got.cursors)]
        assert moments == sorted(moments)
        assert moments[-1] <= started_at
        cursor = got.cursor


@pytest.mark.parametrize(
    ("inject", "status"),
    [("rate_limit_storm", 429), ("server_errors", 500)],
)
def test_faults_during_a_pull_change_nothing_but_the_retries(
    crm: CrmHarness, inject: str, status: int
) -> None:
    crm.seed_people(450)
    clean = pull(crm.adapter(), crm.person_type, None, crm.now())
    adapter = crm.adapter()
    crm.slept.clear()
    pages = adapter.pull(crm.person_type, None, started_at=crm.now())
    batches = [next(pages)]
    getattr(crm.faults, inject)(4)
    started = time.monotonic()
    batches += list(pages)

    assert Pulled(batches).ids == clean.ids
    assert [r.company for r in Pulled(batches).people] == [r.company for r in clean.people]
    assert Pulled(batches).cursor.modified_at == clean.cursor.modified_at
    failed = sum(n for (_, code), n in adapter.usage().items() if code // 100 == status // 100)
    assert failed == 4  # each fault was one refused attempt, retried
    assert len(crm.slept) >= 4  # one injected wait per retry
    assert time.monotonic() - started < 5  # and none of them real


def test_a_storm_longer_than_the_retry_budget_surfaces(crm: CrmHarness) -> None:
    crm.seed_people(20)
    crm.faults.rate_limit_storm(50)
    with pytest.raises(RateLimitedError, match="429"):
        pull(crm.adapter(), crm.person_type, None, crm.now())


def test_expired_token_is_an_auth_error(crm: CrmHarness) -> None:
    crm.seed_people(20)
    crm.faults.expire_token()
    with pytest.raises(AuthError, match="401") as raised:
        pull(crm.adapter(), crm.person_type, None, crm.now())
    assert not isinstance(raised.value, MissingScopesError)


@pytest.mark.parametrize("kind", ["person", ObjectType.DEAL])
def test_missing_scopes_name_the_scope(crm: CrmHarness, kind: object) -> None:
    object_type = crm.person_type if kind == "person" else ObjectType.DEAL
    crm.seed_people(20)
    scope = crm.faults.revoke_read(object_type)
    with pytest.raises(MissingScopesError, match=scope) as raised:
        pull(crm.adapter(), object_type, None, crm.now())
    assert scope in raised.value.scopes


def test_pacing_from_the_rate_headers_avoids_every_429(crm: CrmHarness) -> None:
    if not isinstance(crm, HubSpotHarness):
        pytest.skip("HubSpot's burst window and search limit; other CRMs pace a daily allocation")
    ids = crm.seed_people(1_200)
    crm.configure(limits=RateLimits(burst=10, daily=None, search_per_second=5))
    adapter = crm.adapter()
    cursor = pull(adapter, crm.person_type, None, crm.now()).cursor
    crm.advance(HOUR)
    crm.set_modified(ids, crm.now())
    crm.advance(1)

    got = pull(adapter, crm.person_type, cursor, crm.now())

    statuses: Counter[int] = Counter()
    for (_, status), count in adapter.usage().items():
        statuses[status] += count
    assert Counter(got.ids) == Counter(ids)
    assert statuses[429] == 0
    assert sum(crm.slept) >= 10  # 14 calls at 10 per 10 s, then searches at 5 per second
