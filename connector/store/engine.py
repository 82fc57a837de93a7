"""Database engines for the two supported backends, configured once here.

* SQLite (``sqlite:///smarketing.db``, the default): WAL journal so readers never block the
  writer, a busy timeout so a briefly locked database waits instead of failing, foreign keys on,
  and every transaction opened with ``BEGIN IMMEDIATE`` (see :func:`_begin_immediate`).
* PostgreSQL (``postgresql+psycopg://…``; ``postgresql://`` and ``postgres://`` mean the same).
  ``?options=-csearch_path%3Dname`` in the URL selects a schema, as libpq does.

JSON is serialised with sorted keys and without NaN, so equal payloads are equal text on both
backends (R10) and PostgreSQL's ``json`` type never sees a value it refuses.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import StaticPool

from connector.store.errors import StoreConfigError

BUSY_TIMEOUT_MS = 15_000
"""How long a SQLite connection waits for another writer before giving up."""

PG_CONNECT_TIMEOUT_S = 10

_POSTGRES_ALIASES = ("postgres", "postgresql", "postgresql+psycopg")
_SQLITE_ALIASES = ("sqlite", "sqlite+pysqlite")

dumps = functools.partial(json.dumps, sort_keys=True, allow_nan=False, separators=(",", ":"))


def parse_url(url: str) -> URL:
    """Parse a store URL, normalising PostgreSQL URLs to the psycopg 3 driver.

    Raises:
        StoreConfigError: The URL is malformed or names an unsupported backend.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreConfigError(f"store URL {url!r} is not a database URL") from exc
    if parsed.drivername in _POSTGRES_ALIASES:
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in _SQLITE_ALIASES:
        return parsed
    raise StoreConfigError(
        f"store URL {safe_url(parsed)!r}: unsupported backend {parsed.drivername!r}; "
        "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/database"
    )


def safe_url(url: URL) -> str:
    """The URL with its password masked, for messages and logs."""
    return url.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    """Whether ``url`` names a private in-memory SQLite database (no file, no lease)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the backend's settings applied on every connection."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    return sa.create_engine(
        parsed, json_serializer=dumps, pool_pre_ping=True, connect_args=connect_args
    )


def _sqlite_engine(url: URL) -> Engine:
    if is_memory_sqlite(url):
        # Each connection to ":memory:" is a new empty database: share one connection.
        engine = sa.create_engine(
            url,
            json_serializer=dumps,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = sa.create_engine(url, json_serializer=dumps)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # Take transaction control away from the sqlite3 module (which would not BEGIN before a
    # SELECT or DDL); _begin_immediate starts every transaction instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Safe with WAL: a power loss can lose the last commits, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _begin_immediate(connection: sa.Connection) -> None:
    # A deferred transaction that reads and then writes cannot wait for a concurrent writer: SQLite
    # fails it at once with SQLITE_BUSY, bypassing busy_timeout. Taking the write lock at BEGIN
    # makes it wait its turn. WAL readers outside the store are not blocked by it.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
