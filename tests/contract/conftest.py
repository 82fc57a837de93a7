"""Backends for the store contract suite: a test taking ``store`` runs on SQLite and on PostgreSQL.

PostgreSQL is ``postgresql+psycopg://postgres@127.0.0.1:5432/test`` unless
``SMARKETING_TEST_PG_URL`` names another server. Each test gets a fresh schema with a unique name
(selected through the connection's ``search_path``), dropped afterwards, so parallel test processes
never collide. When the server is absent the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from connector.store import Store

PG_URL = os.environ.get(
    "SMARKETING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
T0 = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Backend:
    """One database to run the suite on: its name and the store URL that reaches it."""

    name: str
    url: str

    def execute(self, *statements: str) -> list[tuple[Any, ...]]:
        """Run raw SQL (fault injection, peeking at columns the API hides); return the last
        statement's rows."""
        engine = sa.create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                result = None
                for statement in statements:
                    result = connection.exec_driver_sql(statement)
                return [tuple(row) for row in result] if result and result.returns_rows else []
        finally:
            engine.dispose()


class FakeClock:
    """A settable clock for the store's bookkeeping timestamps."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An engine on the PostgreSQL test database, or a skip when the server is not there."""
    url = sa.make_url(PG_URL)
    engine = sa.create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": 3, "options": "-csynchronous_commit=off"},
    )
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError:
        engine.dispose()
        pytest.skip(
            f"PostgreSQL not reachable at {url.host}:{url.port or 5432} — start it or set "
            "SMARKETING_TEST_PG_URL"
        )
    yield engine
    engine.dispose()


def _schema_url(schema: str) -> str:
    url = sa.make_url(PG_URL)
    # Durability is not under test: not waiting for WAL flushes keeps the suite fast.
    ours = f"-csearch_path={schema} -csynchronous_commit=off"
    options = " ".join(filter(None, [str(url.query.get("options", "")), ours]))
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'store.db'}")
        return
    admin: sa.Engine = request.getfixturevalue("pg_admin")
    schema = f"smk_test_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield Backend("postgresql", _schema_url(schema))
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(backend: Backend, clock: FakeClock) -> Iterator[Store]:
    """A store at head on each backend, with a fake clock and ``MAX_ATTEMPTS`` sends per action."""
    with Store.open(backend.url, clock=clock, max_attempts=MAX_ATTEMPTS) as opened:
        yield opened
