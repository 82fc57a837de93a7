"""Column types that hold the store's invariants in one place.

:class:`UTCDateTime` is the only door datetimes pass through: it refuses naive values on the way in,
stores UTC, and hands back aware UTC values on the way out. SQLite has no time zone type and drops
the offset, so "convert back on read" must live here rather than in every query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine import Dialect

from connector.store.errors import NaiveDatetimeError


def require_utc(value: datetime, what: str) -> datetime:
    """Return ``value`` as an aware UTC datetime, or raise :class:`NaiveDatetimeError`.

    Args:
        value: The instant to check.
        what: What the value is, for the error message (``"now"``, ``"cursor.modified_at"``).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what}: naive datetime {value.isoformat()} (a time zone is required)"
        )
    return value.astimezone(UTC)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A timestamp column that only accepts aware datetimes and always returns aware UTC ones."""

    impl = types.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive values; convert aware ones to UTC (SQLite keeps the wall clock only)."""
        if value is None:
            return None
        return require_utc(value, "timestamp column")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC to SQLite's naive values; normalise PostgreSQL's session zone to UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"timestamp column returned {type(value).__name__}, not a datetime")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def key_type() -> types.TypeEngine[str]:
    """A string column type that sorts and compares byte by byte on both backends.

    PostgreSQL would otherwise order ids by the database's locale (``en_US`` puts ``"a-2"`` before
    ``"a1"`` differently from SQLite's binary order), which makes paging and reports depend on the
    backend (R10). Used for every id and key column.
    """
    return types.String().with_variant(types.String(collation="C"), "postgresql")
