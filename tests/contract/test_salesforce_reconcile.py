"""Deletes Salesforce forgot before we saw them, end to end from the org to the store
(salesforce-api.md §8, §14; failure-modes F15).

``queryAll`` shows a deleted Lead only while it sits in the Recycle Bin: 15 days, or less when
the bin is emptied or purged early. Two ways a delete can go unseen, and what must follow:

* the connector was away longer than the bin keeps deletes: the next pull is a full
  reconciliation;
* the bin was purged between two cycles: the daily look at the delete log
  (``earliestDateAvailable``) notices, and the next pull is a full reconciliation.

Either way the store, fed the reconciliation's batches, tombstones the Lead the org no longer
has (``Sweep``), so no task or score is planned for it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.base.protocol import Cursor, PullBatch
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce.pull import FULL_RECONCILE
from connector.store import Store
from rules.model import ObjectType
from tests.contract.salesforce_harness import SalesforceHarness
from tests.contract.test_adapter_pull import HOUR, Pulled, pull

pytest_plugins = ["tests.contract.conftest_crm"]

LEAD = ObjectType.LEAD
DAY = 86_400.0
DELETE_LOG = "deleted Lead"
"""The usage label of one look at the delete log (``GET sobjects/Lead/deleted/``)."""


@pytest.fixture
def sf(request: pytest.FixtureRequest) -> SalesforceHarness:
    return SalesforceHarness(request.getfixturevalue("salesforce_server"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


def stored_pull(adapter: SalesforceAdapter, store: Store, sf: SalesforceHarness) -> Pulled:
    """One pull of Leads from the store's cursor, every batch stored as the cycle stores it."""
    batches: list[PullBatch] = []
    for batch in adapter.pull(LEAD, store.cursor(LEAD), started_at=sf.now()):
        store.apply_pull(batch)
        batches.append(batch)
    return Pulled(batches)


def live_ids(store: Store) -> set[str]:
    return {record.id for record in store.iter_records(LEAD)}


def delete_log_reads(adapter: SalesforceAdapter) -> int:
    return sum(n for (label, _), n in adapter.usage().items() if label == DELETE_LOG)


def purge_unseen(sf: SalesforceHarness, record_id: str) -> None:
    """Delete a Lead and empty the Recycle Bin before any pull can see the delete."""
    sf.archive(record_id)
    sf.org.purge_recycle_bin()


def reconciled(got: Pulled) -> bool:
    """Every batch of the pull is a flagged full pull, and its last ends the sweep."""
    sweeps = [b.sweep for b in got.batches]
    return (
        all(c.extra.get(FULL_RECONCILE) == "true" for c in got.cursors)
        and all(s is not None for s in sweeps)
        and sweeps[-1] is not None
        and sweeps[-1].done
    )


def test_a_delete_purged_while_away_past_the_window_leaves_the_store(
    sf: SalesforceHarness, store: Store
) -> None:
    ids = sf.seed_people(60)
    adapter = sf.adapter()
    stored_pull(adapter, store, sf)
    gone = sorted(set(sf.expected(LEAD)))[0]
    sf.advance(16 * DAY)
    purge_unseen(sf, gone)

    got = stored_pull(adapter, store, sf)

    assert reconciled(got)
    assert gone not in got.ids
    assert gone not in {i for b in got.batches for i in b.deleted_ids}, "purged: never reported"
    assert gone in ids
    assert gone not in live_ids(store)
    assert live_ids(store) == set(sf.expected(LEAD))


def test_an_early_purge_is_noticed_at_the_daily_check_and_reconciled(
    sf: SalesforceHarness, store: Store
) -> None:
    sf.seed_people(60)
    adapter = sf.adapter()
    stored_pull(adapter, store, sf)
    sf.advance(HOUR)
    quiet = stored_pull(adapter, store, sf)
    gone = sorted(set(sf.expected(LEAD)))[1]
    purge_unseen(sf, gone)
    sf.advance(DAY)

    got = stored_pull(adapter, store, sf)
    sf.advance(HOUR)
    after = stored_pull(adapter, store, sf)

    assert not reconciled(quiet)
    assert all(b.sweep is None for b in quiet.batches)
    assert reconciled(got)
    assert gone not in live_ids(store)
    assert live_ids(store) == set(sf.expected(LEAD))
    assert delete_log_reads(adapter) == 1, "one look at the delete log, a day after the pull"
    assert all(b.sweep is None for b in after.batches), "back to incremental pulls"


def test_the_delete_log_is_read_once_a_day_and_a_clean_log_keeps_pulls_incremental(
    sf: SalesforceHarness, store: Store
) -> None:
    sf.seed_people(30)
    adapter = sf.adapter()
    stored_pull(adapter, store, sf)
    reads = []
    for _ in range(30):  # 30 hours of hourly cycles
        sf.advance(HOUR)
        got = stored_pull(adapter, store, sf)
        assert all(b.sweep is None for b in got.batches)
        reads.append(delete_log_reads(adapter))

    assert reads[22] == 0, "a full pull knows its deletes: no look for a day"
    assert reads[-1] == 1


def test_a_cursor_from_before_the_check_existed_is_checked_at_once(sf: SalesforceHarness) -> None:
    sf.seed_people(30)
    adapter = sf.adapter()
    full = pull(adapter, LEAD, None, sf.now()).cursor
    sf.advance(HOUR)
    older = Cursor(full.modified_at, full.last_id, {})  # what an earlier version stored

    got = pull(adapter, LEAD, older, sf.now())

    assert delete_log_reads(adapter) == 1
    assert all(FULL_RECONCILE not in c.extra for c in got.cursors)
    assert "deletes_checked_at" in got.cursor.extra
