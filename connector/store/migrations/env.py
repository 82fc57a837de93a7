"""Alembic environment: runs the store's migrations on the connection the caller passes in.

Online only, and only through :func:`connector.store.migrate.upgrade`, which opens the transaction,
takes the migration lock and passes its connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from connector.store.tables import metadata


def run_migrations() -> None:
    """Run the pending revisions inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or not isinstance(connection, sa.Connection):
        raise RuntimeError(
            "run the store's migrations with connector.store.migrate(url) or `smarketing migrate`"
        )
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
