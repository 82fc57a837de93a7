"""The ``written_properties`` table: what we last wrote to (or found in) each owned property.

Diffing against it is what keeps a steady-state cycle from writing anything (F08, F23), and it is
the "last written" side of compare-and-set on human edits (R4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from connector.store.chunks import chunks
from connector.store.tables import WrittenRow
from rules.model import ObjectType


def read(
    session: Session, record_type: ObjectType, ids: Iterable[str]
) -> dict[tuple[str, str], str]:
    """Last written values of the records ``ids``, keyed by (record id, property)."""
    return {
        (r.record_id, r.property): r.value for r in _of_records(session, record_type.value, ids)
    }


def written_at(
    session: Session, record_type: ObjectType, ids: Iterable[str]
) -> dict[tuple[str, str], datetime]:
    """When each value of the records ``ids`` was written (or found), by (record id, property)."""
    found = _of_records(session, record_type.value, ids)
    return {(r.record_id, r.property): r.written_at for r in found}


Key = tuple[str, str, str]
"""A written value's primary key: (record type, record id, property)."""


def rows(session: Session, keys: Iterable[Key]) -> dict[Key, WrittenRow]:
    """The stored rows of the records ``keys`` name, read in a few queries (a batch of outcomes
    at once)."""
    wanted: dict[str, set[str]] = {}
    for record_type, record_id, _ in keys:
        wanted.setdefault(record_type, set()).add(record_id)
    return {
        (r.record_type, r.record_id, r.property): r
        for record_type, ids in wanted.items()
        for r in _of_records(session, record_type, ids)
    }


def _of_records(session: Session, record_type: str, ids: Iterable[str]) -> Iterator[WrittenRow]:
    """Every written value of the records ``ids``, one query per :data:`~.chunks.CHUNK` ids."""
    for chunk in chunks(ids):
        query = (
            select(WrittenRow)
            .where(WrittenRow.record_type == record_type, col(WrittenRow.record_id).in_(chunk))
            .order_by(col(WrittenRow.record_id), col(WrittenRow.property))
        )
        yield from session.exec(query)


def record(
    session: Session,
    record_type: ObjectType,
    record_id: str,
    prop: str,
    value: str,
    *,
    at: datetime,
    known: dict[Key, WrittenRow] | None = None,
) -> None:
    """Remember ``value`` as the CRM's value of ``prop`` on the record, as of ``at``.

    ``known`` holds rows read beforehand (:func:`rows`), so a batch costs no query per value;
    it is kept up to date with the rows this call adds.
    """
    key = (record_type.value, record_id, prop)
    row = known.get(key) if known is not None else session.get(WrittenRow, key)
    if row is None:
        row = WrittenRow(
            record_type=record_type.value,
            record_id=record_id,
            property=prop,
            value=value,
            written_at=at,
        )
        session.add(row)
        if known is not None:
            known[key] = row
    else:
        row.value, row.written_at = value, at
