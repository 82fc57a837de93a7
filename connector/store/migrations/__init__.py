"""Alembic scripts for the store (run through :mod:`connector.store.migrate`, not imported)."""
