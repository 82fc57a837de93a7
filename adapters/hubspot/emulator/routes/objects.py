"""Object endpoints: list, get, create, update, archive, merge, GDPR delete (fact sheet §2, §11)."""

from __future__ import annotations

from typing import Any

from ..errors import validation
from ..http import Ctx, Reply
from ..objects import ObjectType, resolve_object_type
from ..records import Record
from ..render import projection, record_json, v3_associations
from ..writes import archive, create, find, gdpr_delete, merge, parse_associations, update

PAGE_MAX, HISTORY_PAGE_MAX, DEFAULT_LIMIT = 100, 50, 10


def read_names(ctx: Ctx, obj: ObjectType) -> tuple[list[str], list[str], list[ObjectType]]:
    """Projection, history projection and association targets of a read."""
    registry, spec = ctx.portal.registries[obj], ctx.portal.stores[obj].spec
    names = projection(registry, ctx.list_param("properties"), spec.default_properties)
    history = ctx.list_param("propertiesWithHistory") or []
    history_names = projection(registry, history, ()) if history else []
    targets = [t for t in map(resolve_object_type, ctx.list_param("associations") or []) if t]
    return names, history_names, targets


def _render(
    ctx: Ctx, obj: ObjectType, record: Record, read: tuple[list[str], list[str], list[ObjectType]]
) -> dict[str, Any]:
    names, history, targets = read
    block = v3_associations(ctx.portal, obj, record.id, targets) if targets else None
    return record_json(record, names, history, block)


def written(record: Record, trace_id: str | None = None) -> dict[str, Any]:
    """A write's response: every property the record has."""
    return record_json(record, sorted(record.props), trace_id=trace_id)


def list_objects(ctx: Ctx) -> Reply:
    """``GET /crm/v3/objects/{type}``: id-ordered pages; ``paging`` only when more remain (§2)."""
    obj = ctx.types[0]
    read = read_names(ctx, obj)
    limit = ctx.int_param("limit", DEFAULT_LIMIT, HISTORY_PAGE_MAX if read[1] else PAGE_MAX)
    if limit < 1:
        raise validation("'limit' must be at least 1.")
    after_text = ctx.query.get("after") or "0"
    if not after_text.isdigit():
        raise validation(f"Invalid 'after' value {after_text!r}.")
    records, next_after = ctx.portal.stores[obj].page(
        int(after_text), limit, ctx.bool_param("archived")
    )
    body: dict[str, Any] = {"results": [_render(ctx, obj, r, read) for r in records]}
    if next_after is not None:
        link = f"{ctx.base_url}/crm/v3/objects/{obj.value}?after={next_after}"
        body["paging"] = {"next": {"after": str(next_after), "link": link}}
    return Reply(200, body)


def get_object(ctx: Ctx) -> Reply:
    """``GET …/{type}/{id}[?idProperty=]``; ``archived=true`` reads an archived record."""
    obj = ctx.types[0]
    id_text, id_property = ctx.params["objectId"], ctx.query.get("idProperty")
    if ctx.bool_param("archived"):
        record = ctx.portal.stores[obj].records.get(int(id_text)) if id_text.isdigit() else None
        if record is None or not record.archived:
            record = find(ctx.portal, obj, id_text, id_property)
    else:
        record = find(ctx.portal, obj, id_text, id_property)
    return Reply(200, _render(ctx, obj, record, read_names(ctx, obj)))


def _properties(body: Any) -> dict[str, Any]:
    props = body.get("properties") if isinstance(body, dict) else None
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise validation("'properties' must be an object.")
    return props


def create_object(ctx: Ctx) -> Reply:
    """``POST /crm/v3/objects/{type}`` with inline ``associations`` (§2, §8)."""
    obj, body = ctx.types[0], ctx.json()
    links = parse_associations(
        ctx.portal, obj, body.get("associations") if isinstance(body, dict) else None
    )
    return Reply(201, written(create(ctx.portal, obj, _properties(body), links)))


def update_object(ctx: Ctx) -> Reply:
    """``PATCH /crm/v3/objects/{type}/{id}[?idProperty=]``; ``""`` clears (§2)."""
    obj = ctx.types[0]
    record = find(ctx.portal, obj, ctx.params["objectId"], ctx.query.get("idProperty"))
    return Reply(200, written(update(ctx.portal, obj, record, _properties(ctx.json()))))


def archive_object(ctx: Ctx) -> Reply:
    """``DELETE /crm/v3/objects/{type}/{id}``: 204, also when already archived."""
    obj, id_text = ctx.types[0], ctx.params["objectId"]
    existing = ctx.portal.stores[obj].records.get(int(id_text)) if id_text.isdigit() else None
    if existing is not None and existing.archived:
        return Reply(204)
    archive(ctx.portal, obj, find(ctx.portal, obj, id_text))
    return Reply(204)


def merge_objects(ctx: Ctx) -> Reply:
    """``POST /crm/v3/objects/{type}/merge`` ``{"primaryObjectId", "objectIdToMerge"}`` (§11)."""
    body = ctx.json()
    primary, loser = body.get("primaryObjectId"), body.get("objectIdToMerge")
    if primary is None or loser is None:
        raise validation("'primaryObjectId' and 'objectIdToMerge' are required.")
    return Reply(200, written(merge(ctx.portal, ctx.types[0], str(primary), str(loser))))


def gdpr_delete_object(ctx: Ctx) -> Reply:
    """``POST /crm/v3/objects/contacts/gdpr-delete`` ``{"objectId", "idProperty"}`` (§11)."""
    body = ctx.json()
    if body.get("objectId") is None:
        raise validation("'objectId' is required.")
    gdpr_delete(ctx.portal, ctx.types[0], str(body["objectId"]), body.get("idProperty"))
    return Reply(204)
