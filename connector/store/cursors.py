"""The ``cursors`` table: where each object type's next incremental pull starts (R2).

A cursor only moves forward. It is written in the same transaction as the records it covers, so a
crash leaves either both or neither.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from adapters.base.protocol import Cursor
from connector.store.errors import CorruptRowError
from connector.store.tables import CursorRow
from rules.model import ObjectType


def read(session: Session, object_type: ObjectType) -> Cursor | None:
    """The stored cursor of ``object_type``, or ``None`` if it was never pulled."""
    row = session.get(CursorRow, object_type.value)
    return None if row is None else _cursor(row)


def advance(
    session: Session, object_type: ObjectType, cursor: Cursor | None, now: datetime
) -> Cursor | None:
    """Store ``cursor`` unless the stored one is further on; return the cursor now stored.

    Positions compare as (modified_at, last_id), the id breaking timestamp ties. An equal position
    is stored again, so a batch can update ``extra`` without moving.
    """
    row = session.get(CursorRow, object_type.value)
    if cursor is None or (row is not None and _position(cursor) < (row.modified_at, row.last_id)):
        return None if row is None else _cursor(row)
    extra = dict(cursor.extra)
    if row is None:
        row = CursorRow(
            object_type=object_type.value,
            modified_at=cursor.modified_at,
            last_id=cursor.last_id,
            extra=extra,
            updated_at=now,
        )
        session.add(row)
    else:
        row.modified_at, row.last_id, row.extra, row.updated_at = (
            cursor.modified_at,
            cursor.last_id,
            extra,
            now,
        )
    return Cursor(modified_at=cursor.modified_at, last_id=cursor.last_id, extra=extra)


def reset(session: Session, object_type: ObjectType) -> bool:
    """Forget the cursor, so the next pull is a full one; return whether there was one."""
    row = session.get(CursorRow, object_type.value)
    if row is None:
        return False
    session.delete(row)
    return True


def _position(cursor: Cursor) -> tuple[datetime, str]:
    return cursor.modified_at, cursor.last_id


def _cursor(row: CursorRow) -> Cursor:
    extra = row.extra
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise CorruptRowError(f"cursors row {row.object_type!r}: extra is not a map of strings")
    return Cursor(modified_at=row.modified_at, last_id=row.last_id, extra=dict(extra))
