"""Schema migrations: alembic, configured in code, with the scripts shipped inside the package.

No ``alembic.ini`` is needed at run time. :meth:`connector.store.Store.open` upgrades to head before
it hands out a store, and ``smarketing migrate`` calls :func:`migrate`. Concurrent upgrades of one
database are safe: on PostgreSQL a transaction-level advisory lock serialises them, on SQLite the
whole upgrade runs in one ``BEGIN IMMEDIATE`` transaction; the second finds head and does nothing.

A new revision goes in ``migrations/versions/`` as ``NNNN_what.py`` with ``revision = "NNNN"``; the
contract suite checks that head matches :mod:`connector.store.tables`.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

from connector.store.engine import make_engine
from connector.store.errors import translate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# pg_advisory_xact_lock takes a bigint; any constant no other lock in the database uses will do.
_MIGRATION_LOCK_KEY = 0x736D6B5F6D6967  # "smk_mig"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An alembic configuration for the packaged scripts, bound to ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts found in {MIGRATIONS_DIR}")
    return head


def upgrade(engine: Engine) -> str:
    """Upgrade the database behind ``engine`` to head and return the revision it is at.

    Raises:
        StoreError: The database refused the upgrade (``StoreUnavailableError`` if it was busy).
    """
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            command.upgrade(alembic_config(connection), "head")
            return current_revision(connection) or ""
    except sa_exc.SQLAlchemyError as exc:
        raise translate(exc) from exc


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate(url: str) -> str:
    """Upgrade the database at ``url`` to head (what ``smarketing migrate`` runs).

    Returns:
        The revision the database is at afterwards.
    """
    engine = make_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()
