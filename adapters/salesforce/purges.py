"""Deletes purged before a pull could see them (salesforce-api.md §8, §14; failure-modes F15).

Incremental pulls see deletes through ``queryAll``, which returns deleted rows only while they
sit in the Recycle Bin. The bin keeps them 15 days, but an admin may empty it and Salesforce
purges it early above a size limit; a row deleted and purged between two cycles is never seen.
``GET /sobjects/T/deleted/`` reports ``earliestDateAvailable``, the oldest delete it still knows:
when that is later than our last check, deletes since then may have been purged unseen, and §8
says a full reconciliation is required.

The check costs one call per object, so it runs once per :data:`CHECK_EVERY` (remembered in the
cursor's ``extra`` as :data:`CHECKED`), not every cycle; asked with ``start = end`` it lists no
records, only the dates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from adapters.base.errors import ConfigurationError
from adapters.base.protocol import Cursor
from adapters.salesforce.client import SalesforceClient
from adapters.salesforce.mapping import parse_datetime

CHECKED: Final = "deletes_checked_at"
"""Cursor ``extra`` key: when deletes were last known complete (ISO-8601)."""
CHECK_EVERY: Final = timedelta(hours=24)


def last_checked(cursor: Cursor) -> datetime:
    """Since when deletes are known complete: the last check, else the cursor's window start.

    Raises:
        ConfigurationError: The stored check time is unreadable.
    """
    stored = cursor.extra.get(CHECKED)
    if not stored:
        return cursor.modified_at
    try:
        return parse_datetime(stored)
    except ValueError as exc:
        raise ConfigurationError(
            f"the stored Salesforce cursor's {CHECKED} is unreadable ({stored!r}): reset the "
            "cursor for a full pull"
        ) from exc


def check_due(cursor: Cursor, started_at: datetime) -> bool:
    """Whether this pull checks the delete log (never checked, or a day since)."""
    return CHECKED not in cursor.extra or started_at - last_checked(cursor) >= CHECK_EVERY


def purged_since(
    client: SalesforceClient, sobject: str, since: datetime, started_at: datetime
) -> datetime | None:
    """When the delete log now begins, if that is after ``since``; else ``None``.

    Raises:
        SmarketingError: The call failed (the client maps it).
    """
    stamp = started_at.isoformat()
    body = client.rest(
        "GET",
        f"sobjects/{sobject}/deleted/",
        params={"start": stamp, "end": stamp},
        label=f"deleted {sobject}",
    )
    earliest = (body or {}).get("earliestDateAvailable")
    if not isinstance(earliest, str):
        return None
    begins = parse_datetime(earliest)
    # The log is read to the minute (§8: seconds are ignored).
    return begins if begins > since.replace(second=0, microsecond=0) else None


def checked(cursor: Cursor, at: datetime) -> Cursor:
    """``cursor`` noting that deletes are known complete up to ``at``."""
    return replace(cursor, extra={**cursor.extra, CHECKED: at.isoformat()})
