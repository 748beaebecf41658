"""Strategy profiles and their versions.

Revision ID: 0010_strategy_profiles
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from delta_strangle.store.tables import UtcDateTime

revision: str = "0010_strategy_profiles"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strategy_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("underlying", sa.String(8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_strategy_profiles"),
        sa.UniqueConstraint("name", name="uq_strategy_profiles_name"),
    )
    op.create_index("ix_strategy_profiles_name", "strategy_profiles", ["name"])
    op.create_table(
        "strategy_profile_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_strategy_profile_versions"),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["strategy_profiles.id"],
            name="fk_strategy_profile_versions_profile_id_strategy_profiles",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("profile_id", "version", name="uq_strategy_profile_versions_profile_version"),
    )
    op.create_index("ix_strategy_profile_versions_profile_id", "strategy_profile_versions", ["profile_id"])


def downgrade() -> None:
    op.drop_index("ix_strategy_profile_versions_profile_id", table_name="strategy_profile_versions")
    op.drop_table("strategy_profile_versions")
    op.drop_index("ix_strategy_profiles_name", table_name="strategy_profiles")
    op.drop_table("strategy_profiles")
