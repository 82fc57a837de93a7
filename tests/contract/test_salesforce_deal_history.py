"""Opportunity stage history read from OpportunityHistory during the pull, against the emulator
over TLS (salesforce-api.md §3, §12; failure-modes F38).

A full pull merge-joins one history stream with the Opportunities, so the history costs one call
per page of history rows whatever the number of Opportunity pages; an incremental pull reads the
history of each page's changed Opportunities with ``IN`` lists. Pages are 200 rows here (the
harness's ``batch_size``), so a seed of 1,100 people (about 220 Opportunities and 620 history rows)
spans two pages of Opportunities and four of history.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.base.errors import MissingScopesError
from adapters.base.protocol import Cursor
from adapters.salesforce import SalesforceAdapter
from adapters.salesforce.emulator.schema import ObjectDef
from adapters.salesforce.emulator.writes import delete, update
from rules.model import Deal, ObjectType, StageEntry
from tests.contract.salesforce_harness import PAGE, SalesforceHarness
from tests.contract.test_adapter_pull import HOUR, Pulled, pull

pytest_plugins = ["tests.contract.conftest_crm"]

LEAD, DEAL = ObjectType.LEAD, ObjectType.DEAL
HISTORY = "OpportunityHistory"
PEOPLE = 1_100
_MINUTE = timedelta(minutes=1)


@pytest.fixture
def sf(request: pytest.FixtureRequest) -> SalesforceHarness:
    return SalesforceHarness(request.getfixturevalue("salesforce_server"))


def calls(adapter: SalesforceAdapter, sobject: str, status: int | None = None) -> int:
    """Query calls on ``sobject`` (first pages and continuations), of one status if given."""
    return sum(
        n
        for (label, code), n in adapter.usage().items()
        if label.split(" ")[:2] in (["query", sobject], ["queryAll", sobject])
        and (status is None or code == status)
    )


def deals(pulled: Pulled) -> dict[str, Deal]:
    return {d.id: d for b in pulled.batches for d in b.deals}


def histories(pulled: Pulled) -> dict[str, tuple[StageEntry, ...]]:
    return {key: deal.stage_history for key, deal in deals(pulled).items()}


def history_rows(sf: SalesforceHarness) -> int:
    with sf.org.lock:
        return sum(not r["IsDeleted"] for r in sf.org.tables[HISTORY].rows.values())


def seeded(sf: SalesforceHarness) -> SalesforceAdapter:
    """A seeded org whose Lead pull already ran: a Deal pull then reads only its own objects."""
    sf.seed_people(PEOPLE)
    adapter = sf.adapter()
    pull(adapter, LEAD, None, sf.now())
    return adapter


def open_deals(sf: SalesforceHarness) -> list[str]:
    with sf.org.lock:
        rows = sf.org.tables["Opportunity"].rows.values()
        return sorted(r["Id"] for r in rows if not r["IsDeleted"] and not r["IsClosed"])


def save(sf: SalesforceHarness, record_id: str, **values: object) -> None:
    with sf.org.lock:
        update(sf.org, "Opportunity", record_id, values)


def test_a_full_pull_reads_the_stage_history_in_one_stream_across_pages(
    sf: SalesforceHarness,
) -> None:
    adapter = seeded(sf)
    first, second = open_deals(sf)[:2]
    save(sf, first, Amount=1_234.0)  # a history row that repeats the stage
    sf.advance(60)
    save(sf, second, StageName="Closed Lost")
    sf.advance(60)
    reopened = sf.now()
    save(sf, second, StageName="Prospecting")  # a stage entered again later
    sf.advance(60)
    expected = sf.stage_histories()

    got = pull(adapter, DEAL, None, sf.now())

    assert histories(got) == expected
    assert [e.value for e in expected[second][-2:]] == ["Closed Lost", "Prospecting"]
    assert expected[second][-1] == StageEntry("Prospecting", reopened)
    assert sum(len(h) for h in expected.values()) > 2 * PAGE
    opportunity_pages = math.ceil(len(expected) / PAGE)
    assert calls(adapter, "Opportunity") == opportunity_pages >= 2
    assert calls(adapter, HISTORY) == math.ceil(history_rows(sf) / PAGE) >= 3


def test_a_stage_change_seen_by_the_next_incremental_pull_appends_a_stay(
    sf: SalesforceHarness,
) -> None:
    adapter = seeded(sf)
    full = pull(adapter, DEAL, None, sf.now())
    sf.advance(HOUR)
    candidates = [d for d in open_deals(sf) if deals(full)[d].stage != "Negotiation/Review"]
    moved, repriced = candidates[:2]
    changed_at = sf.now()
    save(sf, moved, StageName="Negotiation/Review")
    save(sf, repriced, Amount=99.0)
    sf.advance(1)
    before = {sobject: calls(adapter, sobject) for sobject in ("Opportunity", HISTORY)}

    got = pull(adapter, DEAL, full.cursor, sf.now())

    was = deals(full)[moved].stage_history
    assert deals(got)[moved].stage_history == (
        *was[:-1],
        replace(was[-1], exited_at=changed_at),
        StageEntry("Negotiation/Review", changed_at),
    )
    assert deals(got)[repriced].stage_history == deals(full)[repriced].stage_history
    assert histories(got) == {key: sf.stage_histories()[key] for key in deals(got)}
    # One page of changed Opportunities, one query for its history.
    assert {sobject: calls(adapter, sobject) - n for sobject, n in before.items()} == {
        "Opportunity": 1,
        HISTORY: 1,
    }


def test_a_page_of_deleted_opportunities_reads_no_history(sf: SalesforceHarness) -> None:
    adapter = seeded(sf)
    cursor = pull(adapter, DEAL, None, sf.now()).cursor
    sf.advance(HOUR)
    cursor = pull(adapter, DEAL, cursor, sf.now()).cursor  # past the seed's last changes
    sf.advance(HOUR)
    gone = open_deals(sf)[0]
    with sf.org.lock:
        delete(sf.org, "Opportunity", gone)
    sf.advance(1)
    before = calls(adapter, HISTORY)

    got = pull(adapter, DEAL, cursor, sf.now())

    assert got.deleted == {gone}
    assert calls(adapter, HISTORY) == before


def straddle_the_first_restart(sf: SalesforceHarness) -> str:
    """Give one more stay to the Opportunity whose history rows end the pages read for the first
    page of Opportunities, so its rows straddle the page whose locator expires next."""
    with sf.org.lock:
        opportunities = sorted(r["Id"] for r in sf.org.tables["Opportunity"].rows.values())
        rows = sorted(
            (r["OpportunityId"], r["CreatedDate"], r["Id"], r["StageName"])
            for r in sf.org.tables[HISTORY].rows.values()
        )
    last = opportunities[PAGE - 1]
    peeked = next(i for i, row in enumerate(rows) if row[0] > last)  # the join reads up to it
    opportunity, _, _, stage = rows[(peeked // PAGE + 1) * PAGE - 1]
    sf.advance(60)
    save(sf, opportunity, StageName="Prospecting" if stage != "Prospecting" else "Qualification")
    sf.advance(60)
    return str(opportunity)


def test_expired_locators_restart_both_streams_and_lose_no_history(
    sf: SalesforceHarness,
) -> None:
    adapter = seeded(sf)
    straddling = straddle_the_first_restart(sf)
    expected = sf.stage_histories()
    pages = adapter.pull(DEAL, None, started_at=sf.now())
    batches = [next(pages)]  # the first page of Opportunities and the history it needs
    sf.emulator.expire_query_locators()  # §3: INVALID_QUERY_LOCATOR on both next pages

    batches += list(pages)

    assert histories(Pulled(batches)) == expected
    assert deals(Pulled(batches))[straddling].stage_history[-1].entered_at == sf.now() - _MINUTE
    assert calls(adapter, "Opportunity", 400) == calls(adapter, HISTORY, 400) == 1


def test_a_resumed_full_pull_reads_the_history_after_its_cursor(sf: SalesforceHarness) -> None:
    adapter = seeded(sf)
    expected = sf.stage_histories()
    first = next(adapter.pull(DEAL, None, started_at=sf.now()))
    assert isinstance(first.cursor, Cursor)

    rest = pull(sf.adapter(), DEAL, first.cursor, sf.now())

    assert histories(rest) == {key: expected[key] for key in deals(rest)}
    assert sorted([*(d.id for d in first.deals), *rest.ids]) == sorted(expected)
    assert len(rest.ids) >= PAGE // 10


def test_without_read_on_the_history_the_pull_names_the_permission(
    sf: SalesforceHarness,
) -> None:
    adapter = seeded(sf)
    visible = sf.org.lookup

    def lookup(name: str) -> ObjectDef | None:  # as a profile without access hides it (§11)
        return None if name.lower() == HISTORY.lower() else visible(name)

    sf.org.lookup = lookup  # type: ignore[method-assign]

    with pytest.raises(MissingScopesError, match="Read on OpportunityHistory") as raised:
        pull(adapter, DEAL, None, sf.now())

    assert raised.value.scopes == ("Read on OpportunityHistory",)
