"""``query``, ``queryAll`` and their ``nextRecordsUrl`` continuations (fact sheet §3, §18.2).

The first call evaluates the query once and keeps the result ids behind a locator; each page
renders one slice. Page size comes from ``Sforce-Query-Options: batchSize=N`` (clamped to
200-2,000, default 2,000), or from the test override ``Behaviour.page_size_override``.
"""

from __future__ import annotations

import re

from ..cursors import Cursor
from ..errors import SalesforceError, malformed_query
from ..http import Ctx, Reply
from ..render import render_many, shape_of
from ..soql.plan import compile_query, run

DEFAULT_BATCH, MIN_BATCH, MAX_BATCH = 2_000, 200, 2_000
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def query(ctx: Ctx) -> Reply:
    """``GET /query?q=``: live rows only."""
    return _start(ctx, include_deleted=False)


def query_all(ctx: Ctx) -> Reply:
    """``GET /queryAll?q=``: deleted and merged rows too (§3)."""
    return _start(ctx, include_deleted=True)


def more(ctx: Ctx) -> Reply:
    """``GET /query/<locator>-<offset>`` (also under ``/queryAll/``)."""
    locator, _, offset = ctx.params["locator"].rpartition("-")
    if not locator or not offset.isdigit():
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    cursor = ctx.runtime.cursors.get(locator, ctx.org.now())
    return _page(ctx, cursor, int(offset))


def page_size(ctx: Ctx) -> int:
    """The batch size of this request (§3: not guaranteed; min 200, max 2,000)."""
    override = ctx.org.behaviour.page_size_override
    if override is not None:
        return override
    match = _BATCH.search(ctx.request.headers.get("sforce-query-options", ""))
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def _start(ctx: Ctx, include_deleted: bool) -> Reply:
    text = ctx.request.param("q")
    if not text:
        raise malformed_query("A query string has to be specified")
    compiled = compile_query(ctx.org, text)
    ids = run(ctx.org, compiled, include_deleted)
    if compiled.select.count:
        return Reply(200, {"totalSize": len(ids), "done": True, "records": []})
    cursor = ctx.runtime.cursors.open(compiled, ids, include_deleted, ctx.org.now())
    return _page(ctx, cursor, 0)


def _page(ctx: Ctx, cursor: Cursor, offset: int) -> Reply:
    size = page_size(ctx)
    table = ctx.org.tables[cursor.query.obj.name]
    chunk = cursor.ids[offset : offset + size]
    rows = [table.rows[i] for i in chunk if i in table.rows]
    shape = shape_of(ctx.org, cursor.query.fields)
    records = render_many(rows, table.obj.name, shape, ctx.version)
    end = offset + len(chunk)
    body: dict[str, object] = {"totalSize": len(cursor.ids), "done": end >= len(cursor.ids)}
    if end < len(cursor.ids):
        resource = (
            "queryAll"
            if cursor.include_deleted and ctx.org.behaviour.query_all_continuation
            else "query"
        )
        body["nextRecordsUrl"] = f"/services/data/v{ctx.version}/{resource}/{cursor.locator}-{end}"
    body["records"] = records
    return Reply(200, body)
