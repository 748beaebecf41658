"""Engine journal: each session carries the count of failed entries in a row of its profile (the kill switch).

Revision ID: 0011_failed_entries_in_row
Revises: 0004_engine_journal
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_failed_entries_in_row"
down_revision: str | None = "0004_engine_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "trading_sessions",
        sa.Column("failed_entries_in_row", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("trading_sessions") as batch:
        batch.drop_column("failed_entries_in_row")
