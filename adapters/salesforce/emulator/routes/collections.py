"""sObject Collections: create, update, upsert, delete and read up to 200 records (fact sheet §5).

A well-formed request answers **200** with one SaveResult per record, in input order; errors inside
use ``statusCode``. With ``allOrNone`` one failure rolls every record back and the others report
``ALL_OR_NONE_OPERATION_ROLLED_BACK``. The whole call counts as one API call. The
``LOCK_RECORDS`` fault fails a seeded share of the records with ``UNABLE_TO_LOCK_ROW``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import ids, writes
from ..errors import SalesforceError, bad_request, not_found
from ..http import Ctx, Reply
from ..options import FaultKind
from ..render import full_record
from .sobjects import save_result

ROLLED_BACK = SalesforceError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
    [],
)
Operation = Callable[[Any], dict[str, Any]]


def _records(ctx: Ctx) -> tuple[list[dict[str, Any]], bool]:
    body = ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise bad_request("JSON_PARSER_ERROR", "The request body needs a 'records' array")
    records = body["records"]
    _check_size(ctx, len(records))
    if not all(isinstance(r, dict) for r in records):
        raise bad_request("JSON_PARSER_ERROR", "Each record must be a JSON object")
    return records, bool(body.get("allOrNone", False))


def _check_size(ctx: Ctx, count: int) -> None:
    limit = ctx.org.behaviour.collection_limit
    if count > limit:
        raise bad_request(
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {limit} records into this call",
        )


def _type_of(record: dict[str, Any]) -> str:
    kind = (record.get("attributes") or {}).get("type")
    if not kind:
        raise bad_request("INVALID_TYPE", "Must specify a type in attributes", [])
    return str(kind)


def _apply(ctx: Ctx, items: list[Any], all_or_none: bool, operation: Operation) -> Reply:
    """Run ``operation`` per item, under one transaction when ``all_or_none``."""
    locked = set()
    if ctx.fault is FaultKind.LOCK_RECORDS and items:
        locked = ctx.runtime.faults.failing_records(len(items))
    results: list[dict[str, Any]] = []
    failed = False
    with ctx.org.transaction() as rollback:
        for index, item in enumerate(items):
            try:
                if index in locked:
                    record_id = item.get("id") if isinstance(item, dict) else item
                    raise ctx.runtime.faults.lock_error(
                        None if record_id is None else str(record_id)
                    )
                if all_or_none:
                    results.append(operation(item))
                else:
                    with ctx.org.transaction():
                        results.append(operation(item))
            except SalesforceError as exc:
                failed = True
                results.append(_failure(item, exc))
        if all_or_none and failed:
            rollback()
            results = [
                r if not r["success"] else _failure(r.get("id"), ROLLED_BACK) for r in results
            ]
    return Reply(200, results)


def _failure(item: Any, exc: SalesforceError) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [exc.to_record_error()]}
    record_id = item.get("id") if isinstance(item, dict) else item
    if record_id:
        result = {"id": record_id, **result}
    return result


def create(ctx: Ctx) -> Reply:
    """``POST /composite/sobjects``."""
    records, all_or_none = _records(ctx)
    actor = ctx.actor()

    def one(record: dict[str, Any]) -> dict[str, Any]:
        row = writes.create(ctx.org, _type_of(record), record, actor)
        return save_result(row["Id"])

    return _apply(ctx, records, all_or_none, one)


def update(ctx: Ctx) -> Reply:
    """``PATCH /composite/sobjects``: each record carries ``id``."""
    records, all_or_none = _records(ctx)
    actor = ctx.actor()

    def one(record: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in record.items() if k.lower() != "id"}
        record_id = str(record.get("id") or record.get("Id") or "")
        if not record_id:
            raise bad_request("MISSING_ARGUMENT", "Id not specified in an update call", [])
        row = writes.update(ctx.org, _type_of(record), record_id, body, actor, deleted_error=True)
        return save_result(row["Id"])

    return _apply(ctx, records, all_or_none, one)


def upsert(ctx: Ctx) -> Reply:
    """``PATCH /composite/sobjects/{T}/{ExtField}``: one type; results carry ``created``."""
    records, all_or_none = _records(ctx)
    actor, name, field = ctx.actor(), ctx.params["sobject"], ctx.params["field"]

    def one(record: dict[str, Any]) -> dict[str, Any]:
        key = next((v for k, v in record.items() if k.lower() == field.lower()), None)
        if key is None:
            raise bad_request("MISSING_ARGUMENT", f"{field} not specified", [field])
        body = {k: v for k, v in record.items() if k.lower() != field.lower()}
        row, created = writes.upsert(
            ctx.org, name, field, str(key), body, actor=actor, version=ctx.version
        )
        return save_result(row["Id"], created)

    return _apply(ctx, records, all_or_none, one)


def delete(ctx: Ctx) -> Reply:
    """``DELETE /composite/sobjects?ids=a,b&allOrNone=false``."""
    raw = ctx.request.param("ids") or ""
    record_ids = [part for part in raw.split(",") if part]
    _check_size(ctx, len(record_ids))
    all_or_none = (ctx.request.param("allOrNone") or "false").lower() == "true"
    actor = ctx.actor()

    def one(record_id: str) -> dict[str, Any]:
        normal = ids.normalize(record_id)
        found = None if normal is None else ctx.org.find(normal)
        if found is None:
            raise bad_request("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        table, _ = found
        row = writes.delete(ctx.org, table.obj.name, record_id, actor, deleted_error=True)
        return save_result(row["Id"])

    return _apply(ctx, record_ids, all_or_none, one)


def retrieve(ctx: Ctx) -> Reply:
    """``GET /composite/sobjects/{T}?ids=…&fields=…``: records in order, null when not found."""
    obj = ctx.org.lookup(ctx.params["sobject"])
    if obj is None:
        raise not_found(ctx.org.behaviour.not_found_message)
    record_ids = [part for part in (ctx.request.param("ids") or "").split(",") if part]
    _check_size(ctx, len(record_ids))
    raw_fields = ctx.request.param("fields")
    if not raw_fields:
        raise bad_request("MISSING_ARGUMENT", "fields parameter is required")
    names = []
    for name in raw_fields.split(","):
        definition = obj.field(name.strip())
        if definition is None:
            raise bad_request(
                "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'.", [name]
            )
        names.append(definition.name)
    table = ctx.org.tables[obj.name]
    out: list[Any] = []
    for record_id in record_ids:
        row = table.live(record_id)
        out.append(None if row is None else full_record(table, row, ctx.version, names))
    return Reply(200, out)
