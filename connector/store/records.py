"""The ``records`` table: upserts, tombstones and merges from pulls; reads for judging.

Functions here run inside the caller's transaction (a :class:`sqlmodel.Session`); the store decides
where transactions begin and end.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from connector.store import codec
from connector.store.chunks import chunks
from connector.store.errors import CorruptRowError
from connector.store.tables import RecordRow, table
from connector.store.values import Record
from rules.model import ObjectType

Ref = tuple[ObjectType, str]
"""A record by object type and id: merges may cross object types (a Lead converted to a Contact)."""


JUDGE_NOW = datetime(1970, 1, 1, tzinfo=UTC)
"""``next_check_at`` of a person stored but not judged yet: a cycle that stops (or dies) between
storing a page and judging it leaves the record due, so the next cycle judges it; judging sets the
real next check. Deals are not judged (the rules judge people), so they get none."""


def _unjudged(
    object_type: ObjectType, record_id: str = "", to_judge: Collection[str] | None = None
) -> datetime | None:
    if object_type is ObjectType.DEAL or (to_judge is not None and record_id not in to_judge):
        return None
    return JUDGE_NOW


def upsert(
    session: Session,
    object_type: ObjectType,
    records: Sequence[Record],
    now: datetime,
    *,
    to_judge: Collection[str] | None = None,
) -> list[str]:
    """Store each record's newest version; return the ids whose stored version changed.

    A re-delivered record (same payload) is a no-op, and a version older than the stored one (a
    lookback re-read, a page served out of order) never replaces it. A record that reappears after
    a tombstone is alive again (HubSpot restores, Salesforce undeletes). Changed people are due for
    judging (:data:`JUDGE_NOW`) unless ``to_judge`` names the ones that are: the caller may know
    that a new version only carries our own write-back.
    """
    latest = _newest_by_id(records)
    rows = _rows(session, object_type, latest)
    changed: list[str] = []
    for record_id, record in latest.items():
        row = rows.get(record_id)
        payload = codec.encode(record)
        if row is None:
            session.add(
                RecordRow(
                    object_type=object_type.value,
                    record_id=record_id,
                    payload=payload,
                    modified_at=record.updated_at,
                    stored_at=now,
                    next_check_at=_unjudged(object_type, record_id, to_judge),
                )
            )
        elif _older(record.updated_at, row.modified_at) or (
            row.payload == payload and row.deleted_at is None
        ):
            continue
        else:
            row.payload, row.modified_at, row.stored_at = payload, record.updated_at, now
            row.deleted_at = row.merged_into = row.merged_into_type = None
            if to_judge is None or record_id in to_judge:
                row.next_check_at = _unjudged(object_type, record_id, to_judge)
        changed.append(record_id)
    return changed


def tombstone(
    session: Session,
    object_type: ObjectType,
    ids: Iterable[str],
    now: datetime,
    merged_into: Mapping[str, Ref] | None = None,
) -> list[str]:
    """Mark stored records deleted (or merged into a survivor); return the newly tombstoned ids.

    Ids never stored are ignored: there is nothing local to mark. A tombstone is never rechecked.
    ``merged_into`` maps a loser's id to its survivor, which need not be stored (yet).
    """
    wanted = list(dict.fromkeys(ids))
    rows = _rows(session, object_type, wanted)
    newly: list[str] = []
    for record_id in wanted:
        row = rows.get(record_id)
        if row is None:
            continue
        if row.deleted_at is None:
            row.deleted_at = now
            newly.append(record_id)
        row.next_check_at = None
        if merged_into and record_id in merged_into:
            survivor_type, row.merged_into = merged_into[record_id]
            row.merged_into_type = survivor_type.value
    return newly


def mark_swept(
    session: Session, object_type: ObjectType, ids: Iterable[str], started: datetime
) -> None:
    """Note that the full pull begun at ``started`` delivered ``ids`` (live, deleted or merged).

    Ids never stored are ignored; the caller stores a batch's records before marking them.
    """
    session.flush()  # rows added through the session this transaction must be visible here
    records = table(RecordRow)
    for chunk in chunks(ids):
        session.connection().execute(
            sa.update(records)
            .where(
                records.c.object_type == object_type.value,
                records.c.record_id.in_(chunk),
            )
            .values(swept_at=started)
        )


def unswept(session: Session, object_type: ObjectType, started: datetime) -> list[str]:
    """Live records the full pull begun at ``started`` did not deliver, in id order.

    A record stored with a CRM modification at or after ``started`` is kept: it changed while
    the pull ran, so its absence proves nothing.
    """
    query = select(RecordRow.record_id).where(
        RecordRow.object_type == object_type.value,
        col(RecordRow.deleted_at).is_(None),
        sa.or_(col(RecordRow.swept_at).is_(None), col(RecordRow.swept_at) < started),
        sa.or_(col(RecordRow.modified_at).is_(None), col(RecordRow.modified_at) < started),
    )
    return list(session.exec(query.order_by(col(RecordRow.record_id))))


def judge_again(session: Session, object_type: ObjectType, ids: Iterable[str]) -> None:
    """Make the stored live people among ``ids`` due now, so the next cycle judges them.

    Ids not stored yet need nothing: a record is due when it is first stored. Deals are never
    judged, so they stay as they are.
    """
    due = _unjudged(object_type)
    if due is not None:
        set_next_check(session, object_type, dict.fromkeys(ids, due))


def live(session: Session, object_type: ObjectType, ids: Iterable[str]) -> dict[str, Record]:
    """The stored, not tombstoned records among ``ids``."""
    rows = _rows(session, object_type, ids)
    return {rid: _decode(row) for rid, row in sorted(rows.items()) if row.deleted_at is None}


def dead(session: Session, refs: Iterable[tuple[ObjectType, str]]) -> set[tuple[ObjectType, str]]:
    """The ``(object_type, id)`` pairs among ``refs`` that are tombstoned."""
    found: set[tuple[ObjectType, str]] = set()
    by_type: dict[ObjectType, list[str]] = {}
    for object_type, record_id in refs:
        by_type.setdefault(object_type, []).append(record_id)
    for object_type, ids in by_type.items():
        rows = _rows(session, object_type, ids)
        found.update((object_type, rid) for rid, row in rows.items() if row.deleted_at is not None)
    return found


def page(session: Session, object_type: ObjectType, after: str | None, limit: int) -> list[Record]:
    """Up to ``limit`` live records with ids after ``after``, in id order (keyset paging)."""
    query = select(RecordRow).where(
        RecordRow.object_type == object_type.value, col(RecordRow.deleted_at).is_(None)
    )
    if after is not None:
        query = query.where(col(RecordRow.record_id) > after)
    rows = session.exec(query.order_by(col(RecordRow.record_id)).limit(limit))
    return [_decode(row) for row in rows]


def due(session: Session, now: datetime, limit: int) -> list[Record]:
    """Live records whose verdict may have changed by ``now``, soonest first."""
    query = (
        select(RecordRow)
        .where(col(RecordRow.next_check_at) <= now, col(RecordRow.deleted_at).is_(None))
        .order_by(
            col(RecordRow.next_check_at), col(RecordRow.object_type), col(RecordRow.record_id)
        )
        .limit(limit)
    )
    return [_decode(row) for row in session.exec(query)]


def set_next_check(
    session: Session, object_type: ObjectType, checks: Mapping[str, datetime | None]
) -> None:
    """Set (or clear, with ``None``) when each record must be judged again; unknown ids are
    ignored. Tombstones keep no next check."""
    if not checks:
        return
    records = table(RecordRow)
    statement = (
        sa.update(records)
        .where(
            records.c.object_type == object_type.value,
            records.c.record_id == sa.bindparam("rid"),
            records.c.deleted_at.is_(None),
        )
        .values(next_check_at=sa.bindparam("at"))
    )
    params = [{"rid": rid, "at": at} for rid, at in sorted(checks.items())]
    session.connection().execute(statement, params)


def _newest_by_id(records: Sequence[Record]) -> dict[str, Record]:
    # A page may list a record twice (F35): keep the newest version, the later one on a tie.
    newest: dict[str, Record] = {}
    for record in records:
        kept = newest.get(record.id)
        if kept is None or not _older(record.updated_at, kept.updated_at):
            newest[record.id] = record
    return newest


def _older(candidate: datetime | None, stored: datetime | None) -> bool:
    return candidate is not None and stored is not None and candidate < stored


def _rows(session: Session, object_type: ObjectType, ids: Iterable[str]) -> dict[str, RecordRow]:
    found: dict[str, RecordRow] = {}
    for chunk in chunks(ids):
        query = select(RecordRow).where(
            RecordRow.object_type == object_type.value,
            col(RecordRow.record_id).in_(chunk),
        )
        found.update((row.record_id, row) for row in session.exec(query))
    return found


def _decode(row: RecordRow) -> Record:
    try:
        return codec.decode_record(ObjectType(row.object_type), row.payload)
    except (CorruptRowError, ValueError) as exc:
        raise CorruptRowError(
            f"records row ({row.object_type!r}, {row.record_id!r}) cannot be read: {exc}"
        ) from exc
