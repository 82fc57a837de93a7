"""SQLModel table classes: the rows as the database holds them.

These classes never leave the store; :mod:`connector.store.store` turns them into domain values.
They are deliberately plain (strings, ints, JSON, :class:`UTCDateTime`): enums are stored by value
and converted at the boundary, so no native database enum types need migrating. The schema they
describe is created by ``migrations/versions``; ``tests/contract`` checks the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from connector.store.columns import UTCDateTime, key_type

metadata = sa.MetaData()
"""The store's own metadata, so tables declared elsewhere never end up in our migrations."""


class StoreTable(SQLModel, registry=registry(metadata=metadata)):
    """Base of the store's tables."""


class RecordRow(StoreTable, table=True):
    """The latest known version of one CRM record, or its tombstone.

    A merged-away record's tombstone names its survivor by type and id (``merged_into_type``,
    ``merged_into``): a converted Salesforce Lead survives as a Contact. ``swept_at`` is the start
    of the last full pull that delivered the record (``adapters.base.protocol.Sweep``).
    """

    __tablename__ = "records"

    object_type: str = Field(primary_key=True, sa_type=key_type())
    record_id: str = Field(primary_key=True, sa_type=key_type())
    payload: dict[str, Any] = Field(sa_type=sa.JSON)
    modified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    merged_into: str | None = Field(default=None, sa_type=key_type())
    merged_into_type: str | None = Field(default=None, sa_type=key_type())
    stored_at: datetime = Field(sa_type=UTCDateTime)
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    swept_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OwnerRow(StoreTable, table=True):
    """One CRM user who can own records."""

    __tablename__ = "owners"

    id: str = Field(primary_key=True, sa_type=key_type())
    payload: dict[str, Any] = Field(sa_type=sa.JSON)
    stored_at: datetime = Field(sa_type=UTCDateTime)


class CursorRow(StoreTable, table=True):
    """Where the next incremental pull of one object type starts."""

    __tablename__ = "cursors"

    object_type: str = Field(primary_key=True, sa_type=key_type())
    modified_at: datetime = Field(sa_type=UTCDateTime)
    last_id: str = Field(sa_type=key_type())
    extra: dict[str, Any] = Field(sa_type=sa.JSON)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WrittenRow(StoreTable, table=True):
    """The value of a property we own as last written to (or found in) the CRM."""

    __tablename__ = "written_properties"

    record_type: str = Field(primary_key=True, sa_type=key_type())
    record_id: str = Field(primary_key=True, sa_type=key_type())
    property: str = Field(primary_key=True, sa_type=key_type())
    value: str = Field(sa_type=sa.Text)
    written_at: datetime = Field(sa_type=UTCDateTime)


class OutboxRow(StoreTable, table=True):
    """One intended side effect, recorded before it is sent.

    The key is (key, kind): a task's close carries the key of its create (the CRM finds the task by
    it), so the idempotency key alone does not name a row.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_record", "record_type", "record_id"),)

    key: str = Field(primary_key=True, sa_type=key_type())
    kind: str = Field(primary_key=True, sa_type=key_type())
    record_type: str = Field(sa_type=key_type())
    record_id: str = Field(sa_type=key_type())
    rule: str | None = None
    payload: dict[str, Any] = Field(sa_type=sa.JSON)
    status: str = Field(index=True)
    crm_id: str | None = None
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SyncRunRow(StoreTable, table=True):
    """One sync cycle: when it ran, how it ended, what it counted."""

    __tablename__ = "sync_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str
    counts: dict[str, Any] = Field(sa_type=sa.JSON)
    api_calls: int = 0
    error: str | None = Field(default=None, sa_type=sa.Text)


class RejectedItemRow(StoreTable, table=True):
    """A permanent refusal of one field of one record (R3), kept for the report."""

    __tablename__ = "rejected_items"

    record_type: str = Field(primary_key=True, sa_type=key_type())
    record_id: str = Field(primary_key=True, sa_type=key_type())
    field: str = Field(primary_key=True, sa_type=key_type())
    reason: str = Field(sa_type=sa.Text)
    first_seen: datetime = Field(sa_type=UTCDateTime)
    last_seen: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 1


def table(row_class: type[StoreTable]) -> sa.Table:
    """The Core table behind a row class, for bulk statements the ORM does not express well."""
    return metadata.tables[str(row_class.__tablename__)]
