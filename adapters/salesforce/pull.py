"""Full and incremental pulls of Leads, Contacts and Opportunities (salesforce-api.md §3, §14).

Each pull reads the object's describe (one call, cached for :data:`DESCRIBE_TTL`) to know which
configured fields exist and how to type them (and the Account's, cached alike, when a Contact reads
a Lead field from its Account: :data:`~.mapping.CONTACT_EQUIVALENTS`), then pages one query
(2,000 rows per call, §3):

* **Full** (no cursor): ``SELECT … ORDER BY Id``, every row as it is now. Resumable: each batch's
  cursor is 1970 plus the last delivered ``Id`` and the pull's start in ``extra`` (``full_*``),
  and a resumed pull continues with ``WHERE Id > :last``. The last batch carries
  ``(started_at of the full pull, "")``; rows changed during the pull are read again by the next
  incremental, whose window starts a lookback before that.
* **Incremental**: ``queryAll … WHERE SystemModstamp >= :cursor - lookback AND SystemModstamp <=
  :started_at ORDER BY SystemModstamp, Id`` (§14). ``queryAll`` returns deleted and merged rows
  too (§3), so one query brings changes, deletes (``IsDeleted``) and merges (``MasterRecordId``):
  no ``/deleted/`` call. Rows are deduplicated by ``Id`` within the pull; rows that share a
  ``SystemModstamp`` are ordered by ``Id``, so a restart after an expired query locator (§3,
  F38) resumes *after* the last delivered ``(SystemModstamp, Id)`` without skipping a tie. Rows
  that become visible after the cursor passed their ``SystemModstamp`` (late commits, F09) fall
  in the next window thanks to the lookback.
* **Full reconciliation**: Salesforce keeps deleted rows in the Recycle Bin for 15 days (§8, §14).
  When the window would start more than :data:`RECONCILE_AFTER` before ``started_at``, deletes may
  have been purged unseen, so the pull is a full one over ``queryAll`` (deletes still in the bin
  are reported) and every batch's cursor has ``extra["full_reconcile"] = "true"``. The adapter
  cannot know which stored ids are gone, the store can: like every full pull, its batches carry a
  :class:`~adapters.base.protocol.Sweep`, and once it is done the store tombstones every live id
  the pull did not deliver. It is logged as a warning (F15: loudly). The same happens when, once
  a day, the delete log shows that the Recycle Bin was purged early since the last check
  (:mod:`.purges`).

What a row becomes: a live row → a ``Person`` or ``Deal``; a deleted row → ``deleted_ids``, or
``Merge(row, MasterRecordId)`` when it lost a merge (§14); a **converted Lead** →
``Merge(lead, ConvertedContactId)`` and no person: after conversion the Contact is the person
(§14: converted leads are read-only), so local state re-keys to it. A deal's ``stage_history``
comes from ``OpportunityHistory`` (§12), read alongside by :mod:`.deal_history`: a full pull
merge-joins one more stream in ``Id`` order (``ceil(history rows / 2,000)`` calls in all), an
incremental pull reads the history of each page's live Opportunities with ``IN`` lists.

Cursor semantics (what a stored batch cursor promises), as for HubSpot: incremental batches carry
the newest ``(SystemModstamp, Id)`` delivered so far, never before the incoming cursor and never
past ``started_at``; once the window is complete a last batch moves the cursor to
``max(newest, started_at - lookback)``, so a quiet org is not re-read every cycle. The ``Id`` part
orders ties but never skips a record across pulls: every pull re-reads its lookback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

from adapters.base.errors import ConfigurationError, MissingScopesError, NotFoundError
from adapters.base.protocol import Cursor, Merge, PullBatch, Sweep
from adapters.salesforce import purges
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.deal_history import HistoryJoin, attach_by_ids
from adapters.salesforce.errors import QueryLocatorExpired
from adapters.salesforce.links import ConversionLinks
from adapters.salesforce.mapping import (
    EPOCH,
    LEADS,
    SPECS,
    Describe,
    RecordMapper,
    parse_datetime,
)
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Condition, Soql, and_, eq, ge, gt, le, or_
from rules.model import Deal, ObjectType, Person, require_aware

logger = logging.getLogger("smarketing.salesforce.pull")

FULL_AFTER, FULL_STARTED, FULL_RECONCILE = "full_after", "full_started_at", "full_reconcile"
DELETE_WINDOW: Final = timedelta(days=15)  # §8, §14: the Recycle Bin keeps deletes 15 days
RECONCILE_AFTER: Final = DELETE_WINDOW - timedelta(days=1)  # a day of margin for slow cycles
DESCRIBE_TTL: Final = 3600.0
"""Seconds a describe is reused; a new field or a type change shows within an hour."""
MAX_RESTARTS: Final = 3
_ID: Final = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")

Row = Mapping[str, Any]
_Key = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class _Full:
    """Where a full pull starts: after ``after`` (``""``: the start), begun at ``started``."""

    after: str
    started: datetime
    reconcile: bool


class Puller:
    """Pulls Leads, Contacts and Opportunities for the Salesforce adapter.

    Args:
        client: The org's client.
        settings: Fields, lookback, clocks.
    """

    def __init__(self, client: SalesforceClient, settings: SalesforceSettings) -> None:
        self.client, self.settings = client, settings
        self.links = ConversionLinks()
        self._describes: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._warned: set[tuple[str, tuple[str, ...]]] = set()

    def pull(
        self, object_type: ObjectType, cursor: Cursor | None, started_at: datetime
    ) -> Iterator[PullBatch]:
        """Yield one batch per page; see the module docstring for what their cursors promise.

        Raises:
            ValueError: ``object_type`` is not LEAD, CONTACT or DEAL, or ``started_at`` is naive.
            ConfigurationError: A stored cursor's ``extra`` is unreadable.
        """
        spec = SPECS.get(object_type)
        if spec is None:
            raise ValueError(f"Salesforce pulls leads, contacts and deals, not {object_type!r}")
        require_aware(started_at, "started_at")
        mapper = RecordMapper(spec, self.settings, self.describe(spec.sobject), self.describe)
        self._warn_missing(mapper)
        if cursor is None or FULL_AFTER in cursor.extra:
            yield from self._full(mapper, _resume(cursor, started_at), cursor, started_at)
        elif cursor.modified_at > started_at:
            # failure-modes F10: a cursor from the future; nothing can be newer, keep it.
            logger.warning(
                "%s cursor %s is after the sync start %s: nothing to pull",
                spec.sobject,
                cursor.modified_at.isoformat(),
                started_at.isoformat(),
            )
            yield PullBatch(object_type, cursor=cursor)
        elif started_at - (cursor.modified_at - self.settings.lookback) > RECONCILE_AFTER:
            logger.warning(
                "%s cursor %s is older than the %d-day delete window (§8): deletes may have been "
                "purged unseen, so this is a full reconciliation (cursor extra full_reconcile)",
                spec.sobject,
                cursor.modified_at.isoformat(),
                DELETE_WINDOW.days,
            )
            yield from self._full(mapper, _Full("", started_at, True), cursor, started_at)
        else:
            yield from self._incremental_or_reconcile(mapper, cursor, started_at)
        if mapper.unparsable:  # failure-modes R9: kept as text, and said so
            logger.warning(
                "%s: kept values that did not parse as their field type: %s",
                spec.sobject,
                dict(mapper.unparsable),
            )

    def describe(self, sobject: str) -> Describe:
        """The object's describe ``fields`` (§7): one call, then cached ``DESCRIBE_TTL``."""
        cached = self._describes.get(sobject)
        if cached is not None and self.settings.monotonic() - cached[0] < DESCRIBE_TTL:
            return cached[1]
        try:
            body = self.client.rest(
                "GET", f"sobjects/{sobject}/describe", label=f"describe {sobject}"
            )
        except NotFoundError as exc:
            # A standard object always exists: a 404 means the run-as user may not see it (§11).
            scope = f"Read on {sobject}"
            raise MissingScopesError(
                f"describe {sobject}: Salesforce hides the object from the run-as user; grant "
                f"{scope!r} in its permission set ({exc})",
                scopes=(scope,),
                status=exc.status,
                code=exc.code,
            ) from exc
        fields: list[dict[str, Any]] = list((body or {}).get("fields") or [])
        self._describes[sobject] = (self.settings.monotonic(), fields)
        return fields

    def _warn_missing(self, mapper: RecordMapper) -> None:
        """Name configured fields the object lacks, once per set (F17: drift is no crash)."""
        key = (mapper.spec.sobject, mapper.missing)
        if mapper.missing and key not in self._warned:
            self._warned.add(key)
            logger.warning(
                "%s lacks configured fields %s: they are not read (create them or remove them "
                "from crm.salesforce settings)",
                mapper.spec.sobject,
                ", ".join(mapper.missing),
            )

    def _full(
        self, mapper: RecordMapper, start: _Full, cursor: Cursor | None, started_at: datetime
    ) -> Iterator[PullBatch]:
        carry = {
            k: v for k, v in (cursor.extra if cursor else {}).items() if not k.startswith("full_")
        }
        flag = {FULL_RECONCILE: "true"} if start.reconcile else {}
        base = Soql.select(mapper.spec.sobject, mapper.fields).order_by("Id")

        def query(last: Row | None) -> Soql:
            after = str(last["Id"]) if last is not None else start.after
            return base.where(gt("Id", after)) if after else base

        after = start.after
        sweep = Sweep(start.started)
        history = HistoryJoin(partial(self._pages, include_deleted=False), start.after)
        for rows in self._pages(query, include_deleted=start.reconcile):
            after = str(rows[-1]["Id"]) if rows else after
            resume = {FULL_AFTER: after, FULL_STARTED: start.started.isoformat(), **flag}
            cursor = Cursor(EPOCH, "", {**carry, **resume})
            batch = history.attach(self._batch(mapper, rows, started_at), after)
            yield replace(batch, cursor=cursor, sweep=sweep)
        if mapper.spec is LEADS:
            self.links.covered(None, start.started)
        # Everything up to the start is known, deletes included (the sweep covers purges).
        done = purges.checked(Cursor(start.started, "", {**carry, **flag}), start.started)
        yield PullBatch(mapper.object_type, cursor=done, sweep=replace(sweep, done=True))

    def _incremental_or_reconcile(
        self, mapper: RecordMapper, cursor: Cursor, started_at: datetime
    ) -> Iterator[PullBatch]:
        """An incremental pull, unless the delete log says deletes were purged unseen."""
        if not purges.check_due(cursor, started_at):
            yield from self._incremental(mapper, cursor, started_at)
            return
        since = purges.last_checked(cursor)
        purged = purges.purged_since(self.client, mapper.spec.sobject, since, started_at)
        if purged is None:
            yield from self._incremental(mapper, purges.checked(cursor, started_at), started_at)
            return
        logger.warning(
            "%s: the Recycle Bin was purged since %s (the delete log begins %s): deletes may "
            "have gone unseen, so this is a full reconciliation (cursor extra full_reconcile)",
            mapper.spec.sobject,
            since.isoformat(),
            purged.isoformat(),
        )
        yield from self._full(mapper, _Full("", started_at, True), cursor, started_at)

    def _incremental(
        self, mapper: RecordMapper, cursor: Cursor, started_at: datetime
    ) -> Iterator[PullBatch]:
        window_start = cursor.modified_at - self.settings.lookback
        base = (
            Soql.select(mapper.spec.sobject, mapper.fields)
            .where(le("SystemModstamp", started_at))
            .order_by("SystemModstamp", "Id")
        )

        def query(last: Row | None) -> Soql:
            if last is None:
                return base.where(ge("SystemModstamp", window_start))
            return base.where(_after(_key(last)))

        extra = {k: v for k, v in cursor.extra.items() if not k.startswith("full_")}
        best: _Key = (cursor.modified_at, cursor.last_id)
        seen: set[str] = set()
        last = Cursor(cursor.modified_at, cursor.last_id, extra)
        history = partial(self._pages, include_deleted=False)
        for rows in self._pages(query, include_deleted=True):
            fresh = [row for row in rows if _first_time(seen, str(row["Id"]))]
            best = max([best, *(_key(row) for row in fresh)])
            last = Cursor(best[0], best[1], extra)
            batch = attach_by_ids(history, self._batch(mapper, fresh, started_at))
            yield replace(batch, cursor=last)
        floor = started_at - self.settings.lookback
        if floor > last.modified_at:
            last = Cursor(floor, "", extra)
            yield PullBatch(mapper.object_type, cursor=last)
        if mapper.spec is LEADS:
            self.links.covered(window_start, started_at)

    def _pages(
        self, query: Callable[[Row | None], Soql], *, include_deleted: bool
    ) -> Iterator[list[dict[str, Any]]]:
        """The pages of ``query(None)``; after an expired locator, of ``query(last row)``."""
        last: Row | None = None
        for attempt in range(MAX_RESTARTS + 1):
            try:
                for page in self.client.query(query(last), include_deleted=include_deleted):
                    last = page[-1] if page else last
                    yield page
            except QueryLocatorExpired:
                if attempt == MAX_RESTARTS:
                    raise
                logger.warning("query locator expired (§3); restarting after the last row")
            else:
                return

    def _batch(self, mapper: RecordMapper, rows: Sequence[Row], started_at: datetime) -> PullBatch:
        deals = mapper.object_type is ObjectType.DEAL
        if mapper.spec is LEADS:
            self.links.observe(rows)
        elif deals and rows:
            self.links.catch_up(self.client, started_at, self.settings.lookback)
        people: list[Person] = []
        found: list[Deal] = []
        deleted: list[str] = []
        merges: list[Merge] = []
        for row in rows:
            record_id, survivor = str(row["Id"]), _survivor(row)
            if survivor is not None:
                # A live row with a survivor is a converted Lead: it lives on as a Contact (§14).
                kind = None if row.get("IsDeleted") else ObjectType.CONTACT
                merges.append(Merge(record_id, survivor, kind))
            elif row.get("IsDeleted"):
                deleted.append(record_id)
            elif deals:
                found.append(mapper.deal(row, self.links.people(record_id)))
            else:
                people.append(mapper.person(row))
        return PullBatch(
            mapper.object_type, tuple(people), tuple(found), tuple(deleted), tuple(merges)
        )


def _survivor(row: Row) -> str | None:
    """Who replaced this row: the merge winner (§14 ``MasterRecordId``) or, for a converted
    Lead, its Contact (§14: ``ConvertedContactId``; the Lead is read-only from then on)."""
    if row.get("IsDeleted"):
        master = row.get("MasterRecordId")
        return str(master) if master else None
    contact = row.get("ConvertedContactId") if row.get("IsConverted") else None
    return str(contact) if contact else None


def _resume(cursor: Cursor | None, started_at: datetime) -> _Full:
    """Where a full pull starts: the beginning, or after the last stored batch."""
    if cursor is None:
        return _Full("", started_at, False)
    extra = cursor.extra
    after = extra.get(FULL_AFTER, "")
    try:
        started = datetime.fromisoformat(extra[FULL_STARTED])
        require_aware(started, FULL_STARTED)
    except (KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"the stored Salesforce cursor is unreadable ({dict(extra)!r}): reset it for a full "
            "pull"
        ) from exc
    if after and not _ID.match(after):
        raise ConfigurationError(
            f"the stored Salesforce cursor names no record id ({after!r}): reset it"
        )
    return _Full(after, started, extra.get(FULL_RECONCILE) == "true")


def _key(row: Row) -> _Key:
    stamp = row.get("SystemModstamp")
    return (parse_datetime(stamp) if isinstance(stamp, str) else EPOCH, str(row["Id"]))


def _after(key: _Key) -> Condition:
    """Rows after ``key`` in ``ORDER BY SystemModstamp, Id`` order (ties broken by Id, §14)."""
    stamp, record_id = key
    return or_(gt("SystemModstamp", stamp), and_(eq("SystemModstamp", stamp), gt("Id", record_id)))


def _first_time(seen: set[str], record_id: str) -> bool:
    if record_id in seen:
        return False
    seen.add(record_id)
    return True
