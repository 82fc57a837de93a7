"""sObject resources: CRUD, upsert by External ID, basic information and describe (§4, §7).

Unknown objects in a path answer 404 ``NOT_FOUND`` (the wording is a switch, §4); an unknown
field in ``?fields=`` answers 400 ``INVALID_FIELD``.
"""

from __future__ import annotations

from typing import Any

from .. import ids, writes
from ..describe import describe, global_describe, summary
from ..errors import SalesforceError, bad_request, not_found
from ..http import Ctx, Reply
from ..render import full_record
from ..schema import ObjectDef
from ..store import Row
from ..values import no_such_field


def _object(ctx: Ctx) -> ObjectDef:
    obj = ctx.org.lookup(ctx.params["sobject"])
    if obj is None:
        raise not_found(ctx.org.behaviour.not_found_message)
    return obj


def _body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.json()
    if not isinstance(body, dict):
        raise bad_request("JSON_PARSER_ERROR", "The request body must be a JSON object")
    return body


def save_result(record_id: str, created: bool | None = None) -> dict[str, Any]:
    """``{"id", "success": true, "errors": []}`` (plus ``created`` for upserts when asked)."""
    result: dict[str, Any] = {"id": record_id, "success": True, "errors": []}
    if created is not None:
        result["created"] = created
    return result


def global_sobjects(ctx: Ctx) -> Reply:
    """``GET /sobjects``."""
    return Reply(200, global_describe(list(ctx.org.objects.values()), ctx.version))


def basic_info(ctx: Ctx) -> Reply:
    """``GET /sobjects/T``."""
    return Reply(200, {"objectDescribe": summary(_object(ctx), ctx.version), "recentItems": []})


def describe_object(ctx: Ctx) -> Reply:
    """``GET /sobjects/T/describe``."""
    return Reply(200, describe(_object(ctx), ctx.version))


def create(ctx: Ctx) -> Reply:
    """``POST /sobjects/T`` → 201 SaveResult (§4)."""
    obj = _object(ctx)
    row = writes.create(ctx.org, obj.name, _body(ctx), ctx.actor())
    location = f"/services/data/v{ctx.version}/sobjects/{obj.name}/{row['Id']}"
    return Reply(201, save_result(row["Id"]), {"Location": location})


def get(ctx: Ctx) -> Reply:
    """``GET /sobjects/T/{id}[?fields=A,B]``; a non-id is read as an unknown External ID field."""
    obj = _object(ctx)
    key = ctx.params["id"]
    if ids.normalize(key) is None or not key.startswith(obj.key_prefix):
        raise not_found(f"Provided external ID field does not exist or is not accessible: {key}")
    row = writes.live_row(ctx.org, obj, key)
    return _record(ctx, obj, row)


def _record(ctx: Ctx, obj: ObjectDef, row: Row) -> Reply:
    names = None
    raw = ctx.request.param("fields")
    if raw:
        names = []
        for name in (part.strip() for part in raw.split(",") if part.strip()):
            definition = obj.field(name)
            if definition is None:
                raise SalesforceError(
                    400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'.", [name]
                )
            names.append(definition.name)
    return Reply(200, full_record(ctx.org.tables[obj.name], row, ctx.version, names))


def update(ctx: Ctx) -> Reply:
    """``PATCH /sobjects/T/{id}`` → 204 (§4)."""
    obj = _object(ctx)
    writes.update(ctx.org, obj.name, ctx.params["id"], _body(ctx), ctx.actor())
    return Reply(204)


def delete(ctx: Ctx) -> Reply:
    """``DELETE /sobjects/T/{id}`` → 204, to the Recycle Bin (§4)."""
    obj = _object(ctx)
    writes.delete(ctx.org, obj.name, ctx.params["id"], ctx.actor())
    return Reply(204)


def get_by_external_id(ctx: Ctx) -> Reply:
    """``GET /sobjects/T/{ExtField}/{value}``: 300 with the URLs if several match (§4)."""
    obj = _object(ctx)
    matches = _matches(ctx, obj)
    if not matches:
        raise not_found(ctx.org.behaviour.not_found_message)
    if len(matches) > 1:
        urls = [f"/services/data/v{ctx.version}/sobjects/{obj.name}/{i}" for i in matches]
        return Reply(300, urls)
    return _record(ctx, obj, ctx.org.tables[obj.name].rows[matches[0]])


def upsert(ctx: Ctx) -> Reply:
    """``PATCH /sobjects/T/{ExtField}/{value}``: 201 created; 204 updated (§4, a switch)."""
    obj = _object(ctx)
    update_only = (ctx.request.param("updateOnly") or "").lower() == "true"
    row, created = writes.upsert(
        ctx.org, obj.name, ctx.params["field"], ctx.params["value"], _body(ctx),
        actor=ctx.actor(), update_only=update_only, version=ctx.version,
    )  # fmt: skip
    status = ctx.org.behaviour.upsert_update_status
    if created:
        return Reply(201, save_result(row["Id"], True if status == 200 else None))
    return Reply(204) if status == 204 else Reply(200, save_result(row["Id"], False))


def delete_by_external_id(ctx: Ctx) -> Reply:
    """``DELETE /sobjects/T/{ExtField}/{value}`` → 204."""
    obj = _object(ctx)
    matches = _matches(ctx, obj)
    if len(matches) != 1:
        raise not_found(ctx.org.behaviour.not_found_message)
    writes.delete(ctx.org, obj.name, matches[0], ctx.actor())
    return Reply(204)


def _matches(ctx: Ctx, obj: ObjectDef) -> list[str]:
    field = obj.field(ctx.params["field"])
    if field is None:
        raise no_such_field(obj, ctx.params["field"])
    if not field.external_id:
        raise not_found(
            f"Provided external ID field does not exist or is not accessible: {field.name}"
        )
    return ctx.org.tables[obj.name].find(field.name, ctx.params["value"])
