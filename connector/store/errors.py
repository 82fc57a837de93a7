"""Errors raised by the store, grouped by what the caller does next.

```
StoreError                  root: anything the store refuses or cannot do
├── StoreConfigError        fatal: the database URL is unusable; fix the configuration
├── StoreUnavailableError   retry later: the database is locked, busy or unreachable
├── CorruptRowError         fail closed: a stored row cannot be decoded; the message names it
└── StoreInputError         a caller bug (also a ``ValueError``): fix the calling code
    └── NaiveDatetimeError  a datetime without a time zone was passed in
```
Database driver exceptions never leave the store: :func:`translate` converts them at the boundary.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc


class StoreError(Exception):
    """Root of every error the store raises."""


class StoreConfigError(StoreError):
    """The database URL is malformed or names a backend the store does not support."""


class StoreUnavailableError(StoreError):
    """The database is locked, busy or unreachable; the same call may succeed later."""


class CorruptRowError(StoreError):
    """A stored row cannot be decoded (corrupt, or written by an unknown version)."""


class StoreInputError(StoreError, ValueError):
    """A caller passed a value the store refuses."""


class NaiveDatetimeError(StoreInputError):
    """A datetime without a time zone was passed; the store keeps aware UTC instants only."""


def translate(error: sa_exc.SQLAlchemyError) -> StoreError:
    """Map a SQLAlchemy error to the store error that tells the caller what to do next.

    Operational errors (``database is locked``, a dropped connection) are transient; anything
    else is a store error whose message keeps the driver's text (never the URL or parameters).
    """
    original = getattr(error, "orig", None)
    if isinstance(original, StoreError):
        # Raised by our own column types while binding a parameter.
        return original
    if isinstance(error, sa_exc.OperationalError | sa_exc.DisconnectionError):
        return StoreUnavailableError(f"database unavailable: {_describe(error)}")
    return StoreError(f"database error: {_describe(error)}")


def _describe(error: sa_exc.SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).strip().splitlines()[0]
