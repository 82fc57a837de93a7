"""Full and incremental pulls of contacts and deals (hubspot-api.md §2, §4, §9, §11, §14).

Each pull first reads the object type's property definitions (one call) to type the values, then:

* **Full** (no cursor): the list endpoint, 100 records per call, ``after``-paged by id (§2, §14
  step 6: no 10,000 cap, one call per 100 records). Deals carry their contacts inline
  (``associations=contacts``).
* **Incremental**: the search window ``modified GTE cursor - lookback AND LTE started_at``,
  keyset-paged (:mod:`.search_pages`), deduplicated by id. Search cannot return associations, so
  each page of deals costs one v4 batch read of their contacts (§9, <= 1,000 inputs).
* **Archived pass** (after an incremental pull, every ``archived_every``): archived records never
  reach search and do not bump the modified date (§11), so ``archived=true`` is listed (ids only)
  and every id is reported in ``deleted_ids``; the store treats repeats as no-ops.
* **Merges**: a record whose ``hs_merged_object_ids`` lists ids yields one ``Merge`` per id (§11).

Cursor semantics (what a stored batch cursor promises):

* Incremental batches carry ``(t, id)``, the newest ``(modified, id)`` delivered so far, never
  before the incoming cursor and never past ``started_at`` (the window ends there). The next pull
  re-reads from ``t - lookback`` (index lag, §14) and relies on dedupe, so the id part orders ties
  but is never used to skip records. Once the window is complete, a last batch moves the cursor to
  ``max(t, started_at - lookback)``: the next window then starts two lookbacks before this start,
  which covers index lag and a clock skew of up to one lookback.
* A full pull is resumable: its intermediate batches carry ``modified_at`` = 1970 with the next
  page token and the pull's own start in ``extra`` (``full_*`` keys), so a restart continues from
  the last stored page. The last batch carries ``(started_at of the full pull, "")``: the list
  reads records, not the search index, so it has no index lag, and every record modified before
  the pull started is listed in that state or a later one. (``min(newest seen, started_at)`` would
  be as safe but, in a quiet portal, would make the first incremental re-read the lookback before
  the newest record, however old.) It also sets ``archived_checked_at``: a first full pull has
  nothing to delete, and each archived pass reports every archived id anyway. Its batches carry a
  :class:`~adapters.base.protocol.Sweep`, so a full pull after a reset cursor also lets the store
  drop records it holds that the list no longer has.
* ``extra["archived_checked_at"]`` (ISO-8601) is set by the last batch of an archived pass.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

from adapters.base.errors import ConfigurationError
from adapters.base.protocol import Cursor, Merge, PullBatch, Sweep
from adapters.hubspot.batches import associated_ids
from adapters.hubspot.client import API, HubSpotClient, Timeout
from adapters.hubspot.mapping import EPOCH, SPECS, RecordMapper, merged_ids, parse_datetime, to_ms
from adapters.hubspot.paging import list_pages
from adapters.hubspot.search_pages import BODY_LIMIT, Window, changed_pages, search_request
from adapters.hubspot.settings import HubSpotSettings
from rules.model import Deal, ObjectType, Person, require_aware

logger = logging.getLogger("smarketing.hubspot.pull")

LIST_PAGE: Final = 100  # §2: list maximum
URL_LIMIT: Final = 2_000  # §2: longer property lists get 414
ARCHIVED_AT: Final = "archived_checked_at"
FULL_AFTER, FULL_STARTED = "full_after", "full_started_at"

_Key = tuple[datetime, int]
DEFINITIONS_TTL = 3600.0
"""Seconds property definitions are reused; a new property or type change shows within an hour."""
_Incremental = Generator[PullBatch, None, Cursor]


class Puller:
    """Pulls contacts and deals for :class:`~adapters.hubspot.adapter.HubSpotAdapter`.

    Args:
        client: The account's client.
        settings: Properties, lookback and archived-pass period.
    """

    def __init__(self, client: HubSpotClient, settings: HubSpotSettings) -> None:
        self.client, self.settings = client, settings
        self._definitions: dict[ObjectType, tuple[float, list[dict[str, Any]]]] = {}

    def pull(
        self, object_type: ObjectType, cursor: Cursor | None, started_at: datetime
    ) -> Iterator[PullBatch]:
        """Yield one batch per page; see the module docstring for what their cursors promise.

        Raises:
            ValueError: ``object_type`` is neither ``CONTACT`` nor ``DEAL``, or ``started_at`` is
                naive.
            ConfigurationError: The property lists do not fit in a request, or a cursor's
                ``extra`` is unreadable.
        """
        if object_type not in SPECS:
            raise ValueError(f"HubSpot pulls contacts and deals, not {object_type!r}")
        require_aware(started_at, "started_at")
        mapper = RecordMapper(object_type, self.settings, self.definitions(object_type))
        self._check_sizes(mapper)
        if cursor is None or FULL_AFTER in cursor.extra:
            yield from self._full(mapper, cursor, started_at)
        else:
            last = yield from self._incremental(mapper, cursor, started_at)
            yield from self._archived(mapper, last, started_at)
        if mapper.unparsable:  # failure-modes R9: kept as text, and said so
            logger.warning(
                "%s: kept values that did not parse as their property type: %s",
                mapper.spec.path,
                dict(mapper.unparsable),
            )

    def definitions(self, object_type: ObjectType) -> list[dict[str, Any]]:
        """The property definitions of ``object_type`` (§5): one call, then cached for
        ``DEFINITIONS_TTL`` seconds, so a quiet cycle costs only its searches."""
        cached = self._definitions.get(object_type)
        if cached is not None and self.settings.monotonic() - cached[0] < DEFINITIONS_TTL:
            return cached[1]
        results = self._read_definitions(object_type)
        self._definitions[object_type] = (self.settings.monotonic(), results)
        return results

    def _read_definitions(self, object_type: ObjectType) -> list[dict[str, Any]]:
        path = SPECS[object_type].path
        api = self.client.api("crm.properties.core_api")
        call = functools.partial(_definitions, api, path)
        results: list[dict[str, Any]] = self.client.call(API, call, label=f"{path}.properties").get(
            "results", []
        )
        return results

    def _full(
        self, mapper: RecordMapper, cursor: Cursor | None, started_at: datetime
    ) -> Iterator[PullBatch]:
        extra = dict(cursor.extra) if cursor is not None else {}
        start, started = _resume(extra, started_at)
        carry = {k: v for k, v in extra.items() if not k.startswith("full_")}
        fetch = self._lister(mapper, archived=False)
        for page in list_pages(self.client, f"{mapper.spec.path}.list", fetch, start=start):
            batch, _ = self._batch(mapper, page.results, None)
            # The list ends with the page that has no `after`: the sweep is done (Sweep).
            sweep = Sweep(started, done=page.after is None)
            yield replace(batch, cursor=_full_cursor(page.after, started, carry), sweep=sweep)

    def _incremental(
        self, mapper: RecordMapper, cursor: Cursor, started_at: datetime
    ) -> _Incremental:
        if cursor.modified_at > started_at:
            # failure-modes F10: a cursor from the future; nothing can be newer, keep it.
            logger.warning(
                "%s cursor %s is after the sync start %s: nothing to pull",
                mapper.spec.path,
                cursor.modified_at.isoformat(),
                started_at.isoformat(),
            )
            yield PullBatch(mapper.object_type, cursor=cursor)
            return cursor
        window = Window(
            mapper.spec.path,
            mapper.spec.modified,
            mapper.properties,
            to_ms(cursor.modified_at - self.settings.lookback),
            to_ms(started_at),
        )
        best: _Key = (cursor.modified_at, _int(cursor.last_id))
        seen: set[str] = set()
        last = cursor
        for results in changed_pages(self.client, window):
            fresh = [r for r in results if _first_time(seen, str(r["id"]))]
            contacts = self._contacts_of(fresh) if mapper.object_type is ObjectType.DEAL else None
            batch, key = self._batch(mapper, fresh, contacts)
            best = max(best, key) if key else best
            last = _cursor(best, cursor.extra)
            yield replace(batch, cursor=last)
        # The window up to started_at is complete: move the cursor up to one lookback before it,
        # so a quiet portal (or many records sharing the newest timestamp, e.g. our own writes)
        # is not re-read every cycle. One lookback of slack keeps a clock skew smaller than the
        # lookback between us and HubSpot harmless (R5: cursors follow server time).
        floor = started_at - self.settings.lookback
        if floor > last.modified_at:
            last = Cursor(floor, "", cursor.extra)
            yield PullBatch(mapper.object_type, cursor=last)
        return last

    def _archived(
        self, mapper: RecordMapper, cursor: Cursor, started_at: datetime
    ) -> Iterator[PullBatch]:
        if not self._archived_due(cursor, started_at):
            return
        fetch = self._lister(mapper, archived=True)
        label = f"{mapper.spec.path}.archived"
        for page in list_pages(self.client, label, fetch):
            done = page.after is None
            final = _with(cursor, {ARCHIVED_AT: started_at.isoformat()}) if done else cursor
            ids = tuple(str(r["id"]) for r in page.results)
            yield PullBatch(mapper.object_type, deleted_ids=ids, cursor=final)

    def _archived_due(self, cursor: Cursor, started_at: datetime) -> bool:
        checked = cursor.extra.get(ARCHIVED_AT)
        try:
            last = parse_datetime(checked) if checked else None
        except ValueError:
            logger.warning(
                "unreadable cursor extra %s=%r: running the archived pass", ARCHIVED_AT, checked
            )
            last = None
        return last is None or started_at - last >= self.settings.archived_every

    def _batch(
        self,
        mapper: RecordMapper,
        results: Sequence[Mapping[str, Any]],
        contacts: Mapping[str, list[str]] | None,
    ) -> tuple[PullBatch, _Key | None]:
        merges = tuple(Merge(loser, str(r["id"])) for r in results for loser in merged_ids(r))
        people: tuple[Person, ...] = ()
        deals: tuple[Deal, ...] = ()
        if mapper.object_type is ObjectType.CONTACT:
            people = tuple(mapper.person(r) for r in results)
            records: Sequence[Person | Deal] = people
        else:
            deals = tuple(
                mapper.deal(r, None if contacts is None else contacts.get(str(r["id"]), []))
                for r in results
            )
            records = deals
        key = max(((r.updated_at or EPOCH, int(r.id)) for r in records), default=None)
        return PullBatch(mapper.object_type, people, deals, merges=merges), key

    def _contacts_of(self, deals: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
        """Contact ids of each deal: search cannot return associations (§4), so one v4 batch
        read per page of deals (§9)."""
        return associated_ids(self.client, "deals", "contacts", [str(d["id"]) for d in deals])

    def _lister(self, mapper: RecordMapper, *, archived: bool) -> functools.partial[Any]:
        api = self.client.api("crm.objects.basic_api")
        names = ("hs_object_id",) if archived else mapper.properties
        links = ("contacts",) if mapper.object_type is ObjectType.DEAL and not archived else ()
        query = _ListQuery(mapper.spec.path, ",".join(names), links, archived)
        return functools.partial(_list, api, query)

    def _check_sizes(self, mapper: RecordMapper) -> None:
        """Refuse property lists that HubSpot would refuse (414 or a 400 on the search body)."""
        query = {"limit": LIST_PAGE, "after": "9" * 12, "properties": ",".join(mapper.properties)}
        query |= {"associations": "contacts", "archived": "false"}
        url = f"{self.settings.base_url}/crm/v3/objects/{mapper.spec.path}?{urlencode(query)}"
        body = json.dumps(search_request(Window("", mapper.spec.modified, mapper.properties, 0, 0)))
        problems = [
            f"{what} would be {size:,} characters (HubSpot's limit is about {limit:,}, §{section})"
            for what, size, limit, section in (
                ("the list URL", len(url), URL_LIMIT, 2),
                ("the search body", len(body) + 30, BODY_LIMIT, 4),  # 30: 13-digit bounds
            )
            if size > limit
        ]
        if problems:
            key = (
                "person_properties"
                if mapper.object_type is ObjectType.CONTACT
                else "deal_properties"
            )
            raise ConfigurationError(
                f"crm.hubspot.{key}: {len(mapper.properties)} {mapper.spec.path} properties are "
                f"too many: {'; '.join(problems)}. Remove some from crm.hubspot.{key}"
            )


def _resume(extra: Mapping[str, str], started_at: datetime) -> tuple[str | None, datetime]:
    """The page token and the start of a full pull being resumed (``None``: a new one)."""
    if FULL_AFTER not in extra:
        return None, started_at
    try:
        return extra[FULL_AFTER], parse_datetime(extra[FULL_STARTED])
    except (KeyError, ValueError) as exc:
        raise ConfigurationError(
            f"the stored HubSpot cursor is unreadable ({dict(extra)!r}): reset it for a full pull"
        ) from exc


def _full_cursor(after: str | None, started: datetime, carry: Mapping[str, str]) -> Cursor:
    """Mid-way: 1970 plus how to resume; at the end: the full pull's start."""
    if after is not None:
        return Cursor(EPOCH, "", {**carry, FULL_AFTER: after, FULL_STARTED: started.isoformat()})
    return Cursor(started, "", {**carry, ARCHIVED_AT: started.isoformat()})


def _cursor(key: _Key, extra: Mapping[str, str]) -> Cursor:
    return Cursor(key[0], str(key[1]) if key[1] >= 0 else "", dict(extra))


def _with(cursor: Cursor, extra: Mapping[str, str]) -> Cursor:
    return Cursor(cursor.modified_at, cursor.last_id, {**cursor.extra, **extra})


def _first_time(seen: set[str], record_id: str) -> bool:
    if record_id in seen:
        return False
    seen.add(record_id)
    return True


def _int(text: str) -> int:
    return int(text) if text.isdigit() else -1


def _definitions(api: Any, path: str, timeout: Timeout) -> Any:
    return api.get_all(
        object_type=path, archived=False, _preload_content=False, _request_timeout=timeout
    )


@dataclass(frozen=True, slots=True)
class _ListQuery:
    """The fixed parameters of a list run."""

    path: str
    properties: str
    associations: tuple[str, ...]
    archived: bool


def _list(api: Any, query: _ListQuery, after: str | None, timeout: Timeout) -> Any:
    # One comma-joined value: §2 accepts it, and repeated keys cost 12 URL characters each.
    return api.get_page(
        object_type=query.path,
        limit=LIST_PAGE,
        after=after,
        properties=[query.properties],
        associations=list(query.associations) or None,
        archived=query.archived,
        _preload_content=False,
        _request_timeout=timeout,
    )
