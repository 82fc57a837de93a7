"""Full-pull sweeps: ``records.swept_at``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

A full pull delivers every live record of its object type; when it ends, stored live records it
did not deliver are gone from the CRM (Salesforce purges deletes after 15 days). ``swept_at`` is
the start of the last full pull that delivered the record. Existing rows start without one: the
next full pull sets it on every record it delivers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def upgrade() -> None:
    """Add the sweep mark."""
    op.add_column("records", sa.Column("swept_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the sweep mark."""
    op.drop_column("records", "swept_at")
