"""Batch endpoints ``/crm/v3/objects/{type}/batch/{op}`` (fact sheet §3).

At most 100 inputs (50 for a read with history). Per-input failures give 207 with one error each,
echoing the input's ``objectWriteTraceId``; when every input fails for the same kind of reason the
batch fails as a whole with that error. An injected ``PARTIAL_BATCH`` fault fails a seeded subset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Category, HubSpotError, JsonDict, validation
from ..http import Ctx, Reply
from ..options import FaultKind
from ..records import Record
from ..render import projection, record_json
from ..timefmt import iso_ms
from ..writes import archive, create, find, parse_associations, update, upsert
from .objects import written

BATCH_MAX, HISTORY_BATCH_MAX = 100, 50


def _inputs(body: Any, limit: int = BATCH_MAX, history: bool = False) -> list[Any]:
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list):
        raise validation("'inputs' is required and must be a list.")
    if history and len(inputs) > limit:
        raise validation(
            "The maximum number of inputs supported in a batch request for property histories "
            f"is {limit}"
        )
    if len(inputs) > limit:
        raise validation(f"Batch input size {len(inputs)} exceeds the limit of {limit} inputs.")
    return inputs


def _envelope(ctx: Ctx, results: list[JsonDict], errors: list[JsonDict], ok: int) -> Reply:
    now = iso_ms(ctx.portal.now_ms())
    body: JsonDict = {
        "status": "COMPLETE",
        "results": results,
        "requestedAt": now,
        "startedAt": now,
        "completedAt": now,
        "links": {},
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
    return Reply(207 if errors else ok, body)


def _each(ctx: Ctx, inputs: list[Any], ok: int, act: Callable[[Any], JsonDict | None]) -> Reply:
    """Run ``act`` per input, collecting results and per-input errors."""
    failing = (
        ctx.runtime.faults.failing_inputs(len(inputs))
        if ctx.fault is FaultKind.PARTIAL_BATCH and inputs
        else set()
    )
    results: list[JsonDict] = []
    errors: list[JsonDict] = []
    failures: list[HubSpotError] = []
    for index, item in enumerate(inputs):
        trace = item.get("objectWriteTraceId") if isinstance(item, dict) else None
        context = {"objectWriteTraceId": [str(trace)]} if trace is not None else {}
        try:
            if index in failing:
                raise ctx.runtime.faults.partial_error()
            result = act(item)
        except HubSpotError as exc:
            failures.append(exc)
            errors.append(exc.batch_item(context))
            continue
        if result is not None:
            results.append(result)
    if failures and not results and not failing and len({f.status for f in failures}) == 1:
        raise failures[0]
    return _envelope(ctx, results, errors, ok)


def _item(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise validation(f"Invalid batch input {item!r}.")
    return item


def _unique_ids(inputs: list[Any]) -> None:
    ids = [str(_item(item).get("id")) for item in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation(f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique")


def batch_read(ctx: Ctx) -> Reply:
    """Batch read; missing ids are reported in one ``OBJECT_NOT_FOUND`` error (207)."""
    obj, body = ctx.types[0], ctx.json()
    history = body.get("propertiesWithHistory") or []
    inputs = _inputs(body, HISTORY_BATCH_MAX if history else BATCH_MAX, history=bool(history))
    registry, spec = ctx.portal.registries[obj], ctx.portal.stores[obj].spec
    names = projection(registry, body.get("properties") or None, spec.default_properties)
    history_names = projection(registry, history, ()) if history else []
    found: list[JsonDict] = []
    missing: list[str] = []
    for item in inputs:
        id_text = str(_item(item).get("id"))
        try:
            record = find(ctx.portal, obj, id_text, body.get("idProperty"))
        except HubSpotError as exc:
            if exc.status != 404:
                raise
            missing.append(id_text)
            continue
        found.append(record_json(record, names, history_names))
    errors: list[JsonDict] = []
    if missing:
        label = spec.singular.upper()
        error = HubSpotError(
            404,
            Category.OBJECT_NOT_FOUND,
            f"Could not get some {label} objects, they may be deleted or not exist. "
            "Check that ids are valid.",
            context={"ids": missing},
        )
        errors.append(error.batch_item())
    return _envelope(ctx, found, errors, 200)


def batch_create(ctx: Ctx) -> Reply:
    """Batch create (201, or 207 with errors echoing ``objectWriteTraceId``)."""
    obj = ctx.types[0]

    def act(item: Any) -> JsonDict:
        item = _item(item)
        links = parse_associations(ctx.portal, obj, item.get("associations"))
        record = create(ctx.portal, obj, item.get("properties") or {}, links)
        return written(record, _trace(item))

    return _each(ctx, _inputs(ctx.json()), 201, act)


def batch_update(ctx: Ctx) -> Reply:
    """Batch update (200 or 207; never 204, §3)."""
    obj, inputs = ctx.types[0], _inputs(ctx.json())
    _unique_ids(inputs)

    def act(item: Any) -> JsonDict:
        item = _item(item)
        record = find(ctx.portal, obj, str(item.get("id")), item.get("idProperty"))
        return written(update(ctx.portal, obj, record, item.get("properties") or {}), _trace(item))

    return _each(ctx, inputs, 200, act)


def batch_upsert(ctx: Ctx) -> Reply:
    """Batch upsert on a unique property; each result carries ``new`` (§3)."""
    obj, inputs = ctx.types[0], _inputs(ctx.json())
    _unique_ids(inputs)

    def act(item: Any) -> JsonDict:
        item = _item(item)
        record, new = upsert(
            ctx.portal,
            obj,
            str(item.get("id")),
            item.get("idProperty"),
            item.get("properties") or {},
        )
        return written(record, _trace(item)) | {"new": new}

    return _each(ctx, inputs, 200, act)


def batch_archive(ctx: Ctx) -> Reply:
    """Batch archive: 204; unknown ids are ignored like single archives of archived records."""
    obj = ctx.types[0]

    def act(item: Any) -> None:
        id_text = str(_item(item).get("id"))
        record: Record | None = (
            ctx.portal.stores[obj].live(int(id_text)) if id_text.isdigit() else None
        )
        if record is not None:
            archive(ctx.portal, obj, record)

    reply = _each(ctx, _inputs(ctx.json()), 204, act)
    return reply if reply.status == 207 else Reply(204)


def _trace(item: dict[str, Any]) -> str | None:
    trace = item.get("objectWriteTraceId")
    return None if trace is None else str(trace)
