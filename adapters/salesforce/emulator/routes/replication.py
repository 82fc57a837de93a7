"""``/sobjects/T/updated/`` and ``/sobjects/T/deleted/`` (fact sheet §8, §14).

Both read ``start``/``end`` as ISO datetimes with an offset and ignore seconds. ``updated`` reaches
30 days back and lists live rows by ``SystemModstamp``; more than 600,000 ids give
``EXCEEDED_ID_LIMIT``. ``deleted`` reads the delete log: 15 days, less after a Recycle Bin purge,
and reports ``earliestDateAvailable`` so a client can tell that it missed deletes (F15).
Out-of-range or unreadable dates give 400 ``INVALID_REPLICATION_DATE``.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

from ..errors import bad_request
from ..http import Ctx, Reply
from ..timefmt import parse_datetime, sf_datetime
from .sobjects import _object

MAX_IDS = 600_000


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _window(ctx: Ctx, days: int, check_start: bool) -> tuple[datetime, datetime]:
    try:
        # A '+' that reached us unencoded arrives as a space.
        start = parse_datetime((ctx.request.param("start") or "").replace(" ", "+"))
        end = parse_datetime((ctx.request.param("end") or "").replace(" ", "+"))
    except ValueError as exc:
        raise bad_request(
            "INVALID_REPLICATION_DATE",
            f"start and end must be ISO-8601 datetimes with an offset: {exc}",
        ) from exc
    now = ctx.org.now()
    start, end = _minute(start), _minute(min(end, now))
    if start > end:
        raise bad_request(
            "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate"
        )
    if check_start and start < _minute(now - timedelta(days=days)):
        raise bad_request(
            "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago"
        )
    return start, end


def updated(ctx: Ctx) -> Reply:
    """``GET /sobjects/T/updated/?start=&end=`` → ``{"ids", "latestDateCovered"}``."""
    obj = _object(ctx)
    start, end = _window(ctx, ctx.org.behaviour.updated_window_days, check_start=True)
    low, high = sf_datetime(start), sf_datetime(end)
    table = ctx.org.tables[obj.name]
    # The index is sorted on SystemModstamp for every object this route serves (§8 uses it).
    first = bisect.bisect_left(table.index, (low,))
    last = bisect.bisect_left(table.index, (high + "\x7f",))
    found = [i for _, i in table.index[first:last] if not table.rows[i]["IsDeleted"]]
    if len(found) > MAX_IDS:
        raise bad_request("EXCEEDED_ID_LIMIT", f"more than {MAX_IDS} ids; use a smaller window")
    return Reply(200, {"ids": found, "latestDateCovered": high})


def deleted(ctx: Ctx) -> Reply:
    """``GET /sobjects/T/deleted/?start=&end=`` (§8)."""
    obj = _object(ctx)
    start, end = _window(ctx, ctx.org.behaviour.deleted_window_days, check_start=False)
    earliest = _minute(ctx.org.now() - timedelta(days=ctx.org.behaviour.deleted_window_days))
    if ctx.org.delete_log_floor is not None:
        earliest = max(earliest, _minute(ctx.org.delete_log_floor))
    low, high = sf_datetime(max(start, earliest)), sf_datetime(end)
    table = ctx.org.tables[obj.name]
    records = [
        {"id": record_id, "deletedDate": stamp}
        for record_id, stamp in sorted(
            table.deleted_at.items(), key=lambda item: (item[1], item[0])
        )
        if low <= stamp <= high
    ]
    return Reply(
        200,
        {
            "deletedRecords": records,
            "earliestDateAvailable": sf_datetime(earliest),
            "latestDateCovered": high,
        },
    )
