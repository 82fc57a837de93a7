"""The ``outbox`` table: every intended side effect, recorded before it is sent (R1, R3).

A row is identified by (key, kind): a task's close carries the key of its create. At most one row
per key is ever pending (a close is only planned once its create is done), so an outcome, which
carries only the key, always names exactly one row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from adapters.base.protocol import (
    Action,
    ActionKind,
    ActionOutcome,
    OutcomeStatus,
    PropertyUpdate,
    TaskClose,
    TaskCreate,
)
from connector.store import codec, records, rejections, written
from connector.store.chunks import chunks
from connector.store.errors import CorruptRowError, StoreInputError
from connector.store.tables import OutboxRow, WrittenRow
from connector.store.values import PENDING_STATUSES, OutboxEntry, OutboxStatus, RefusedValue
from rules.model import ObjectType

_RESENDABLE = (OutboxStatus.PLANNED.value, OutboxStatus.RETRY.value)


def plan(session: Session, actions: Iterable[Action], now: datetime) -> list[Action]:
    """Insert the actions whose (key, kind) is new; return those newly planned, in input order.

    An existing row is never planned again, except one waiting to be retried (its payload is
    replaced, its attempts kept). Actions on tombstoned records are dropped (R7), and a close
    waits until its create is done. A new property value supersedes older unsent ones for the
    same property (they are cancelled), so a stale value can never land after a newer one.
    """
    unique: dict[tuple[str, str], Action] = {}
    for action in actions:
        unique.setdefault((action.key, action.kind.value), action)
    rows = _rows(session, {key for key, _ in unique})
    _supersede(session, [a for a in unique.values() if isinstance(a, PropertyUpdate)], rows, now)
    dead = records.dead(session, {(a.record_type, a.record_id) for a in unique.values()})
    planned: list[Action] = []
    for identity, action in unique.items():
        row = rows.get(identity)
        if (action.record_type, action.record_id) in dead:
            continue
        if row is None and not _close_before_create(action, rows, unique):
            session.add(_new_row(action, now))
        elif row is not None and row.status == OutboxStatus.RETRY:
            row.payload, row.updated_at = codec.encode(action), now
            row.status = OutboxStatus.PLANNED.value
        else:
            continue
        planned.append(action)
    return planned


def pending(session: Session, limit: int) -> list[OutboxEntry]:
    """Planned, sent and retrying actions, oldest first."""
    query = (
        select(OutboxRow)
        .where(col(OutboxRow.status).in_([s.value for s in PENDING_STATUSES]))
        .order_by(col(OutboxRow.created_at), col(OutboxRow.key), col(OutboxRow.kind))
        .limit(limit)
    )
    return [_entry(row) for row in session.exec(query)]


def mark_sent(session: Session, keys: Iterable[str], now: datetime) -> int:
    """Mark the planned or retrying actions with ``keys`` as sent; return how many were."""
    marked = 0
    for chunk in chunks(keys):
        statement = (
            sa.update(OutboxRow)
            .where(
                col(OutboxRow.key).in_(chunk),
                col(OutboxRow.status).in_(_RESENDABLE),
            )
            .values(status=OutboxStatus.SENT.value, updated_at=now)
        )
        marked += session.exec(statement).rowcount
    return marked


def record_outcomes(
    session: Session, outcomes: Sequence[ActionOutcome], now: datetime, max_attempts: int
) -> None:
    """Apply each outcome to the row its key names (see :func:`_apply`).

    Raises:
        StoreInputError: An outcome names a key that was never planned; nothing is recorded.
    """
    by_key: dict[str, list[OutboxRow]] = {}
    for row in _rows(session, {o.key for o in outcomes}).values():
        by_key.setdefault(row.key, []).append(row)
    unknown = sorted({o.key for o in outcomes} - set(by_key))
    if unknown:
        raise StoreInputError(f"outcomes for keys that were never planned: {unknown[:5]}")
    targets = [(_target(by_key[outcome.key]), outcome) for outcome in outcomes]
    updates = [
        (row.record_type, row.record_id, str(row.payload.get("property")))
        for row, outcome in targets
        if row.kind == ActionKind.UPDATE_PROPERTY.value and outcome.status is OutcomeStatus.DONE
    ]
    known = written.rows(session, updates)  # one query per 500 records, not one per value
    for row, outcome in targets:
        _apply(session, row, outcome, now, max_attempts, known=known)


def open_tasks(session: Session, record_type: ObjectType, ids: Iterable[str]) -> list[OutboxEntry]:
    """Tasks created on the records ``ids`` and not closed, by record and key.

    A task counts as closed once a close is planned for it, whatever became of the close except
    cancellation (a rejected close means the task is gone from the CRM).
    """
    creates: list[OutboxRow] = []
    for chunk in chunks(ids):
        query = select(OutboxRow).where(
            OutboxRow.record_type == record_type.value,
            col(OutboxRow.record_id).in_(chunk),
            OutboxRow.kind == ActionKind.CREATE_TASK.value,
            OutboxRow.status == OutboxStatus.DONE.value,
        )
        creates.extend(session.exec(query))
    closes = _rows(session, {row.key for row in creates})
    closed = {
        key
        for (key, kind), row in closes.items()
        if kind == ActionKind.CLOSE_TASK.value and row.status != OutboxStatus.CANCELLED.value
    }
    creates.sort(key=lambda row: (row.record_id, row.key))
    return [_entry(row) for row in creates if row.key not in closed]


def _supersede(
    session: Session,
    updates: Sequence[PropertyUpdate],
    planning: Mapping[tuple[str, str], OutboxRow],
    now: datetime,
) -> None:
    """Cancel unsent property updates that ``updates`` replace (same record and property)."""
    targets = {(u.record_type.value, u.record_id, u.property) for u in updates}
    ids = sorted({record_id for _, record_id, _ in targets})
    for chunk in chunks(ids):
        query = select(OutboxRow).where(
            col(OutboxRow.record_id).in_(chunk),
            OutboxRow.kind == ActionKind.UPDATE_PROPERTY.value,
            col(OutboxRow.status).in_(_RESENDABLE),
        )
        for row in session.exec(query):
            mine = (row.key, row.kind) in planning
            prop = row.payload.get("property")
            if not mine and (row.record_type, row.record_id, prop) in targets:
                row.status, row.updated_at = OutboxStatus.CANCELLED.value, now


def pending_values(
    session: Session, record_type: ObjectType, ids: Iterable[str]
) -> dict[tuple[str, str], str]:
    """Property values planned for the records ``ids`` and not sent or confirmed yet, by (record
    id, property); the latest plan wins. The planner treats them as written, so a backlog that
    takes several cycles to send is not planned again (see :func:`plan` for superseding)."""
    pending = [s.value for s in PENDING_STATUSES]
    updates = _property_updates(session, record_type, ids, pending, col(OutboxRow.key))
    return {(action.record_id, action.property): action.value for _, action in updates}


def refused_values(
    session: Session, record_type: ObjectType, ids: Iterable[str]
) -> dict[tuple[str, str], RefusedValue]:
    """Property values of the records ``ids`` that the CRM refused and nothing replaced since, by
    (record id, property), with when they were refused (the row's last update).

    A value counts when the latest update planned for its property (by plan time) was rejected
    and no value was written to (or found in) that property after the rejection. The planner
    holds such a value back for a while instead of sending it again (``connector.refusals``).
    """
    candidates = _refused_ids(session, record_type, ids)
    updates = _property_updates(
        session, record_type, candidates, None, col(OutboxRow.updated_at), col(OutboxRow.key)
    )
    latest = {(action.record_id, action.property): (row, action) for row, action in updates}
    overwritten = written.written_at(session, record_type, candidates)
    found: dict[tuple[str, str], RefusedValue] = {}
    for identity, (row, action) in sorted(latest.items()):
        written_after = identity in overwritten and overwritten[identity] > row.updated_at
        if row.status == OutboxStatus.REJECTED.value and not written_after:
            found[identity] = RefusedValue(action.value, row.updated_at)
    return found


def _property_updates(
    session: Session,
    record_type: ObjectType,
    ids: Iterable[str],
    statuses: Sequence[str] | None,
    *order: Any,
) -> Iterator[tuple[OutboxRow, PropertyUpdate]]:
    """The property updates planned for the records ``ids`` (of ``statuses``, or all), in plan
    order (``created_at``, then the ``order`` columns): of two for one property, the later is the
    latest."""
    for chunk in chunks(ids):
        query = select(OutboxRow).where(
            OutboxRow.record_type == record_type.value,
            col(OutboxRow.record_id).in_(chunk),
            OutboxRow.kind == ActionKind.UPDATE_PROPERTY.value,
        )
        if statuses is not None:
            query = query.where(col(OutboxRow.status).in_(statuses))
        query = query.order_by(col(OutboxRow.created_at), *order)
        for row in session.exec(query):
            action = _entry(row).action
            if isinstance(action, PropertyUpdate):
                yield row, action


def _refused_ids(session: Session, record_type: ObjectType, ids: Iterable[str]) -> list[str]:
    """Those of ``ids`` with a rejected property update (few: the rest cost one indexed query)."""
    found: set[str] = set()
    for chunk in chunks(ids):
        query = select(OutboxRow.record_id).where(
            OutboxRow.record_type == record_type.value,
            col(OutboxRow.record_id).in_(chunk),
            OutboxRow.kind == ActionKind.UPDATE_PROPERTY.value,
            OutboxRow.status == OutboxStatus.REJECTED.value,
        )
        found.update(session.exec(query.distinct()))
    return sorted(found)


def open_task_counts(session: Session) -> dict[str, int]:
    """Tasks created and not closed (see :func:`open_tasks`), counted by rule: the breaches that
    are open in the CRM right now, whichever cycle found them."""
    closes = (
        select(OutboxRow.key)
        .where(
            OutboxRow.kind == ActionKind.CLOSE_TASK.value,
            OutboxRow.status != OutboxStatus.CANCELLED.value,
        )
        .scalar_subquery()
    )
    query = (
        select(OutboxRow.rule, sa.func.count())
        .where(
            OutboxRow.kind == ActionKind.CREATE_TASK.value,
            OutboxRow.status == OutboxStatus.DONE.value,
            col(OutboxRow.key).not_in(closes),
        )
        .group_by(OutboxRow.rule)
    )
    return {rule or "": count for rule, count in session.exec(query)}


def cancel(
    session: Session,
    record_type: ObjectType,
    ids: Sequence[str],
    now: datetime,
    *,
    keep: Collection[ActionKind] = (),
) -> None:
    """Cancel the unsent actions on records that were deleted or merged away (R7), except those
    of the kinds in ``keep``.

    Sent ones are left alone: they may already be in the CRM, and their outcome will say.
    """
    kept = [kind.value for kind in keep]
    for chunk in chunks(ids):
        statement = (
            sa.update(OutboxRow)
            .where(
                col(OutboxRow.record_type) == record_type.value,
                col(OutboxRow.record_id).in_(chunk),
                col(OutboxRow.status).in_(_RESENDABLE),
                col(OutboxRow.kind).not_in(kept),
            )
            .values(status=OutboxStatus.CANCELLED.value, updated_at=now)
        )
        session.exec(statement)


def move_tasks(session: Session, loser: records.Ref, survivor: records.Ref, now: datetime) -> None:
    """Move the loser's task creations and closes to the merge survivor (the CRM moves the tasks
    too), so the planner sees them on the survivor and can close a duplicate (F14), and a close
    not sent yet still completes its task.

    The survivor may be of another object type (a converted Lead's Contact): the tasks then count
    as the survivor's, and are closed when the survivor's condition resolves.
    """
    (loser_type, loser_id), (survivor_type, survivor_id) = loser, survivor
    query = select(OutboxRow).where(
        OutboxRow.record_type == loser_type.value,
        OutboxRow.record_id == loser_id,
        col(OutboxRow.kind).in_([ActionKind.CREATE_TASK.value, ActionKind.CLOSE_TASK.value]),
    )
    for row in session.exec(query):
        action = _entry(row).action
        if isinstance(action, TaskCreate | TaskClose):
            moved = replace(action, record_type=survivor_type, record_id=survivor_id)
            row.payload = codec.encode(moved)
            row.record_type, row.record_id = survivor_type.value, survivor_id
            row.updated_at = now


def _apply(
    session: Session,
    row: OutboxRow,
    outcome: ActionOutcome,
    now: datetime,
    max_attempts: int,
    *,
    known: dict[written.Key, WrittenRow],
) -> None:
    """Done → remember the written value; rejected, or retried ``max_attempts`` times → rejected
    with a ``rejected_items`` row; otherwise → retry."""
    action = _entry(row).action
    row.attempts += 1
    row.updated_at = now
    if outcome.status is OutcomeStatus.DONE:
        row.status, row.last_error = OutboxStatus.DONE.value, None
        row.crm_id = outcome.crm_id or row.crm_id
        if isinstance(action, PropertyUpdate):
            ref = (action.record_type, action.record_id)
            written.record(session, *ref, action.property, action.value, at=now, known=known)
        return
    row.last_error = outcome.reason or str(outcome.status)
    if outcome.status is OutcomeStatus.RETRY_LATER and row.attempts < max_attempts:
        row.status = OutboxStatus.RETRY.value
        return
    row.status = OutboxStatus.REJECTED.value
    reason = row.last_error
    if outcome.status is OutcomeStatus.RETRY_LATER:
        reason = f"gave up after {row.attempts} attempts: {reason}"
    refused = (action.record_type, action.record_id, _refused_field(action))
    rejections.note(session, refused, reason, now, attempts=row.attempts)


def _target(rows: list[OutboxRow]) -> OutboxRow:
    # The pending row if there is one (there is at most one per key); else the latest, so a
    # repeated outcome lands where the first one did.
    pending_rows = [r for r in rows if r.status in {s.value for s in PENDING_STATUSES}]
    if pending_rows:
        return min(pending_rows, key=lambda r: (r.created_at, r.kind))
    return max(rows, key=lambda r: (r.updated_at, r.kind))


def _close_before_create(
    action: Action,
    rows: Mapping[tuple[str, str], OutboxRow],
    planning: Mapping[tuple[str, str], Action],
) -> bool:
    """Whether ``action`` closes a task whose create is not done yet (stored or being planned)."""
    if action.kind is not ActionKind.CLOSE_TASK:
        return False
    create = (action.key, ActionKind.CREATE_TASK.value)
    if create in rows:
        return rows[create].status != OutboxStatus.DONE.value
    return create in planning


def _refused_field(action: Action) -> str:
    if isinstance(action, PropertyUpdate):
        return action.property
    return f"{action.kind}:{action.rule}"


def _new_row(action: Action, now: datetime) -> OutboxRow:
    return OutboxRow(
        key=action.key,
        kind=action.kind.value,
        record_type=action.record_type.value,
        record_id=action.record_id,
        rule=None if isinstance(action, PropertyUpdate) else action.rule,
        payload=codec.encode(action),
        status=OutboxStatus.PLANNED.value,
        created_at=now,
        updated_at=now,
    )


def _rows(session: Session, keys: Iterable[str]) -> dict[tuple[str, str], OutboxRow]:
    found: dict[tuple[str, str], OutboxRow] = {}
    for chunk in chunks(keys):
        query = select(OutboxRow).where(col(OutboxRow.key).in_(chunk))
        found.update(((row.key, row.kind), row) for row in session.exec(query))
    return found


def _entry(row: OutboxRow) -> OutboxEntry:
    try:
        action = codec.decode_action(row.payload)
        status = OutboxStatus(row.status)
    except (CorruptRowError, ValueError) as exc:
        raise CorruptRowError(
            f"outbox row ({row.key!r}, {row.kind!r}) cannot be read: {exc}"
        ) from exc
    return OutboxEntry(
        action=action,
        status=status,
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        crm_id=row.crm_id,
        last_error=row.last_error,
    )
