"""Engine journal: trading sessions, legs, order intents, fills, engine events and the instance lock.

Revision ID: 0004_engine_journal
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from delta_strangle.store.tables import UtcDateTime

revision: str = "0004_engine_journal"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engine_locks",
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
        sa.Column("lease_until", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_engine_locks")),
    )
    op.create_table(
        "trading_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=4), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("profile_name", sa.String(length=64), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("config_snapshot", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rearm", sa.Boolean(), nullable=False),
        sa.Column("enter_now", sa.Boolean(), nullable=False),
        sa.Column("trading_date", sa.String(length=10), nullable=True),
        sa.Column("entry_at", UtcDateTime(), nullable=True),
        sa.Column("latest_entry_at", UtcDateTime(), nullable=True),
        sa.Column("exit_at", UtcDateTime(), nullable=True),
        sa.Column("settlement_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("exit_reason", sa.String(length=32), nullable=True),
        sa.Column("exit_detail", sa.Text(), nullable=True),
        sa.Column("halt_reason", sa.Text(), nullable=True),
        sa.Column("halt_views", sa.JSON(), nullable=True),
        sa.Column("risk_state", sa.JSON(), nullable=False),
        sa.Column("pnl", sa.JSON(), nullable=False),
        sa.Column("spot", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_sessions")),
    )
    op.create_index(op.f("ix_trading_sessions_account"), "trading_sessions", ["account"], unique=False)
    op.create_index(op.f("ix_trading_sessions_profile_name"), "trading_sessions", ["profile_name"], unique=False)
    op.create_index(op.f("ix_trading_sessions_state"), "trading_sessions", ["state"], unique=False)
    op.create_table(
        "engine_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["trading_sessions.id"],
            name=op.f("fk_engine_events_session_id_trading_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_events")),
    )
    op.create_index(op.f("ix_engine_events_occurred_at"), "engine_events", ["occurred_at"], unique=False)
    op.create_index(op.f("ix_engine_events_session_id"), "engine_events", ["session_id"], unique=False)
    op.create_table(
        "session_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("strike", sa.String(length=64), nullable=False),
        sa.Column("expiry", sa.String(length=10), nullable=False),
        sa.Column("settlement_at", UtcDateTime(), nullable=False),
        sa.Column("contract_value", sa.String(length=64), nullable=False),
        sa.Column("tick_size", sa.String(length=64), nullable=False),
        sa.Column("target_size", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("avg_entry_price", sa.String(length=64), nullable=False),
        sa.Column("entry_premium_usd", sa.String(length=64), nullable=False),
        sa.Column("realised_gross_usd", sa.String(length=64), nullable=False),
        sa.Column("fees_usd", sa.String(length=64), nullable=False),
        sa.Column("exit_price", sa.String(length=64), nullable=True),
        sa.Column("entry_delta", sa.Double(), nullable=True),
        sa.Column("entry_mid", sa.String(length=64), nullable=True),
        sa.Column("distance_from_spot_pct", sa.String(length=64), nullable=True),
        sa.Column("selection_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["trading_sessions.id"],
            name=op.f("fk_session_legs_session_id_trading_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_legs")),
    )
    op.create_index(op.f("ix_session_legs_session_id"), "session_legs", ["session_id"], unique=False)
    op.create_table(
        "order_intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("leg_id", sa.Integer(), nullable=True),
        sa.Column("client_order_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("time_in_force", sa.String(length=4), nullable=False),
        sa.Column("limit_price", sa.String(length=64), nullable=True),
        sa.Column("reference_mid", sa.String(length=64), nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exchange_order_id", sa.String(length=64), nullable=True),
        sa.Column("exchange_state", sa.String(length=16), nullable=True),
        sa.Column("filled_size", sa.Integer(), nullable=False),
        sa.Column("average_fill_price", sa.String(length=64), nullable=True),
        sa.Column("commission", sa.String(length=64), nullable=False),
        sa.Column("cancellation_reason", sa.String(length=128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leg_id"], ["session_legs.id"], name=op.f("fk_order_intents_leg_id_session_legs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["trading_sessions.id"],
            name=op.f("fk_order_intents_session_id_trading_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_intents")),
        sa.UniqueConstraint("client_order_id", name=op.f("uq_order_intents_client_order_id")),
    )
    op.create_index(op.f("ix_order_intents_session_id"), "order_intents", ["session_id"], unique=False)
    op.create_index(op.f("ix_order_intents_status"), "order_intents", ["status"], unique=False)
    op.create_table(
        "session_fills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("leg_id", sa.Integer(), nullable=True),
        sa.Column("exchange_order_id", sa.String(length=64), nullable=False),
        sa.Column("client_order_id", sa.String(length=32), nullable=True),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("price", sa.String(length=64), nullable=False),
        sa.Column("commission", sa.String(length=64), nullable=False),
        sa.Column("fee_source", sa.String(length=16), nullable=False),
        sa.Column("fill_type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leg_id"], ["session_legs.id"], name=op.f("fk_session_fills_leg_id_session_legs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["trading_sessions.id"],
            name=op.f("fk_session_fills_session_id_trading_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_fills")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_session_fills_fill_id")),
    )
    op.create_index(op.f("ix_session_fills_session_id"), "session_fills", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_table("engine_events")
    op.drop_table("session_fills")
    op.drop_table("order_intents")
    op.drop_table("session_legs")
    op.drop_table("trading_sessions")
    op.drop_table("engine_locks")
