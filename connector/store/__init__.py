"""The local store: CRM records, cursors, written values, the outbox and the run log.

SQLite by default (``sqlite:///smarketing.db``), PostgreSQL for production
(``postgresql+psycopg://…``). :meth:`Store.open` applies the packaged alembic migrations
(``migrations/``) before use; ``smarketing migrate`` calls :func:`migrate`. Instants are stored in
UTC and come back as aware UTC datetimes; a naive datetime is refused (:class:`NaiveDatetimeError`).

Tables (``tables.py``; every id and key column compares byte-wise on both backends):

``records``             (object_type, record_id) → the Person/Deal as JSON (``codec.py``),
                        ``modified_at`` (CRM server time), ``deleted_at`` (tombstone),
                        ``merged_into`` (merge survivor), ``stored_at``, ``next_check_at``
                        (indexed: when the verdict can next change with no CRM change, e.g. an SLA
                        due time; rechecks cost what is due, not the database size).
``owners``              id → the Owner as JSON, ``stored_at``.
``cursors``             object_type → ``modified_at``, ``last_id``, ``extra`` JSON, ``updated_at``;
                        committed with the records it covers, never moved backwards (R2).
``written_properties``  (record_type, record_id, property) → last value written to (or found in)
                        the CRM, ``written_at``; only differences are written (F08, F23).
``outbox``              (key, kind) → record_type, record_id, rule, the action as JSON, ``status``
                        (planned, sent, done, retry, rejected, cancelled; indexed), ``crm_id``,
                        ``attempts``, ``last_error``, ``created_at``, ``updated_at`` (R1, R3).
``sync_runs``           id → ``started_at``, ``finished_at``, ``status`` (running, ok, failed),
                        ``counts`` JSON, ``api_calls``, ``error``.
``rejected_items``      (record_type, record_id, field) → ``reason``, ``first_seen``,
                        ``last_seen``, ``attempts``: permanent refusals for the report (R3).

Concurrency: :class:`Lease` makes one connector per account active (advisory lock on PostgreSQL,
a lock file next to the SQLite database).
"""

from __future__ import annotations

from connector.store.errors import (
    CorruptRowError,
    NaiveDatetimeError,
    StoreConfigError,
    StoreError,
    StoreInputError,
    StoreUnavailableError,
)
from connector.store.lease import Lease
from connector.store.migrate import migrate
from connector.store.store import DEFAULT_MAX_ATTEMPTS, Store, WallClock, utc_now
from connector.store.values import (
    PENDING_STATUSES,
    OutboxEntry,
    OutboxStatus,
    PullResult,
    Record,
    RefusedValue,
    RejectedItem,
    RunStatus,
    SyncRun,
)

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "PENDING_STATUSES",
    "CorruptRowError",
    "Lease",
    "NaiveDatetimeError",
    "OutboxEntry",
    "OutboxStatus",
    "PullResult",
    "Record",
    "RefusedValue",
    "RejectedItem",
    "RunStatus",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreInputError",
    "StoreUnavailableError",
    "SyncRun",
    "WallClock",
    "migrate",
    "utc_now",
]
