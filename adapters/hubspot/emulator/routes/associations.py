"""Associations v4 (fact sheet §9).

Record-level reads and writes, batch read/create/archive/default, and the labels of a type pair.
Batch reads take up to 1,000 inputs.
"""

from __future__ import annotations

from typing import Any

from ..associations import TYPES, AssociationType, default_type, types_between
from ..errors import JsonDict, validation
from ..http import Ctx, Reply
from ..objects import SPECS, ObjectType
from ..timefmt import iso_ms

READ_DEFAULT_LIMIT, READ_MAX_LIMIT, BATCH_READ_MAX, BATCH_WRITE_MAX = 500, 500, 1000, 100
_PRIMARY = frozenset({1, 2, 5, 6})


def _spec(kind: AssociationType) -> JsonDict:
    label = "Primary" if kind.type_id in _PRIMARY else None
    return {"category": "HUBSPOT_DEFINED", "typeId": kind.type_id, "label": label}


def _live_id(ctx: Ctx, obj: ObjectType, raw: object) -> int:
    text = str(raw)
    if not text.isdigit() or ctx.portal.stores[obj].live(int(text)) is None:
        raise validation(f"{SPECS[obj].singular} {text} does not exist.", status=400)
    return int(text)


def _targets(ctx: Ctx, source: ObjectType, target: ObjectType, source_id: int) -> list[JsonDict]:
    links = ctx.portal.associations.targets(source, target, source_id)
    return [
        {"toObjectId": str(target_id), "associationTypes": [_spec(TYPES[t]) for t in sorted(kinds)]}
        for target_id, kinds in sorted(links.items())
        if ctx.portal.stores[target].live(target_id) is not None
    ]


def _kinds(source: ObjectType, target: ObjectType, raw: object) -> list[AssociationType]:
    if not isinstance(raw, list) or not raw:
        raise validation("At least one association type is required.")
    kinds: list[AssociationType] = []
    for item in raw:
        type_id = item.get("associationTypeId") if isinstance(item, dict) else None
        kind = (
            TYPES.get(int(type_id))
            if isinstance(type_id, int | str) and str(type_id).isdigit()
            else None
        )
        if kind is None or kind.source != source or kind.target != target:
            raise validation(
                f"Invalid association type {item!r} from {source.value} to {target.value}."
            )
        kinds.append(kind)
    return kinds


def _batch(ctx: Ctx, results: list[JsonDict], status: int = 200) -> Reply:
    now = iso_ms(ctx.portal.now_ms())
    return Reply(
        status, {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    )


def _pair(ctx: Ctx, source: ObjectType, from_id: int, target: ObjectType, to_id: int) -> JsonDict:
    links = ctx.portal.associations.targets(source, target, from_id).get(to_id, set())
    return {
        "fromObjectTypeId": SPECS[source].type_id,
        "fromObjectId": str(from_id),
        "toObjectTypeId": SPECS[target].type_id,
        "toObjectId": str(to_id),
        "labels": [label for t in sorted(links) if (label := _spec(TYPES[t])["label"])],
    }


def read_record(ctx: Ctx) -> Reply:
    """``GET /crm/v4/objects/{type}/{id}/associations/{toType}?limit=500&after=``."""
    source, target = ctx.types
    source_id = _live_id(ctx, source, ctx.params["objectId"])
    limit = max(1, ctx.int_param("limit", READ_DEFAULT_LIMIT, READ_MAX_LIMIT))
    after = ctx.int_param("after", 0, 2**31)
    every = _targets(ctx, source, target, source_id)
    body: dict[str, Any] = {"results": every[after : after + limit]}
    if after + limit < len(every):
        body["paging"] = {"next": {"after": str(after + limit)}}
    return Reply(200, body)


def put_default(ctx: Ctx) -> Reply:
    """``PUT …/associations/default/{toType}/{toId}``: the unlabeled default type (§9)."""
    source, target = ctx.types
    from_id = _live_id(ctx, source, ctx.params["fromObjectId"])
    to_id = _live_id(ctx, target, ctx.params["toObjectId"])
    kind = default_type(source, target)
    if kind is None:
        raise validation(f"No default association from {source.value} to {target.value}.")
    ctx.portal.associations.add(kind, from_id, to_id)
    return _batch(ctx, [_default_json(kind, from_id, to_id)])


def _default_json(kind: AssociationType, from_id: int, to_id: int) -> JsonDict:
    return {
        "from": {"id": str(from_id)},
        "to": {"id": str(to_id)},
        "associationSpec": {
            "associationCategory": "HUBSPOT_DEFINED",
            "associationTypeId": kind.type_id,
        },
    }


def put_labelled(ctx: Ctx) -> Reply:
    """``PUT /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}`` with a list of types."""
    source, target = ctx.types
    from_id = _live_id(ctx, source, ctx.params["objectId"])
    to_id = _live_id(ctx, target, ctx.params["toObjectId"])
    for kind in _kinds(source, target, ctx.json()):
        ctx.portal.associations.add(kind, from_id, to_id)
    return Reply(201, _pair(ctx, source, from_id, target, to_id))


def delete_record(ctx: Ctx) -> Reply:
    """``DELETE /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}`` (204)."""
    source, target = ctx.types
    from_text, to_text = ctx.params["objectId"], ctx.params["toObjectId"]
    if from_text.isdigit() and to_text.isdigit():
        ctx.portal.associations.remove(source, target, int(from_text), int(to_text))
    return Reply(204)


def _inputs(ctx: Ctx, limit: int) -> list[dict[str, Any]]:
    body = ctx.json()
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise validation("'inputs' is required and must be a list of objects.")
    if len(inputs) > limit:
        raise validation(f"Batch input size {len(inputs)} exceeds the limit of {limit} inputs.")
    return inputs


def batch_read(ctx: Ctx) -> Reply:
    """Batch read (≤ 1,000 inputs); ids without associations are left out."""
    source, target = ctx.types
    results: list[JsonDict] = []
    for item in _inputs(ctx, BATCH_READ_MAX):
        text = str(item.get("id"))
        if not text.isdigit():
            continue
        links = _targets(ctx, source, target, int(text))
        if links:
            results.append({"from": {"id": text}, "to": links})
    return _batch(ctx, results)


def _from_to(item: dict[str, Any]) -> tuple[object, object]:
    return (item.get("from") or {}).get("id"), (item.get("to") or {}).get("id")


def batch_create(ctx: Ctx) -> Reply:
    """``…/batch/create`` with explicit types (201)."""
    source, target = ctx.types
    results: list[JsonDict] = []
    for item in _inputs(ctx, BATCH_WRITE_MAX):
        raw_from, raw_to = _from_to(item)
        from_id, to_id = _live_id(ctx, source, raw_from), _live_id(ctx, target, raw_to)
        for kind in _kinds(source, target, item.get("types")):
            ctx.portal.associations.add(kind, from_id, to_id)
        results.append(_pair(ctx, source, from_id, target, to_id))
    return _batch(ctx, results, 201)


def batch_default(ctx: Ctx) -> Reply:
    """``…/batch/associate/default``."""
    source, target = ctx.types
    kind = default_type(source, target)
    if kind is None:
        raise validation(f"No default association from {source.value} to {target.value}.")
    results: list[JsonDict] = []
    for item in _inputs(ctx, BATCH_WRITE_MAX):
        raw_from, raw_to = _from_to(item)
        from_id, to_id = _live_id(ctx, source, raw_from), _live_id(ctx, target, raw_to)
        ctx.portal.associations.add(kind, from_id, to_id)
        results.append(_default_json(kind, from_id, to_id))
    return _batch(ctx, results)


def batch_archive(ctx: Ctx) -> Reply:
    """``…/batch/archive`` ``{"inputs":[{"from":{"id"},"to":[{"id"}]}]}`` (204)."""
    source, target = ctx.types
    for item in _inputs(ctx, BATCH_WRITE_MAX):
        from_text = str((item.get("from") or {}).get("id"))
        for to in item.get("to") or []:
            to_text = str(to.get("id")) if isinstance(to, dict) else ""
            if from_text.isdigit() and to_text.isdigit():
                ctx.portal.associations.remove(source, target, int(from_text), int(to_text))
    return Reply(204)


def labels(ctx: Ctx) -> Reply:
    """``GET /crm/v4/associations/{from}/{to}/labels`` (also ``/crm/associations/v4/…``)."""
    source, target = ctx.types
    return Reply(200, {"results": [_spec(k) for k in types_between(source, target)]})
