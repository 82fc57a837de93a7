"""Owners (fact sheet §6) and deal pipelines (§7)."""

from __future__ import annotations

from typing import Any

from ..errors import not_found, validation
from ..http import Ctx, Reply
from ..objects import ObjectType
from ..pipelines import Pipeline

OWNERS_DEFAULT_LIMIT = 100


def list_owners(ctx: Ctx) -> Reply:
    """``GET /crm/v3/owners[/]?limit=&after=&email=&archived=``; ``after`` is an offset."""
    limit = ctx.int_param("limit", OWNERS_DEFAULT_LIMIT, ctx.portal.behaviour.owners_max_limit)
    after = ctx.int_param("after", 0, 2**31)
    archived, email = ctx.bool_param("archived"), ctx.query.get("email")
    owners = [
        o
        for o in ctx.portal.owners.values()
        if o.archived == archived and (email is None or o.email.lower() == email.lower())
    ]
    page = owners[after : after + max(limit, 1)]
    body: dict[str, Any] = {"results": [o.to_json() for o in page]}
    if after + len(page) < len(owners):
        next_after = after + len(page)
        body["paging"] = {
            "next": {
                "after": str(next_after),
                "link": f"{ctx.base_url}/crm/v3/owners/?after={next_after}",
            }
        }
    return Reply(200, body)


def get_owner(ctx: Ctx) -> Reply:
    """``GET /crm/v3/owners/{ownerId}?idProperty=id|userId``."""
    owner_id, by = ctx.params["ownerId"], ctx.query.get("idProperty", "id")
    if by not in ("id", "userId"):
        raise validation(f"Invalid idProperty {by!r}; use id or userId.")
    archived = ctx.bool_param("archived")
    for owner in ctx.portal.owners.values():
        key = owner.id if by == "id" else str(owner.user_id)
        if key == owner_id and owner.archived == archived:
            return Reply(200, owner.to_json())
    raise not_found(f"Owner {owner_id} not found.")


def _pipelines(ctx: Ctx) -> list[Pipeline]:
    return list(ctx.portal.pipelines.values()) if ctx.types[0] is ObjectType.DEALS else []


def _pipeline(ctx: Ctx) -> Pipeline:
    wanted = ctx.params["pipelineId"]
    found = next((p for p in _pipelines(ctx) if p.id == wanted), None)
    if found is None:
        raise not_found(f"Pipeline {wanted} not found.")
    return found


def list_pipelines(ctx: Ctx) -> Reply:
    """``GET /crm/v3/pipelines/{type}``."""
    created = ctx.portal.created_ms
    return Reply(200, {"results": [p.to_json(created) for p in _pipelines(ctx)]})


def get_pipeline(ctx: Ctx) -> Reply:
    """One pipeline with its stages."""
    return Reply(200, _pipeline(ctx).to_json(ctx.portal.created_ms))


def list_stages(ctx: Ctx) -> Reply:
    """The stages of a pipeline."""
    stages = _pipeline(ctx).stages
    return Reply(200, {"results": [s.to_json(ctx.portal.created_ms) for s in stages]})


def get_stage(ctx: Ctx) -> Reply:
    """One stage or 404."""
    stage = _pipeline(ctx).stage(ctx.params["stageId"])
    if stage is None:
        raise not_found(f"Stage {ctx.params['stageId']} not found.")
    return Reply(200, stage.to_json(ctx.portal.created_ms))
