"""``POST /crm/v3/objects/{type}/search`` semantics (fact sheet §4, §14, §19.3, §19.5).

Caps: 5 filter groups, 6 filters per group, 18 in total; one sort; limit <= 200; body <= 3,000
chars; paging past 10,000 results gives 400. Filters in a group are ANDed, groups ORed. Comparisons
are case-insensitive except on enumerations. ``IN``/``NOT_IN`` on strings compare the lowercased
stored value with the values as sent, so values must be sent lowercase (§4). Archived records never
match.

Filters and sorts on the modified-date property are answered from the store's sorted index, so an
incremental-sync window (``GTE``/``LTE`` on it, sorted ascending) costs two bisects per page.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import validation
from .objects import ObjectSpec, ObjectType
from .portal import Portal
from .records import Record
from .render import projection
from .search_filters import FAR, Getter, Predicate, compile_group, defined, getter, text_predicate

MAX_GROUPS, MAX_GROUP_FILTERS, MAX_FILTERS = 5, 6, 18
MAX_LIMIT, DEFAULT_LIMIT, MAX_BODY_CHARS = 200, 10, 3000


@dataclass(frozen=True, slots=True)
class Query:
    """A validated search request, compiled to predicates."""

    groups: tuple[tuple[Predicate, ...], ...]
    bounds: tuple[int, int] | None
    bounds_exact: bool
    sort: Getter | None
    sort_name: str | None
    descending: bool
    names: list[str]
    limit: int
    after: int


def parse(portal: Portal, obj: ObjectType, raw: bytes) -> Query:
    """Validate and compile a search body.

    Raises:
        HubSpotError: 400 ``VALIDATION_ERROR`` for any cap or malformed part.
    """
    text = raw.decode("utf-8") if raw else "{}"
    if len(text) > MAX_BODY_CHARS:
        raise validation(f"Search request body exceeds {MAX_BODY_CHARS} characters.")
    try:
        body = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise validation(f"Invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise validation("The search body must be a JSON object.")
    spec = portal.stores[obj].spec
    groups_raw = body.get("filterGroups") or []
    if len(groups_raw) > MAX_GROUPS:
        raise validation(
            f"Too many filter groups ({len(groups_raw)}); the maximum is {MAX_GROUPS}."
        )
    groups: list[tuple[Predicate, ...]] = []
    ranges: list[tuple[int, int] | None] = []
    exact = len(groups_raw) == 1
    total = 0
    for group in groups_raw:
        filters = group.get("filters") or [] if isinstance(group, dict) else []
        total += len(filters)
        if len(filters) > MAX_GROUP_FILTERS:
            raise validation(
                f"Too many filters in a group ({len(filters)}); the maximum is {MAX_GROUP_FILTERS}."
            )
        predicates, bound, all_ranges = compile_group(portal, obj, spec, filters)
        groups.append(predicates)
        ranges.append(bound)
        exact = exact and all_ranges
    if total > MAX_FILTERS:
        raise validation(f"Too many filters ({total}); the maximum is {MAX_FILTERS}.")
    bounds = None
    if ranges and all(r is not None for r in ranges):
        bounds = (min(r[0] for r in ranges if r), max(r[1] for r in ranges if r))
    sort, sort_name, descending = _sort(portal, obj, spec, body.get("sorts") or [])
    query_text = body.get("query")
    if isinstance(query_text, str) and query_text.strip():
        groups = [(*g, text_predicate(spec, query_text)) for g in groups] or [
            (text_predicate(spec, query_text),)
        ]
        exact = False
    return Query(
        groups=tuple(groups),
        bounds=bounds,
        bounds_exact=exact,
        sort=sort,
        sort_name=sort_name,
        descending=descending,
        names=projection(
            portal.registries[obj], _names(body.get("properties")), spec.default_properties
        ),
        limit=_int(body.get("limit", DEFAULT_LIMIT), "limit", 0, MAX_LIMIT),
        after=_int(body.get("after", 0) or 0, "after", 0, FAR),
    )


def execute(
    portal: Portal, obj: ObjectType, query: Query, visible_until: int
) -> tuple[int, list[Record], int | None]:
    """Run a query: ``(total, page, next after)``; hides records modified after ``visible_until``.

    Raises:
        HubSpotError: 400 when ``after`` pages past the result cap (§4).
    """
    cap = portal.behaviour.search_results_cap
    if query.after >= cap:
        raise validation(f"Paging past {cap} results is not supported; narrow the search instead.")
    store = portal.stores[obj]
    modified = store.spec.modified_property
    on_index = query.sort_name == modified
    matches: Sequence[Record]
    if query.bounds is not None or on_index:
        lo, hi = query.bounds or (-FAR, FAR)
        start = bisect.bisect_left(store.modified, (lo, -1))
        stop = bisect.bisect_right(store.modified, (min(hi, visible_until), FAR))
        window = store.modified[start:stop]
        if query.descending and on_index:
            window.reverse()
        if query.bounds_exact and on_index:
            end = min(query.after + query.limit, cap, len(window))
            page = [store.records[rid] for _, rid in window[query.after : end]]
            return len(window), page, end if end < len(window) else None
        candidates = [store.records[rid] for _, rid in window]
        matches = _filter(candidates, query.groups)
    else:
        live = (r for r in store.iter_live() if r.updated_ms <= visible_until)
        matches = _filter(live, query.groups)
    if not on_index:
        matches = _order(matches, query, store.created_monotonic and query.bounds is None)
    end = min(query.after + query.limit, cap, len(matches))
    page = list(matches[query.after : end])
    return len(matches), page, end if end < len(matches) else None


def _filter(records: Any, groups: tuple[tuple[Predicate, ...], ...]) -> list[Record]:
    if not groups:
        return list(records)
    return [r for r in records if any(all(p(r) for p in group) for group in groups)]


def _order(matches: list[Record], query: Query, in_created_order: bool) -> list[Record]:
    """Default: oldest created first (§4); else the one sort, missing values last, ties by id."""
    if query.sort is None:
        return matches if in_created_order else sorted(matches, key=lambda r: (r.created_ms, r.id))
    getter = query.sort
    present = sorted((r for r in matches if getter(r) is not None), key=lambda r: r.id)
    present.sort(key=getter, reverse=query.descending)
    return present + [r for r in matches if getter(r) is None]


def _names(raw: object) -> list[str] | None:
    if isinstance(raw, str):
        return [part for part in raw.split(",") if part]
    if isinstance(raw, list):
        return [str(part) for part in raw]
    return None


def _int(raw: object, name: str, low: int, high: int) -> int:
    try:
        value = int(str(raw))
    except ValueError as exc:
        raise validation(f"{name!r} must be an integer, got {raw!r}.") from exc
    if not low <= value <= high:
        raise validation(f"{name!r} must be between {low} and {high}, got {value}.")
    return value


def _sort(
    portal: Portal, obj: ObjectType, spec: ObjectSpec, sorts: list[Any]
) -> tuple[Getter | None, str | None, bool]:
    if len(sorts) > 1:
        raise validation("Only one sort is supported.")
    if not sorts:
        return None, None, False
    item = sorts[0]
    if isinstance(item, str):
        name, descending = item.lstrip("-"), item.startswith("-")
    elif isinstance(item, dict) and isinstance(item.get("propertyName"), str):
        name = item["propertyName"]
        descending = str(item.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        raise validation(f"Invalid sort {item!r}.")
    return getter(defined(portal, obj, name), spec), name, descending
