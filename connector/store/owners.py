"""The ``owners`` table: the CRM users who own records, replaced as a whole on each refresh."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from connector.store import codec
from connector.store.errors import CorruptRowError
from connector.store.tables import OwnerRow
from rules.model import Owner


def replace(session: Session, owners: Iterable[Owner], now: datetime) -> None:
    """Make the stored owners exactly ``owners`` (the adapter always lists them all)."""
    session.exec(sa.delete(OwnerRow))
    by_id = {owner.id: owner for owner in owners}
    session.add_all(
        OwnerRow(id=owner_id, payload=codec.encode(owner), stored_at=now)
        for owner_id, owner in sorted(by_id.items())
    )


def read(session: Session) -> dict[str, Owner]:
    """Every stored owner by id, in id order."""
    rows = session.exec(select(OwnerRow).order_by(col(OwnerRow.id)))
    return {row.id: _decode(row) for row in rows}


def _decode(row: OwnerRow) -> Owner:
    try:
        return codec.decode(Owner, row.payload)
    except CorruptRowError as exc:
        raise CorruptRowError(f"owners row {row.id!r} cannot be read: {exc}") from exc


def refreshed_at(session: Session) -> datetime | None:
    """When the owners were last replaced (``None``: never)."""
    stored: datetime | None = session.exec(select(sa.func.max(OwnerRow.stored_at))).one()
    return stored
