"""The ``sync_runs`` table: one row per sync cycle, for ``/healthz``, metrics and the report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, col, select

from connector.store.errors import CorruptRowError, StoreInputError
from connector.store.tables import SyncRunRow
from connector.store.values import RunStatus, SyncRun


def start(session: Session, now: datetime) -> int:
    """Log a cycle starting at ``now``; return its id."""
    row = SyncRunRow(started_at=now, status=RunStatus.RUNNING.value, counts={})
    session.add(row)
    session.flush()
    if row.id is None:
        raise RuntimeError("the database assigned no id to the new sync run")
    return row.id


def finish(
    session: Session,
    run_id: int,
    now: datetime,
    status: RunStatus,
    *,
    counts: Mapping[str, int],
    api_calls: int,
    error: str | None,
) -> None:
    """Close the run ``run_id`` with its final status, figures and error text (if it failed)."""
    row = session.get(SyncRunRow, run_id)
    if row is None:
        raise StoreInputError(f"no sync run with id {run_id}")
    row.finished_at, row.status, row.error = now, RunStatus(status).value, error
    row.counts, row.api_calls = dict(sorted(counts.items())), api_calls


def last(session: Session, n: int) -> list[SyncRun]:
    """The ``n`` most recent runs, newest first."""
    query = select(SyncRunRow).order_by(col(SyncRunRow.id).desc()).limit(n)
    return [_run(row) for row in session.exec(query)]


def _run(row: SyncRunRow) -> SyncRun:
    try:
        status = RunStatus(row.status)
    except ValueError as exc:
        raise CorruptRowError(f"sync_runs row {row.id}: {exc}") from exc
    if row.id is None or not all(isinstance(v, int) for v in row.counts.values()):
        raise CorruptRowError(f"sync_runs row {row.id}: counts must be integers")
    return SyncRun(
        id=row.id,
        started_at=row.started_at,
        status=status,
        finished_at=row.finished_at,
        counts=dict(row.counts),
        api_calls=row.api_calls,
        error=row.error,
    )
