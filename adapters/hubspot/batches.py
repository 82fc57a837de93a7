"""Batch calls to HubSpot objects: read, create, update, search, association read.

The limits (hubspot-api.md §3, §4, §9): batch read/create/update on ``/crm/v3/objects/{type}``
take at most 100 inputs (50 with property history), search pages hold at most 200 records and a
body of at most 3,000 characters, the v4 association batch read takes at most 1,000 inputs. Every
call goes through ``HubSpotClient``, which owns the budget, retries, timeouts and error mapping;
``once=True`` makes a single attempt for callers that must look before they retry (creates).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

from adapters.base.errors import NotFoundError
from adapters.hubspot.client import API, SEARCH, HubSpotClient
from rules.model import ObjectType

BATCH_MAX: Final = 100  # §3
HISTORY_BATCH_MAX: Final = 50  # §3: with propertiesWithHistory
ASSOCIATION_BATCH_MAX: Final = 1_000  # §9, since 2025-02-10
SEARCH_PAGE_MAX: Final = 200  # §4

RECORD_OBJECTS: Final[Mapping[ObjectType, str]] = {
    ObjectType.CONTACT: "contacts",
    ObjectType.DEAL: "deals",
}
"""HubSpot object types of the records we write to; HubSpot has no lead object (leads are
contacts), so a lead action is rejected without a call."""
TASKS: Final = "tasks"

JsonDict = dict[str, Any]
T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(values: Iterable[str]) -> list[str]:
    """``values`` without repeats, in first-seen order."""
    return list(dict.fromkeys(values))


def batch_call(
    client: HubSpotClient, op: str, object_type: str, body: JsonDict, *, once: bool = False
) -> tuple[int, JsonDict]:
    """``POST /crm/v3/objects/{object_type}/batch/{op}``; ``(status, body)`` so 207 is data.

    Args:
        client: The HubSpot client.
        op: ``read``, ``create`` or ``update``.
        object_type: ``contacts``, ``deals`` or ``tasks``.
        body: The request body.
        once: One attempt, without the retry policy: for creates, whose caller looks the keys up
            before it tries again (``adapters.base.retry``: never retry a create blindly).
    """
    method = getattr(client.api("crm.objects.batch_api"), op)
    label = f"{object_type}.batch_{op}"

    def call(timeout: Any) -> Any:
        return method(object_type, body, _preload_content=False, _request_timeout=timeout)

    if once:
        return client.call_once(API, call, label=label)
    return client.call(API, call, label=label, want_status=True)


def read_objects(
    client: HubSpotClient,
    object_type: str,
    ids: Iterable[str],
    properties: Sequence[str],
    *,
    history: Sequence[str] = (),
    once: bool = False,
) -> list[JsonDict]:
    """Batch-read records by id; ids that are gone are left out (a 207 ``OBJECT_NOT_FOUND``)."""
    size = HISTORY_BATCH_MAX if history else BATCH_MAX
    found: list[JsonDict] = []
    for chunk in chunked(unique(ids), size):
        body: JsonDict = {"inputs": [{"id": i} for i in chunk], "properties": list(properties)}
        if history:
            body["propertiesWithHistory"] = list(history)
        try:
            _, data = batch_call(client, "read", object_type, body, once=once)
        except NotFoundError:  # every id of the chunk is gone
            continue
        found.extend(item for item in data.get("results") or () if isinstance(item, dict))
    return found


def associated_ids(
    client: HubSpotClient,
    from_type: str,
    to_type: str,
    ids: Iterable[str],
    *,
    once: bool = False,
) -> dict[str, list[str]]:
    """Ids associated with each record (v4 batch read, §9), following per-input paging.

    Associations are read from the records themselves, not from the search index, so a task
    created a moment ago is already there (search shows it only after the index lag, §4).
    """
    api = client.api("crm.associations.v4.batch_api")
    label = f"associations.{from_type}_{to_type}.batch_read"
    linked: dict[str, list[str]] = {}
    inputs: list[JsonDict] = [{"id": i} for i in unique(ids)]
    while inputs:
        follow: list[JsonDict] = []
        for chunk in chunked(inputs, ASSOCIATION_BATCH_MAX):
            body = {"inputs": list(chunk)}

            def call(timeout: Any, body: JsonDict = body) -> Any:
                return api.get_page(
                    from_type, to_type, body, _preload_content=False, _request_timeout=timeout
                )

            data = (
                client.call_once(API, call, label=label)[1]
                if once
                else client.call(API, call, label=label)
            )
            follow.extend(_collect_links(data, linked))
        inputs = follow
    return {key: unique(values) for key, values in linked.items()}


def _collect_links(data: JsonDict, linked: dict[str, list[str]]) -> list[JsonDict]:
    follow: list[JsonDict] = []
    for result in data.get("results") or ():
        source = str((result.get("from") or {}).get("id", ""))
        targets = linked.setdefault(source, [])
        targets.extend(str(to.get("toObjectId")) for to in result.get("to") or ())
        after = ((result.get("paging") or {}).get("next") or {}).get("after")
        if after:
            follow.append({"id": source, "after": str(after)})
    return follow


def search(
    client: HubSpotClient,
    object_type: str,
    filters: Sequence[JsonDict],
    properties: Sequence[str],
) -> list[JsonDict]:
    """Every record matching one AND-group of filters, lowest id first, 200 per page (§4)."""
    api = client.api("crm.objects.search_api")
    label = f"{object_type}.search"
    found: list[JsonDict] = []
    after: str | None = None
    while True:
        body = search_body(filters, properties, after)

        def call(timeout: Any, body: JsonDict = body) -> Any:
            return api.do_search(
                object_type, body, _preload_content=False, _request_timeout=timeout
            )

        data = client.call(SEARCH, call, label=label)
        found.extend(item for item in data.get("results") or () if isinstance(item, dict))
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return found


def search_body(
    filters: Sequence[JsonDict], properties: Sequence[str], after: str | None = None
) -> JsonDict:
    """A search request: one filter group, sorted by id so duplicates come lowest id first."""
    body: JsonDict = {
        "filterGroups": [{"filters": list(filters)}],
        "properties": list(properties),
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": SEARCH_PAGE_MAX,
    }
    if after is not None:
        body["after"] = after
    return body


def body_length(body: JsonDict) -> int:
    """Characters of ``body`` as the SDK serialises it (``json.dumps`` with default separators);
    HubSpot refuses a search body over 3,000 characters (§4)."""
    return len(json.dumps(body))
