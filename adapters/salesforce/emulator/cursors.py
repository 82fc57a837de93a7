"""Query cursors: the materialised ids behind ``nextRecordsUrl`` (fact sheet §3).

A query is evaluated once; its result ids are kept under a locator, and every following page is a
slice of that list (``/query/<locator>-<offset>``). The values are read when a page is served, so a
row changed between pages shows its new values (whether Salesforce snapshots values is not
documented). Locators live 2 days (§3, since API 56.0), then answer 400 ``INVALID_QUERY_LOCATOR``;
tests can expire them all at once (§18.2, failure-modes F38).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import SalesforceError
from .ids import make_id
from .soql.plan import Query

MAX_CURSORS = 1_000


@dataclass(frozen=True, slots=True)
class Cursor:
    """One open query result."""

    locator: str
    query: Query
    ids: list[str]
    include_deleted: bool
    opened: datetime


class Cursors:
    """The open cursors of one emulator run (the oldest are dropped past ``MAX_CURSORS``)."""

    def __init__(self, ttl_seconds: float) -> None:
        self._ttl = timedelta(seconds=ttl_seconds)
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._counter = 0

    def open(self, query: Query, ids: list[str], include_deleted: bool, now: datetime) -> Cursor:
        """Keep a result and return its cursor."""
        self._counter += 1
        cursor = Cursor(make_id("01g", self._counter), query, ids, include_deleted, now)
        self._open[cursor.locator] = cursor
        while len(self._open) > MAX_CURSORS:
            self._open.popitem(last=False)
        return cursor

    def get(self, locator: str, now: datetime) -> Cursor:
        """The cursor of ``locator``.

        Raises:
            SalesforceError: 400 ``INVALID_QUERY_LOCATOR`` if unknown, dropped or expired.
        """
        cursor = self._open.get(locator)
        if cursor is None or now - cursor.opened > self._ttl:
            self._open.pop(locator, None)
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return cursor

    def expire_all(self) -> None:
        """Forget every cursor: the next ``nextRecordsUrl`` call fails (F38)."""
        self._open.clear()
