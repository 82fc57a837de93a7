"""Merge survivors of another object type: ``records.merged_into_type``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-10

A converted Salesforce Lead survives as a Contact, so a tombstone's ``merged_into`` id alone no
longer names its survivor. Tombstones merged before this revision were all same-type merges: they
get their own object type.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    """Add the survivor's type and fill it in for existing merge tombstones."""
    # Spelled out as in 0001 (a frozen snapshot): byte-wise comparison on PostgreSQL too.
    key = sa.String().with_variant(sa.String(collation="C"), "postgresql")
    op.add_column("records", sa.Column("merged_into_type", key, nullable=True))
    op.execute("UPDATE records SET merged_into_type = object_type WHERE merged_into IS NOT NULL")


def downgrade() -> None:
    """Drop the survivor's type: cross-type tombstones keep only the survivor's id."""
    op.drop_column("records", "merged_into_type")
