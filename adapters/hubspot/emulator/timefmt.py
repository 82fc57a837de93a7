"""Time values as HubSpot writes and reads them (fact sheet §2, §4).

HubSpot sends datetimes as ISO-8601 UTC with milliseconds (``2024-01-17T19:55:04.281Z``) and accepts
epoch milliseconds or ISO-8601 in writes and search filters. Internally the emulator keeps epoch ms.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_EPOCH_MS = re.compile(r"-?\d{1,16}")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MS_PER_DAY = 86_400_000


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime.

    Raises:
        ValueError: ``moment`` is naive (failure-modes R5: naive time is an error).
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
    return int(moment.timestamp() * 1000)


def iso_ms(ms: int) -> str:
    """``2024-01-17T19:55:04.281Z`` for epoch milliseconds (the format HubSpot sends)."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(text: str) -> int:
    """Epoch ms from epoch-ms digits, a date (``2024-01-10``) or ISO-8601 with an offset.

    Raises:
        ValueError: the text is none of these, or an ISO datetime without an offset.
    """
    text = text.strip()
    if _EPOCH_MS.fullmatch(text):
        return int(text)
    if _DATE_ONLY.fullmatch(text):
        return to_ms(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"datetime {text!r} has no UTC offset")
    return to_ms(moment)


def is_midnight_utc(ms: int) -> bool:
    """True when ``ms`` is midnight UTC, the only valid value of a date property (fact sheet §2)."""
    return ms % _MS_PER_DAY == 0


def iso_date(ms: int) -> str:
    """``2024-01-10`` for a midnight-UTC epoch ms (how date properties read back)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date().isoformat()


def iso_datetime(moment: datetime) -> str:
    """``2024-01-17T19:55:04.281Z`` for an aware datetime (fast path for bulk loads)."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"
