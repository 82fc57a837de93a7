"""Records modified in a time window, from the search API, keyset-paged (hubspot-api.md §4, §14).

Every page is a fresh search anchored on the last ``(modified, id)`` seen, instead of following the
offset-like ``after`` token:

* ``after`` counts positions in a result set that shrinks while we page: a record modified or
  archived mid-pull leaves the window and every later record moves up one place, so the record at
  the page boundary is skipped, and the lookback cannot recover it once the cursor has moved past
  it. An anchor does not move.
* ``after`` stops at 10,000 results (§4); an anchored search always asks for ``after`` 0, so the cap
  is never reached.

The window is ``modified GTE anchor AND LTE upper``, sorted ascending on the modified property (§14
step 1). ``GTE`` rather than ``GT`` because HubSpot's order among equal timestamps is unknown, so a
record sharing the last timestamp may still be to come; the ids already delivered at that
timestamp are excluded with ``hs_object_id NOT_IN`` (up to :data:`MAX_SKIP`, within the body cap),
so a page holds 200 new records. When more records than that share one timestamp (bulk updates
give tens of thousands one timestamp, §14), a tie pass pages through it with ``modified EQ t AND
hs_object_id GT last_id`` sorted by ``hs_object_id`` (§14 step 3), then the window resumes with
``GT t``. Duplicates can only come from that switch; the caller deduplicates by id.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from adapters.hubspot.client import SEARCH, HubSpotClient, Timeout
from adapters.hubspot.mapping import parse_datetime, to_ms
from adapters.hubspot.paging import Pager, next_after

SEARCH_PAGE: Final = 200  # §4: the search maximum
MAX_SKIP: Final = 100  # ids excluded with NOT_IN at the anchor's timestamp
BODY_LIMIT: Final = 3_000  # §4: longer search bodies get 400
_ID: Final = "hs_object_id"
_ID_ROOM: Final = len('"1234567890123", ')  # one excluded id in the JSON body
_NOT_IN: Final = {"propertyName": _ID, "operator": "NOT_IN", "values": []}


@dataclass(frozen=True, slots=True)
class Window:
    """What to search: an object type's records with ``lower_ms <= modified <= upper_ms``.

    Attributes:
        path: ``contacts`` or ``deals``.
        modified: ``lastmodifieddate`` (contacts) or ``hs_lastmodifieddate`` (§14).
        properties: The properties each record carries.
        lower_ms: The lower bound, epoch ms, inclusive.
        upper_ms: The upper bound, epoch ms, inclusive (the sync start, §14).
    """

    path: str
    modified: str
    properties: tuple[str, ...]
    lower_ms: int
    upper_ms: int


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Where the next page starts: ``op`` (GTE/GT) ``at`` except the ids in ``skip``, or a tie
    pass at ``at`` after id ``tie``."""

    op: str
    at: int
    tie: int | None = None
    skip: tuple[int, ...] = ()


def search_request(window: Window, anchor: _Anchor | None = None) -> dict[str, Any]:
    """The search body for one page (also used to check the 3,000-character cap, §4)."""
    anchor = anchor or _Anchor("GTE", window.lower_ms)
    filters: list[dict[str, object]]
    if anchor.tie is None:
        filters = [
            {"propertyName": window.modified, "operator": anchor.op, "value": str(anchor.at)},
            {"propertyName": window.modified, "operator": "LTE", "value": str(window.upper_ms)},
        ]
        if anchor.skip:
            values = [str(i) for i in anchor.skip]
            filters.append({"propertyName": _ID, "operator": "NOT_IN", "values": values})
        sort = window.modified
    else:
        filters = [
            {"propertyName": window.modified, "operator": "EQ", "value": str(anchor.at)},
            {"propertyName": _ID, "operator": "GT", "value": str(anchor.tie)},
        ]
        sort = _ID
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": list(window.properties),
        "limit": SEARCH_PAGE,
    }


def changed_pages(client: HubSpotClient, window: Window) -> Iterator[list[dict[str, Any]]]:
    """Every record in ``window``, page by page, in ascending order of the modified date.

    A record may come twice (when a tie pass starts); the caller deduplicates by id.

    Args:
        client: Makes the calls on the ``search`` lane (5/s, §4).
        window: What to search.

    Yields:
        The raw results of each page; at least one (possibly empty) page.

    Raises:
        ServerError: HubSpot returned a page that would repeat an anchor (a loop).
    """
    if window.lower_ms > window.upper_ms:
        yield []
        return
    api, label = client.api("crm.objects.search_api"), f"{window.path}.search"
    pager, anchor = Pager(label), _Anchor("GTE", window.lower_ms)
    room = BODY_LIMIT - len(json.dumps(search_request(window))) - len(json.dumps(_NOT_IN)) - 2
    max_skip = max(0, min(MAX_SKIP, room // _ID_ROOM))
    while True:
        call = functools.partial(_search, api, window.path, search_request(window, anchor))
        body = client.call(SEARCH, call, label=label)
        results: list[dict[str, Any]] = body.get("results") or []
        yield results
        more = next_after(body) is not None
        following = _following(window, anchor, results, more=more, max_skip=max_skip)
        if following is None:
            return
        pager.check(following)
        anchor = following


def _following(
    window: Window, anchor: _Anchor, results: list[dict[str, Any]], *, more: bool, max_skip: int
) -> _Anchor | None:
    """The anchor of the next page, or ``None`` when the window is exhausted."""
    if not more or not results:
        if anchor.tie is None or anchor.at >= window.upper_ms:
            return None
        return _Anchor("GT", anchor.at)  # every record at the tie's timestamp is delivered
    keys = [_key(record, window.modified) for record in results]
    last_ms, last_id = keys[-1]
    if anchor.tie is not None:
        return _Anchor("EQ", anchor.at, last_id)
    at_last = tuple(record_id for ms, record_id in keys if ms == last_ms)
    skip = (anchor.skip if last_ms == anchor.at else ()) + at_last
    if len(skip) <= max_skip:
        return _Anchor("GTE", last_ms, skip=skip)
    if last_ms == anchor.at:
        return _Anchor("EQ", anchor.at, 0)  # too many at one timestamp: the tie pass
    return _Anchor("GTE", last_ms)


def _key(record: dict[str, Any], modified: str) -> tuple[int, int]:
    text = (record.get("properties") or {}).get(modified) or record.get("updatedAt") or ""
    return to_ms(parse_datetime(text)), int(record["id"])


def _search(api: Any, path: str, body: dict[str, Any], timeout: Timeout) -> Any:
    return api.do_search(
        object_type=path,
        public_object_search_request=body,
        _preload_content=False,
        _request_timeout=timeout,
    )
