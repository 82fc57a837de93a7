"""Time values as Salesforce writes and reads them (fact sheet §1, §14).

Datetimes are stored in the exact form responses carry, ``2013-05-20T20:49:32.000+0000`` (UTC,
milliseconds). All stored datetimes share that form, so comparing the strings compares the instants:
indexes and filters never parse. Dates are ``2013-05-20``; times ``08:00:00.000Z``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def sf_datetime(moment: datetime) -> str:
    """``2013-05-20T20:49:32.000+0000`` for an aware datetime.

    Raises:
        ValueError: ``moment`` is naive (failure-modes R5: naive time is an error).
    """
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "+0000"


def parse_datetime(text: str) -> datetime:
    """An aware datetime from ISO-8601 with ``Z``, ``+0000`` or ``+00:00``.

    Raises:
        ValueError: the text is not ISO-8601, or carries no offset.
    """
    text = text.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"datetime {text!r} has no UTC offset")
    return moment.astimezone(UTC)


def normalize_datetime(text: str) -> str:
    """The stored form of an ISO-8601 datetime string."""
    return sf_datetime(parse_datetime(text))


def sf_date(day: date) -> str:
    """``2013-05-20``."""
    return day.isoformat()


def sf_time(moment: time) -> str:
    """``08:00:00.000Z``, the form of ``time`` fields (§1)."""
    return moment.isoformat(timespec="milliseconds") + "Z"
