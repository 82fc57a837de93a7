"""Opportunity stage history: OpportunityHistory rows → stays, the merge join of a full pull, the
``IN`` reads of an incremental one, and the restart key (salesforce-api.md §3, §12).

The pager is a fake that pages a list of history rows, keeping those the query's ``IN`` list or
``OpportunityId >`` allows, and remembers every query and page (the contract tests in
``tests/contract/test_salesforce_deal_history.py`` run the same code against the emulator).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base.protocol import PullBatch
from adapters.salesforce.deal_history import (
    HistoryJoin,
    Query,
    after_row,
    attach_by_ids,
    read_by_ids,
    stage_history,
)
from adapters.salesforce.emulator.soql import ast
from adapters.salesforce.emulator.soql.parser import parse
from adapters.salesforce.soql import Soql
from rules.model import Deal, ObjectType, StageEntry

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(hours: float) -> datetime:
    return T0 + hours * HOUR


def stamp(hours: float, *, zulu: bool = False) -> str:
    text = at(hours).strftime("%Y-%m-%dT%H:%M:%S.000")
    return text + ("Z" if zulu else "+0000")


def row(opportunity: str, stage: str | None, hours: float, number: int) -> dict[str, Any]:
    return {
        "attributes": {"type": "OpportunityHistory"},
        "Id": f"0085g{number:010d}AAA",
        "OpportunityId": opportunity,
        "StageName": stage,
        "CreatedDate": stamp(hours),
    }


def opp(number: int) -> str:
    return f"0065g{number:010d}AAA"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param([], (), id="no rows"),
        pytest.param(
            [row(opp(1), "Prospecting", 0, 1)],
            (StageEntry("Prospecting", at(0)),),
            id="created: one open stay",
        ),
        pytest.param(
            [
                row(opp(1), "Prospecting", 0, 1),
                row(opp(1), "Prospecting", 5, 2),  # an amount change repeats the stage
                row(opp(1), "Qualification", 9, 3),
                row(opp(1), "Qualification", 12, 4),  # a close-date change
            ],
            (
                StageEntry("Prospecting", at(0), at(9)),
                StageEntry("Qualification", at(9)),
            ),
            id="repeated stages are one stay",
        ),
        pytest.param(
            [
                row(opp(1), "Closed Won", 30, 4),
                row(opp(1), "Prospecting", 0, 1),
                row(opp(1), "Negotiation/Review", 20, 3),
                row(opp(1), "Qualification", 10, 2),
            ],
            (
                StageEntry("Prospecting", at(0), at(10)),
                StageEntry("Qualification", at(10), at(20)),
                StageEntry("Negotiation/Review", at(20), at(30)),
                StageEntry("Closed Won", at(30)),
            ),
            id="out of order",
        ),
        pytest.param(
            [
                row(opp(1), "Prospecting", 0, 1),
                row(opp(1), "Qualification", 4, 2),
                row(opp(1), "Prospecting", 8, 3),
                row(opp(1), "Prospecting", 9, 4),
            ],
            (
                StageEntry("Prospecting", at(0), at(4)),
                StageEntry("Qualification", at(4), at(8)),
                StageEntry("Prospecting", at(8)),
            ),
            id="a stage revisited later is a new stay",
        ),
        pytest.param(
            [row(opp(1), "Qualification", 0, 2), row(opp(1), "Prospecting", 0, 1)],
            (StageEntry("Prospecting", at(0), at(0)), StageEntry("Qualification", at(0))),
            id="one timestamp: Id orders the saves",
        ),
        pytest.param(
            [
                row(opp(1), "Prospecting", 0, 1),
                {**row(opp(1), "Qualification", 1, 2), "CreatedDate": "yesterday"},
                row(opp(1), None, 2, 3),
                {**row(opp(1), "Closed Lost", 3, 4), "CreatedDate": stamp(3, zulu=True)},
            ],
            (StageEntry("Prospecting", at(0), at(3)), StageEntry("Closed Lost", at(3))),
            id="unreadable rows are left out; Z and +0000 both parse",
        ),
    ],
)
def test_rows_fold_into_stays(rows: list[dict[str, Any]], expected: tuple[StageEntry, ...]) -> None:
    assert stage_history(rows) == expected


def test_the_restart_key_is_valid_soql_after_the_last_row() -> None:
    last = row(opp(7), "Qualification", 3, 42)

    text = Soql.select("OpportunityHistory", ["Id"]).where(after_row(last)).text

    assert text.endswith(
        f"WHERE OpportunityId > '{opp(7)}' OR (OpportunityId = '{opp(7)}' AND "
        "(CreatedDate > 2026-02-02T12:00:00.000Z OR "
        f"(CreatedDate = 2026-02-02T12:00:00.000Z AND Id > '{last['Id']}')))"
    )
    assert isinstance(parse(text).where, ast.Or)


class FakePager:
    """Pages ``rows`` (already in ``OpportunityId, CreatedDate, Id`` order) ``size`` at a time,
    keeping those the query's ``IN`` list or ``OpportunityId > x`` allows; records each query."""

    def __init__(self, rows: Sequence[dict[str, Any]], size: int = 2) -> None:
        self.rows, self.size = list(rows), size
        self.queries: list[str] = []
        self.pages = 0

    def __call__(self, query: Query) -> Iterator[list[dict[str, Any]]]:
        soql = query(None)
        self.queries.append(soql.text)
        matching = [r for r in self.rows if self._allows(soql.text, r["OpportunityId"])]
        for start in range(0, len(matching), self.size):
            self.pages += 1
            yield matching[start : start + self.size]

    @staticmethod
    def _allows(text: str, opportunity: str) -> bool:
        if " IN (" in text:
            return f"'{opportunity}'" in text
        if "OpportunityId > '" in text:
            return opportunity > text.split("OpportunityId > '")[1][:18]
        return True


def deals_batch(*numbers: int) -> PullBatch:
    return PullBatch(ObjectType.DEAL, deals=tuple(Deal(opp(n)) for n in numbers))


def histories(batch: PullBatch) -> dict[str, tuple[str, ...]]:
    return {d.id: tuple(e.value for e in d.stage_history) for d in batch.deals}


HISTORY = [
    row(opp(1), "Prospecting", 0, 1),
    row(opp(1), "Qualification", 1, 2),
    row(opp(2), "Prospecting", 0, 3),  # opp 2 was deleted between the two reads
    row(opp(3), "Prospecting", 0, 4),
    row(opp(3), "Prospecting", 1, 5),
    row(opp(3), "Closed Won", 2, 6),
    row(opp(5), "Prospecting", 0, 7),
    row(opp(6), "Prospecting", 0, 8),
]


def test_the_join_gives_each_page_its_rows_and_keeps_the_rest_for_the_next() -> None:
    pager = FakePager(HISTORY)
    join = HistoryJoin(pager, "")

    first = join.attach(deals_batch(1, 3), opp(3))
    reads_after_first = pager.pages
    second = join.attach(deals_batch(5, 6), opp(6))

    assert histories(first) == {
        opp(1): ("Prospecting", "Qualification"),
        opp(3): ("Prospecting", "Closed Won"),
    }
    assert histories(second) == {opp(5): ("Prospecting",), opp(6): ("Prospecting",)}
    assert reads_after_first == 4  # up to the page of the first row past opp 3, not beyond
    assert pager.queries == [
        "SELECT Id, OpportunityId, StageName, CreatedDate FROM OpportunityHistory "
        "ORDER BY OpportunityId, CreatedDate, Id"
    ]


def test_the_join_reads_nothing_for_pages_without_deals_and_starts_after_a_resumed_id() -> None:
    pager = FakePager(HISTORY)
    join = HistoryJoin(pager, opp(2))

    empty = join.attach(PullBatch(ObjectType.DEAL, deleted_ids=(opp(3),)), opp(3))
    assert pager.queries == []
    later = join.attach(deals_batch(5), opp(5))

    assert empty == PullBatch(ObjectType.DEAL, deleted_ids=(opp(3),))
    assert histories(later) == {opp(5): ("Prospecting",)}  # opp 3's rows are passed over
    assert pager.queries[0].endswith(
        f"WHERE OpportunityId > '{opp(2)}' ORDER BY OpportunityId, CreatedDate, Id"
    )


def test_a_deal_without_history_rows_has_an_empty_history() -> None:
    join = HistoryJoin(FakePager([]), "")
    assert histories(join.attach(deals_batch(4), opp(4))) == {opp(4): ()}


def test_incremental_reads_use_in_lists_packed_into_few_queries() -> None:
    many = [opp(n) for n in range(1, 601)]
    pager = FakePager([row(o, "Prospecting", 0, i) for i, o in enumerate(many)], size=2_000)

    found = read_by_ids(pager, many)

    assert sorted(found) == many
    assert 2 <= len(pager.queries) <= 3  # about 280 ids per query (enrich.MAX_QUERY_URL)
    assert all(
        " IN (" in q and q.endswith("ORDER BY OpportunityId, CreatedDate, Id")
        for q in pager.queries
    )


def test_incremental_pages_without_deals_cost_no_call() -> None:
    pager = FakePager(HISTORY)
    batch = PullBatch(ObjectType.DEAL, deleted_ids=(opp(1),))

    assert attach_by_ids(pager, batch) is batch
    assert pager.queries == []


def test_incremental_pages_get_their_deals_histories() -> None:
    pager = FakePager(HISTORY)
    got = attach_by_ids(pager, deals_batch(3, 9))
    assert histories(got) == {opp(3): ("Prospecting", "Closed Won"), opp(9): ()}
    assert len(pager.queries) == 1


@given(
    counts=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12),
    cuts=st.sets(st.integers(min_value=1, max_value=11)),
    delivered=st.lists(st.booleans(), min_size=12, max_size=12),
    size=st.integers(min_value=1, max_value=5),
)
def test_any_paging_of_both_streams_gives_each_deal_exactly_its_rows(
    counts: list[int], cuts: set[int], delivered: list[bool], size: int
) -> None:
    stages = ("Prospecting", "Qualification", "Closed Won")
    rows = [
        row(opp(n), stages[(n + k) % 3], k, n * 10 + k)
        for n, count in enumerate(counts)
        for k in range(count)
    ]
    live = [n for n in range(len(counts)) if delivered[n]]  # the others were deleted meanwhile
    bounds = [0, *sorted(c for c in cuts if c < len(live)), len(live)]
    join = HistoryJoin(FakePager(rows, size), "")

    got: dict[str, tuple[StageEntry, ...]] = {}
    for start, end in pairwise(bounds):
        page = live[start:end]
        if page:
            got |= {
                d.id: d.stage_history for d in join.attach(deals_batch(*page), opp(page[-1])).deals
            }

    assert got == {
        opp(n): stage_history(r for r in rows if r["OpportunityId"] == opp(n)) for n in live
    }
