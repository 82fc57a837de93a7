"""The initial schema: records, owners, cursors, written properties, outbox, runs, rejections.

Revision ID: 0001
Revises:
Create Date: 2026-03-09

Column types are spelled out here rather than imported from ``tables``: a revision is a frozen
snapshot, and must keep creating the same schema when the table classes change later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(), nullable=nullable, primary_key=primary_key)


def _key(name: str, *, nullable: bool = False, primary_key: bool = False) -> sa.Column[object]:
    # Ids and keys compare byte by byte on PostgreSQL too, whatever the database's locale.
    key = sa.String().with_variant(sa.String(collation="C"), "postgresql")
    return sa.Column(name, key, nullable=nullable, primary_key=primary_key)


def upgrade() -> None:
    """Create every table of the store."""
    op.create_table(
        "records",
        _key("object_type", primary_key=True),
        _key("record_id", primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _instant("modified_at", nullable=True),
        _instant("deleted_at", nullable=True),
        _key("merged_into", nullable=True),
        _instant("stored_at"),
        _instant("next_check_at", nullable=True),
    )
    op.create_index("ix_records_next_check_at", "records", ["next_check_at"])
    op.create_table(
        "owners",
        _key("id", primary_key=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _instant("stored_at"),
    )
    op.create_table(
        "cursors",
        _key("object_type", primary_key=True),
        _instant("modified_at"),
        _key("last_id"),
        sa.Column("extra", sa.JSON(), nullable=False),
        _instant("updated_at"),
    )
    op.create_table(
        "written_properties",
        _key("record_type", primary_key=True),
        _key("record_id", primary_key=True),
        _key("property", primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        _instant("written_at"),
    )
    _create_outbox()
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _instant("started_at"),
        _instant("finished_at", nullable=True),
        _text("status"),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_table(
        "rejected_items",
        _key("record_type", primary_key=True),
        _key("record_id", primary_key=True),
        _key("field", primary_key=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _instant("first_seen"),
        _instant("last_seen"),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        _key("key", primary_key=True),
        _key("kind", primary_key=True),
        _key("record_type"),
        _key("record_id"),
        _text("rule", nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _text("status"),
        _text("crm_id", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _instant("created_at"),
        _instant("updated_at"),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])
    op.create_index("ix_outbox_record", "outbox", ["record_type", "record_id"])


def downgrade() -> None:
    """Drop every table of the store (its data is lost)."""
    for name in (
        "rejected_items",
        "sync_runs",
        "outbox",
        "written_properties",
        "cursors",
        "owners",
        "records",
    ):
        op.drop_table(name)
