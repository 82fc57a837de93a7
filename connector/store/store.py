"""The :class:`Store`: the connector's only door to its database.

Every method runs in its own transaction and takes and returns domain values (``rules.model``,
``adapters.base.protocol``, :mod:`connector.store.values`); table rows never leave the package.
The table modules (``records``, ``cursors``, ``outbox``, …) hold the queries; this class decides
where transactions begin and end, checks instants are aware, and converts database errors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.base.protocol import Action, ActionKind, ActionOutcome, Cursor, PullBatch
from connector.store import cursors, outbox, owners, records, rejections, runs, sweeps, written
from connector.store.columns import require_utc
from connector.store.engine import make_engine, safe_url
from connector.store.errors import StoreInputError, translate
from connector.store.migrate import upgrade
from connector.store.values import (
    OutboxEntry,
    PullResult,
    Record,
    RefusedValue,
    RejectedItem,
    RunStatus,
    SyncRun,
)
from rules.model import ObjectType, Owner

WallClock = Callable[[], datetime]

DEFAULT_MAX_ATTEMPTS = 5
"""Sends an action gets before a retriable failure counts as a permanent rejection (R3)."""


def utc_now() -> datetime:
    """The wall clock in UTC: the default clock for bookkeeping timestamps (``stored_at``)."""
    return datetime.now(UTC)


class Store:
    """Records, cursors, owners, written values, the outbox and the run log of one CRM account.

    Open it with :meth:`open`; close it with :meth:`close` or a ``with`` block. ``clock`` stamps
    bookkeeping columns that have no caller-supplied instant (``stored_at``, ``updated_at`` of
    cursors); business instants (``now``, ``at``) are always parameters. Methods taking ids (or
    keys) take any iterable of them, or a single one as a plain string.
    """

    def __init__(self, engine: Engine, *, clock: WallClock, max_attempts: int) -> None:
        """Wrap an engine whose database is already at head; prefer :meth:`open`."""
        if max_attempts < 1:
            raise StoreInputError(f"max_attempts must be at least 1, not {max_attempts}")
        self._engine = engine
        self._clock = clock
        self._max_attempts = max_attempts

    @classmethod
    def open(
        cls, url: str, *, clock: WallClock = utc_now, max_attempts: int = DEFAULT_MAX_ATTEMPTS
    ) -> Store:
        """Connect to ``url``, upgrade its schema to head, and return the store.

        Raises:
            StoreConfigError: The URL is malformed or names an unsupported backend.
            StoreUnavailableError: The database is unreachable or locked; try again later.
        """
        engine = make_engine(url)
        try:
            upgrade(engine)
            return cls(engine, clock=clock, max_attempts=max_attempts)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Release every database connection; the store cannot be used afterwards."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({safe_url(self._engine.url)!r})"

    # -- records and cursors ---------------------------------------------------------------

    def apply_pull(
        self, batch: PullBatch, *, to_judge: Collection[str] | None = None
    ) -> PullResult:
        """Store one pulled batch and its cursor in one transaction (R2), so a crash keeps both
        or neither.

        Records are upserted (see :func:`records.upsert`), then ``deleted_ids`` tombstoned, then
        merge losers tombstoned with ``merged_into`` their survivor and their task creations and
        unsent closes moved to it (R7). The batch that ends a full pull tombstones what it never
        delivered (:mod:`.sweeps`). Other unsent actions on tombstoned records are cancelled. The
        cursor never moves backwards: an older batch cursor leaves the stored one in place.

        A survivor may be of another object type (``Merge.survivor_type``: a converted Lead's
        Contact) and need not be stored yet. Such a survivor cannot be listed in the result, which
        names records of the batch's type: if stored, it is made due for a recheck instead, so the
        tasks it inherited are judged (and closed) with it.

        Raises:
            StoreInputError: The batch mixes object types, or holds a naive datetime.
        """
        incoming = _records_of(batch)
        _check_cursor(batch.cursor)
        kind, now = batch.object_type, self._now()
        survivors = _survivors(batch)
        losers = list(survivors)
        with self._transaction() as session:
            changed = records.upsert(session, kind, incoming, now, to_judge=to_judge)
            deleted = records.tombstone(session, kind, batch.deleted_ids, now)
            deleted += records.tombstone(session, kind, losers, now, merged_into=survivors)
            outbox.cancel(session, kind, batch.deleted_ids, now)
            outbox.cancel(session, kind, losers, now, keep=(ActionKind.CLOSE_TASK,))
            for loser_id, survivor in sorted(survivors.items()):
                outbox.move_tasks(session, (kind, loser_id), survivor, now)
            elsewhere = _by_type(ref for ref in survivors.values() if ref[0] is not kind)
            for other_type, ids in elsewhere.items():
                records.judge_again(session, other_type, ids)
            swept = sweeps.apply(session, batch, now)
            deleted += swept
            cursor = cursors.advance(session, kind, batch.cursor, now)
        gone = {*batch.deleted_ids, *losers, *swept}
        same_type = {survivor_id for t, survivor_id in survivors.values() if t is kind}
        rejudge = {*changed, *same_type} - gone
        return PullResult(
            object_type=kind,
            changed=tuple(sorted(rejudge)),
            deleted=tuple(sorted(set(deleted))),
            cursor=cursor,
        )

    def cursor(self, object_type: ObjectType) -> Cursor | None:
        """Where the next pull of ``object_type`` starts; ``None`` means a full pull."""
        with self._transaction() as session:
            return cursors.read(session, object_type)

    def reset_cursor(self, object_type: ObjectType) -> bool:
        """Forget the cursor so the next pull is full (the only way a cursor moves back)."""
        with self._transaction() as session:
            return cursors.reset(session, object_type)

    def get_records(self, object_type: ObjectType, ids: str | Iterable[str]) -> dict[str, Record]:
        """The live (not tombstoned) records among ``ids``, by id in id order."""
        with self._transaction() as session:
            return records.live(session, object_type, _as_ids(ids))

    def iter_records(self, object_type: ObjectType, *, batch_size: int = 500) -> Iterator[Record]:
        """Every live record of ``object_type`` in id order, read ``batch_size`` at a time.

        Each batch is its own short transaction, so a long full re-judge never holds the
        database; records changed meanwhile appear in the version current when their batch is read.
        """
        if batch_size < 1:
            raise StoreInputError(f"batch_size must be at least 1, not {batch_size}")
        after: str | None = None
        while True:
            with self._transaction() as session:
                batch = records.page(session, object_type, after, batch_size)
            yield from batch
            if len(batch) < batch_size:
                return
            after = batch[-1].id

    def records_to_recheck(self, now: datetime, limit: int = 1000) -> list[Record]:
        """Live records whose ``next_check_at`` is at or before ``now``, soonest first."""
        now = require_utc(now, "now")
        with self._transaction() as session:
            return records.due(session, now, limit)

    def set_next_check(
        self, object_type: ObjectType, checks: Mapping[str, datetime | None]
    ) -> None:
        """Set when each record's verdict can next change without a CRM change (``None``: never)."""
        utc = {
            rid: None if at is None else require_utc(at, f"next check of {rid!r}")
            for rid, at in checks.items()
        }
        with self._transaction() as session:
            records.set_next_check(session, object_type, utc)

    # -- owners and written values ---------------------------------------------------------

    def replace_owners(self, crm_owners: Iterable[Owner]) -> None:
        """Make the stored owners exactly ``crm_owners``."""
        with self._transaction() as session:
            owners.replace(session, crm_owners, self._now())

    def owners_refreshed_at(self) -> datetime | None:
        """When :meth:`replace_owners` last ran (``None``: never), in UTC."""
        with self._transaction() as session:
            stored = owners.refreshed_at(session)
        return None if stored is None else require_utc(stored, "owners.stored_at")

    def owners(self) -> dict[str, Owner]:
        """Every stored owner by id."""
        with self._transaction() as session:
            return owners.read(session)

    def written_values(
        self, record_type: ObjectType, ids: str | Iterable[str]
    ) -> dict[tuple[str, str], str]:
        """What we last wrote to (or found in) the CRM, by (record id, property)."""
        with self._transaction() as session:
            return written.read(session, record_type, _as_ids(ids))

    def record_written(
        self, record_type: ObjectType, record_id: str, prop: str, value: str, at: datetime
    ) -> None:
        """Remember ``value`` as the CRM's value of ``prop`` (done updates do this themselves)."""
        at = require_utc(at, "at")
        with self._transaction() as session:
            written.record(session, record_type, record_id, prop, value, at=at)

    # -- outbox ----------------------------------------------------------------------------

    def plan(self, actions: Iterable[Action], now: datetime) -> list[Action]:
        """Record intended actions before they are sent; return the newly planned ones.

        See :func:`connector.store.outbox.plan` for which actions are new.
        """
        now = require_utc(now, "now")
        with self._transaction() as session:
            return outbox.plan(session, actions, now)

    def preview_plan(self, actions: Iterable[Action]) -> list[Action]:
        """Which of ``actions`` :meth:`plan` would plan now, without recording anything.

        The same rules run inside a transaction that is rolled back (for dry runs).
        """
        try:
            with Session(self._engine, expire_on_commit=False) as session:
                with session.begin() as transaction:
                    planned = outbox.plan(session, actions, self._now())
                    transaction.rollback()
                return planned
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc) from exc

    def pending_actions(self, limit: int = 500) -> list[OutboxEntry]:
        """Planned, sent and retrying actions, oldest first.

        ``sent`` ones are the crash window: they may already be in the CRM, so the adapter
        reconciles them by key before sending.
        """
        with self._transaction() as session:
            return outbox.pending(session, limit)

    def mark_sent(self, keys: str | Iterable[str], now: datetime) -> int:
        """Mark actions as sent, just before the call that sends them; return how many."""
        now = require_utc(now, "now")
        with self._transaction() as session:
            return outbox.mark_sent(session, _as_ids(keys), now)

    def record_outcomes(self, outcomes: Iterable[ActionOutcome], now: datetime) -> None:
        """Record what became of sent actions, all in one transaction.

        Done property updates also become the written value. A retriable failure is retried
        until the action has had ``max_attempts`` sends, then rejected; rejections get a
        ``rejected_items`` row (R3).
        """
        now = require_utc(now, "now")
        with self._transaction() as session:
            outbox.record_outcomes(session, list(outcomes), now, self._max_attempts)

    def open_tasks(
        self, record_type: ObjectType, record_ids: str | Iterable[str]
    ) -> list[OutboxEntry]:
        """Tasks we created on these records and have not closed (one query for many records)."""
        with self._transaction() as session:
            return outbox.open_tasks(session, record_type, _as_ids(record_ids))

    def pending_values(
        self, record_type: ObjectType, ids: str | Iterable[str]
    ) -> dict[tuple[str, str], str]:
        """Property values planned but not yet confirmed, by (record id, property)."""
        with self._transaction() as session:
            return outbox.pending_values(session, record_type, _as_ids(ids))

    def refused_values(
        self, record_type: ObjectType, ids: str | Iterable[str]
    ) -> dict[tuple[str, str], RefusedValue]:
        """Property values the CRM refused and nothing replaced since, by (record id, property)."""
        with self._transaction() as session:
            return outbox.refused_values(session, record_type, _as_ids(ids))

    def open_task_counts(self) -> dict[str, int]:
        """Open tasks (created, not closed) by rule: the breaches open in the CRM right now."""
        with self._transaction() as session:
            return outbox.open_task_counts(session)

    # -- runs and rejections ---------------------------------------------------------------

    def start_run(self, now: datetime) -> int:
        """Log the start of a sync cycle; return the run id for :meth:`finish_run`."""
        now = require_utc(now, "now")
        with self._transaction() as session:
            return runs.start(session, now)

    def finish_run(
        self,
        run_id: int,
        now: datetime,
        status: RunStatus,
        *,
        counts: Mapping[str, int] | None = None,
        api_calls: int = 0,
        error: str | None = None,
    ) -> None:
        """Log the end of a sync cycle with its figures (and the error, if it failed)."""
        now = require_utc(now, "now")
        with self._transaction() as session:
            runs.finish(
                session, run_id, now, status, counts=counts or {}, api_calls=api_calls, error=error
            )

    def last_runs(self, n: int = 10) -> list[SyncRun]:
        """The ``n`` most recent runs, newest first."""
        with self._transaction() as session:
            return runs.last(session, n)

    def record_rejection(
        self, record_type: ObjectType, record_id: str, field: str, *, reason: str, now: datetime
    ) -> None:
        """Note a permanent refusal found by the sync (e.g. a required field missing, F17)."""
        now = require_utc(now, "now")
        with self._transaction() as session:
            rejections.note(session, (record_type, record_id, field), reason, now)

    def rejected_items(self) -> list[RejectedItem]:
        """Every permanent refusal, by record type, record id and field."""
        with self._transaction() as session:
            return rejections.read(session)

    # -- plumbing --------------------------------------------------------------------------

    def _now(self) -> datetime:
        return require_utc(self._clock(), "the store's clock")

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except sa_exc.SQLAlchemyError as exc:
            raise translate(exc) from exc


def _as_ids(ids: str | Iterable[str]) -> list[str]:
    # A bare string is one id: iterating it would look up each of its characters.
    return [ids] if isinstance(ids, str) else list(ids)


def _check_cursor(cursor: Cursor | None) -> None:
    if cursor is None:
        return
    require_utc(cursor.modified_at, "batch cursor.modified_at")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in cursor.extra.items()):
        raise StoreInputError("batch cursor.extra must map strings to strings")


def _survivors(batch: PullBatch) -> dict[str, records.Ref]:
    """Each merge loser's survivor by object type and id; a record merged into itself is left."""
    kind = batch.object_type
    found: dict[str, records.Ref] = {}
    for merge in batch.merges:
        survivor = (merge.survivor_type or kind, merge.survivor_id)
        if survivor != (kind, merge.loser_id):
            found[merge.loser_id] = survivor
    return found


def _by_type(refs: Iterable[records.Ref]) -> dict[ObjectType, list[str]]:
    grouped: dict[ObjectType, list[str]] = {}
    for object_type, record_id in refs:
        grouped.setdefault(object_type, []).append(record_id)
    return grouped


def _records_of(batch: PullBatch) -> Sequence[Record]:
    """The batch's records, checked to be of the batch's object type."""
    if batch.object_type is ObjectType.DEAL:
        if batch.people:
            raise StoreInputError("a deal batch carries people")
        return batch.deals
    wrong = sorted(p.id for p in batch.people if p.object_type is not batch.object_type)
    if batch.deals or wrong:
        raise StoreInputError(
            f"a {batch.object_type} batch carries other records: deals={len(batch.deals)}, "
            f"people of another type={wrong[:5]}"
        )
    return batch.people
