"""The ``rejected_items`` table: permanent refusals, one row per (record, field) (R3).

Both the outbox (an action the CRM refused, or gave up on after its retries) and the sync cycle (a
record missing a required field) note refusals here; the report lists them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from connector.store.errors import CorruptRowError
from connector.store.tables import RejectedItemRow
from connector.store.values import RejectedItem
from rules.model import ObjectType


def note(
    session: Session,
    item: tuple[ObjectType, str, str],
    reason: str,
    now: datetime,
    attempts: int = 1,
) -> None:
    """Record that the CRM or the rules refused ``item`` = (record type, record id, field).

    A repeated refusal keeps ``first_seen``, moves ``last_seen``, replaces the reason and adds
    ``attempts`` (the tries that ended in this refusal).
    """
    record_type, record_id, field = item
    row = session.get(RejectedItemRow, (record_type.value, record_id, field))
    if row is None:
        session.add(
            RejectedItemRow(
                record_type=record_type.value,
                record_id=record_id,
                field=field,
                reason=reason,
                first_seen=now,
                last_seen=now,
                attempts=attempts,
            )
        )
    else:
        row.reason, row.last_seen, row.attempts = reason, now, row.attempts + attempts


def read(session: Session) -> list[RejectedItem]:
    """Every refusal, ordered by record type, record id and field."""
    query = select(RejectedItemRow).order_by(
        col(RejectedItemRow.record_type),
        col(RejectedItemRow.record_id),
        col(RejectedItemRow.field),
    )
    return [_item(row) for row in session.exec(query)]


def _item(row: RejectedItemRow) -> RejectedItem:
    try:
        record_type = ObjectType(row.record_type)
    except ValueError as exc:
        raise CorruptRowError(
            f"rejected_items row ({row.record_type!r}, {row.record_id!r}, {row.field!r}): {exc}"
        ) from exc
    return RejectedItem(
        record_type=record_type,
        record_id=row.record_id,
        field=row.field,
        reason=row.reason,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        attempts=row.attempts,
    )
