"""Opportunity stage history from ``OpportunityHistory`` (salesforce-api.md §3, §12).

``OpportunityHistory`` is always on (§12): Salesforce writes a row, with the stage *after* the
change, when an Opportunity is created and whenever its stage, amount or close date change. So
consecutive rows of one ``StageName`` are one stay: it was entered at the first row's
``CreatedDate`` and left when the next stay was entered; the last stay is still open
(:func:`stage_history`).

How the rows are read depends on the pull (the read budget: a call brings up to 2,000 rows, §3):

* **Full pull** (:class:`HistoryJoin`): Opportunities come ``ORDER BY Id``, so the history is a
  second stream of the same order, ``WHERE OpportunityId > :after ORDER BY OpportunityId,
  CreatedDate, Id``, paged lazily and merge-joined: each page of Opportunities takes the rows up to
  its last ``Id`` and leaves the rest for the next page. The whole history costs
  ``ceil(rows / 2,000)`` calls, however the Opportunities page. Rows of Opportunities the pull does
  not deliver (deleted between the two reads) are passed over.
* **Incremental pull** (:func:`read_by_ids`): a page of changed Opportunities is scattered over the
  history, so it is read ``WHERE OpportunityId IN (...)``, the ids packed into as few queries as fit
  in a URL (:func:`~adapters.salesforce.enrich.queries_in`); pages without live Opportunities cost
  nothing.

Both read through a pager that restarts after an expired query locator (§3, F38) from the last row
it delivered, in ``(OpportunityId, CreatedDate, Id)`` order (:func:`after_row`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, Final

from adapters.base.protocol import PullBatch
from adapters.salesforce.enrich import parse_instant, queries_in
from adapters.salesforce.mapping import EPOCH
from adapters.salesforce.soql import Condition, Soql, and_, eq, gt, in_, or_
from rules.model import StageEntry

Row = Mapping[str, Any]
Query = Callable[[Row | None], Soql]
Pager = Callable[[Query], Iterator[list[dict[str, Any]]]]
"""The pages of ``query(None)``; after an expired locator, of ``query(last row)`` (``Puller``)."""

HISTORY: Final = "OpportunityHistory"
FIELDS: Final = ("Id", "OpportunityId", "StageName", "CreatedDate")
ORDER: Final = ("OpportunityId", "CreatedDate", "Id")
"""Every history query's order: the merge join needs ``OpportunityId`` first, the restart all
three (``CreatedDate`` ties between rows of one save are broken by ``Id``)."""


def stage_history(rows: Iterable[Row]) -> tuple[StageEntry, ...]:
    """The stays of one Opportunity, oldest first, from its history rows in any order.

    Consecutive rows of the same ``StageName`` (an amount or close-date change repeats the stage)
    are one stay; a stage entered again later is a new stay. Rows without a readable
    ``CreatedDate`` or a stage are left out.
    """
    dated = sorted(
        (at, str(row.get("Id") or ""), position, str(stage))
        for position, row in enumerate(rows)
        if (at := parse_instant(row.get("CreatedDate"))) is not None
        and (stage := row.get("StageName"))
    )
    stays: list[StageEntry] = []
    for at, _, _, stage in dated:
        if stays and stays[-1].value == stage:
            continue
        if stays:
            stays[-1] = replace(stays[-1], exited_at=at)
        stays.append(StageEntry(stage, at))
    return tuple(stays)


def with_histories(batch: PullBatch, rows: Mapping[str, Iterable[Row]]) -> PullBatch:
    """``batch`` with each deal's ``stage_history`` built from ``rows[deal.id]``."""
    if not batch.deals:
        return batch
    deals = tuple(
        replace(deal, stage_history=stage_history(rows.get(deal.id, ()))) for deal in batch.deals
    )
    return replace(batch, deals=deals)


def after_row(row: Row) -> Condition:
    """History rows after ``row`` in ``ORDER BY OpportunityId, CreatedDate, Id`` order."""
    opportunity, record_id = str(row["OpportunityId"]), str(row["Id"])
    at = parse_instant(row.get("CreatedDate")) or EPOCH
    later = or_(gt("CreatedDate", at), and_(eq("CreatedDate", at), gt("Id", record_id)))
    return or_(gt("OpportunityId", opportunity), and_(eq("OpportunityId", opportunity), later))


def _select() -> Soql:
    return Soql.select(HISTORY, FIELDS).order_by(*ORDER)


class HistoryJoin:
    """The history of a full pull's Opportunities, one lazily paged stream merge-joined by id.

    Args:
        pages: Pages a query, restarting after an expired locator.
        after: The full pull's starting point: history of Opportunities after this ``Id``
            (``""``: all of it).
    """

    def __init__(self, pages: Pager, after: str) -> None:
        self._pages, self._after = pages, after
        self._rows: Iterator[Row] | None = None
        self._head: Row | None = None

    def attach(self, batch: PullBatch, last_id: str) -> PullBatch:
        """``batch`` with stage histories, consuming the rows up to ``last_id``, its page's last
        ``Id``. A batch without deals reads nothing: the next one takes its rows and drops them.
        """
        if not batch.deals:
            return batch
        return with_histories(batch, self._take({deal.id for deal in batch.deals}, last_id))

    def _take(self, ids: set[str], last_id: str) -> dict[str, list[Row]]:
        # The history comes in the order Salesforce compares ids in (`Id > :after` pages rely on
        # it too); the page's own ids are recognised without comparing, and a row of another
        # Opportunity at or before the page's last id is one the pull did not deliver: dropped.
        found: dict[str, list[Row]] = {}
        while (row := self._peek()) is not None:
            opportunity = str(row["OpportunityId"])
            if opportunity not in ids and opportunity > last_id:
                break
            found.setdefault(opportunity, []).append(row)
            self._head = None
        return found

    def _peek(self) -> Row | None:
        if self._head is None:
            if self._rows is None:
                self._rows = (row for page in self._pages(self._query) for row in page)
            self._head = next(self._rows, None)
        return self._head

    def _query(self, last: Row | None) -> Soql:
        if last is not None:
            return _select().where(after_row(last))
        return _select().where(gt("OpportunityId", self._after)) if self._after else _select()


def read_by_ids(pages: Pager, ids: Iterable[str]) -> dict[str, list[Row]]:
    """The history rows of the Opportunities ``ids``, by Opportunity id; no call for no ids."""

    def build(chunk: tuple[str, ...]) -> Soql:
        return _select().where(in_("OpportunityId", chunk))

    found: dict[str, list[Row]] = {}
    for soql in queries_in(build, ids):
        for page in pages(_resumable(soql)):
            for row in page:
                found.setdefault(str(row["OpportunityId"]), []).append(row)
    return found


def _resumable(soql: Soql) -> Query:
    """``soql``, or after an expired locator its rows after the last one delivered."""
    return lambda last: soql if last is None else soql.where(after_row(last))


def attach_by_ids(pages: Pager, batch: PullBatch) -> PullBatch:
    """``batch`` (a page of an incremental pull) with its deals' stage histories."""
    return with_histories(batch, read_by_ids(pages, [deal.id for deal in batch.deals]))
