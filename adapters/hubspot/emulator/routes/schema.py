"""Properties and property groups ``/crm/v3/properties/{type}`` (fact sheet §5)."""

from __future__ import annotations

from typing import Any

from ..errors import Category, HubSpotError, JsonDict, validation
from ..http import Ctx, Reply
from ..render import group_json, property_json
from ..schema import PropertyDef
from ..timefmt import iso_ms


def _json(ctx: Ctx, prop: PropertyDef) -> JsonDict:
    """Owner options are portal data, rendered from the owners (§6)."""
    if prop.name == "hubspot_owner_id":
        owners = ctx.portal.owners.values()
        options = [
            (o.id, f"{o.first_name} {o.last_name}".strip()) for o in owners if not o.archived
        ]
        return property_json(prop, options)
    return property_json(prop)


def _body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.json()
    if not isinstance(body, dict):
        raise validation("The body must be a JSON object.")
    return body


def list_properties(ctx: Ctx) -> Reply:
    """All live properties, or only archived ones with ``archived=true``."""
    registry = ctx.portal.registries[ctx.types[0]]
    props = registry.listing(ctx.bool_param("archived"))
    wanted = ctx.list_param("properties")
    if wanted:
        props = [p for p in props if p.name in wanted]
    return Reply(200, {"results": [_json(ctx, p) for p in props]})


def get_property(ctx: Ctx) -> Reply:
    """One property or 404."""
    return Reply(
        200, _json(ctx, ctx.portal.registries[ctx.types[0]].get(ctx.params["propertyName"]))
    )


def create_property(ctx: Ctx) -> Reply:
    """Create a custom property: 201, 409 on a duplicate name, 400 on an invalid definition."""
    obj = ctx.types[0]
    prop = ctx.portal.registries[obj].create(_body(ctx), ctx.portal.now_ms())
    if prop.has_unique_value:
        ctx.portal.enable_unique(obj, prop.name)
    return Reply(201, _json(ctx, prop))


def update_property(ctx: Ctx) -> Reply:
    """``PATCH`` a property definition."""
    registry = ctx.portal.registries[ctx.types[0]]
    prop = registry.update(ctx.params["propertyName"], _body(ctx), ctx.portal.now_ms())
    return Reply(200, _json(ctx, prop))


def archive_property(ctx: Ctx) -> Reply:
    """Archive a custom property (204)."""
    ctx.portal.registries[ctx.types[0]].archive(ctx.params["propertyName"], ctx.portal.now_ms())
    return Reply(204)


def _batch(ctx: Ctx, results: list[JsonDict], errors: list[JsonDict], ok: int) -> Reply:
    now = iso_ms(ctx.portal.now_ms())
    body: JsonDict = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    }
    if errors:
        body |= {"numErrors": len(errors), "errors": errors}
    return Reply(207 if errors else ok, body)


def _inputs(ctx: Ctx) -> list[Any]:
    inputs = _body(ctx).get("inputs")
    if not isinstance(inputs, list):
        raise validation("'inputs' is required and must be a list.")
    return inputs


def batch_read_properties(ctx: Ctx) -> Reply:
    """Batch read by ``{"name"}`` inputs; unknown names are per-input 404 errors."""
    registry = ctx.portal.registries[ctx.types[0]]
    results, errors = [], []
    for item in _inputs(ctx):
        name = str(item.get("name")) if isinstance(item, dict) else ""
        prop = registry.live(name)
        if prop is None:
            missing = HubSpotError(404, Category.OBJECT_NOT_FOUND, f"Property {name!r} not found.")
            errors.append(missing.batch_item({"name": [name]}))
        else:
            results.append(_json(ctx, prop))
    return _batch(ctx, results, errors, 200)


def batch_create_properties(ctx: Ctx) -> Reply:
    """Batch create; each failure (409, 400) is a per-input error."""
    obj = ctx.types[0]
    registry = ctx.portal.registries[obj]
    results, errors = [], []
    for item in _inputs(ctx):
        try:
            prop = registry.create(item if isinstance(item, dict) else {}, ctx.portal.now_ms())
        except HubSpotError as exc:
            errors.append(exc.batch_item())
            continue
        if prop.has_unique_value:
            ctx.portal.enable_unique(obj, prop.name)
        results.append(_json(ctx, prop))
    return _batch(ctx, results, errors, 201)


def batch_archive_properties(ctx: Ctx) -> Reply:
    """Batch archive by name (204)."""
    registry = ctx.portal.registries[ctx.types[0]]
    for item in _inputs(ctx):
        registry.archive(
            str(item.get("name")) if isinstance(item, dict) else "", ctx.portal.now_ms()
        )
    return Reply(204)


def list_groups(ctx: Ctx) -> Reply:
    """Live property groups."""
    groups = ctx.portal.registries[ctx.types[0]].groups.values()
    return Reply(200, {"results": [group_json(g) for g in groups if not g.archived]})


def create_group(ctx: Ctx) -> Reply:
    """Create a group: 201, 409 when it exists."""
    return Reply(201, group_json(ctx.portal.registries[ctx.types[0]].create_group(_body(ctx))))


def get_group(ctx: Ctx) -> Reply:
    """One group or 404."""
    return Reply(
        200, group_json(ctx.portal.registries[ctx.types[0]].group(ctx.params["groupName"]))
    )


def update_group(ctx: Ctx) -> Reply:
    """Relabel or reorder a group."""
    registry = ctx.portal.registries[ctx.types[0]]
    group, body = registry.group(ctx.params["groupName"]), _body(ctx)
    updated = type(group)(
        group.name,
        str(body.get("label", group.label)),
        int(body.get("displayOrder", group.display_order)),
    )
    registry.groups[group.name] = updated
    return Reply(200, group_json(updated))


def archive_group(ctx: Ctx) -> Reply:
    """Archive a group (204)."""
    registry = ctx.portal.registries[ctx.types[0]]
    group = registry.group(ctx.params["groupName"])
    registry.groups[group.name] = type(group)(group.name, group.label, group.display_order, True)
    return Reply(204)
