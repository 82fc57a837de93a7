"""``POST /crm/v3/objects/{type}/search`` (fact sheet §4): parse, run, render."""

from __future__ import annotations

from typing import Any

from ..errors import validation
from ..http import Ctx, Reply
from ..render import record_json
from ..search import execute, parse


def search_objects(ctx: Ctx) -> Reply:
    """Search; no ``link`` in ``paging``; records inside the index lag are not visible yet (§4)."""
    obj, portal = ctx.types[0], ctx.portal
    query = parse(portal, obj, ctx.body)
    if portal.expired_search_cursors and query.after > 0:
        portal.expired_search_cursors = False
        raise validation(f"The paging cursor {query.after} has expired; restart the search.")
    lag_ms = int(portal.behaviour.search_index_lag_seconds * 1000)
    total, page, next_after = execute(portal, obj, query, portal.now_ms() - lag_ms)
    body: dict[str, Any] = {"total": total, "results": [record_json(r, query.names) for r in page]}
    if next_after is not None:
        body["paging"] = {"next": {"after": str(next_after)}}
    return Reply(200, body)
