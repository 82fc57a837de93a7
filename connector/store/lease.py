"""One active connector per CRM account: a lease on the store's database (F04).

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a key derived from the
  account name, held on a dedicated connection. The server releases it when that connection ends,
  so a crashed holder never blocks its successor.
* SQLite: an exclusive :class:`filelock.FileLock` on ``<database file>.lock``; the operating system
  releases it when the process dies.

Usage::

    with Lease(url, account="acme") as lease:
        if lease.held:
            run_cycle()

Of two leases on the same store (in one process or two), exactly one acquires.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from types import TracebackType
from typing import Protocol

import filelock
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from connector.store.engine import PG_CONNECT_TIMEOUT_S, is_memory_sqlite, parse_url
from connector.store.errors import StoreConfigError, translate


class _Holder(Protocol):
    """How one backend holds a lease."""

    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...
    def verify(self) -> bool: ...


class Lease:
    """Exclusive right to run the connector for one CRM account on one store."""

    def __init__(self, url: str, account: str) -> None:
        """Prepare a lease on the store at ``url`` for ``account``; nothing is locked yet.

        Raises:
            StoreConfigError: ``url`` is unusable, or names an in-memory SQLite database.
        """
        parsed = parse_url(url)
        if parsed.get_backend_name() == "postgresql":
            self._holder: _Holder = _AdvisoryLock(parsed, advisory_key(account))
        elif is_memory_sqlite(parsed):
            raise StoreConfigError("an in-memory SQLite database cannot be leased: use a file")
        else:
            self._holder = _FileLease(Path(f"{parsed.database}.lock"))
        self._held = False

    @property
    def held(self) -> bool:
        """Whether this lease was acquired and not released since."""
        return self._held

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it, without waiting; return whether it is held.

        Raises:
            StoreUnavailableError: PostgreSQL is unreachable.
        """
        if not self._held:
            self._held = self._holder.try_acquire()
        return self._held

    def release(self) -> None:
        """Give the lease up (a no-op if it is not held)."""
        if self._held:
            self._held = False
            self._holder.release()

    def verify(self) -> bool:
        """Check the lease is still held (on PostgreSQL its connection may have dropped).

        A daemon calls this before each cycle; ``False`` means another replica may be active.
        """
        if self._held and not self._holder.verify():
            self.release()
        return self._held

    def __enter__(self) -> Lease:
        self.try_acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def advisory_key(account: str) -> int:
    """The signed 64-bit advisory lock key of an account, stable across processes and versions."""
    digest = hashlib.sha256(f"smarketing.lease:{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _AdvisoryLock:
    def __init__(self, url: URL, key: int) -> None:
        self._url, self._key = url, key
        self._engine: sa.Engine | None = None
        self._connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        # NullPool: closing the connection really ends the session, and with it the lock.
        self._engine = sa.create_engine(
            self._url, poolclass=NullPool, connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S}
        )
        try:
            connection = self._engine.connect()
        except sa_exc.SQLAlchemyError as exc:
            self._dispose()
            raise translate(exc) from exc
        try:
            query = sa.text("SELECT pg_try_advisory_lock(:key)")
            acquired = bool(connection.execute(query, {"key": self._key}).scalar_one())
            # End the implicit transaction: the lock is session-level, and an idle transaction
            # would pin a snapshot for as long as the lease is held.
            connection.commit()
        except sa_exc.SQLAlchemyError as exc:
            self._abandon(connection)
            raise translate(exc) from exc
        if not acquired:
            self._abandon(connection)
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # A dropped connection took the lock with it: nothing is left to unlock.
            with contextlib.suppress(sa_exc.SQLAlchemyError):
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                connection.commit()
            connection.close()
        self._dispose()

    def _abandon(self, connection: sa.Connection) -> None:
        connection.close()
        self._dispose()

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def verify(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(sa.text("SELECT 1"))
            self._connection.commit()
        except sa_exc.SQLAlchemyError:
            return False
        return True


class _FileLease:
    def __init__(self, path: Path) -> None:
        # Not thread-local: a daemon may acquire in one thread and release in another.
        self._lock = filelock.FileLock(path, timeout=0, thread_local=False)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def release(self) -> None:
        self._lock.release(force=True)

    def verify(self) -> bool:
        return self._lock.is_locked
