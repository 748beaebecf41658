"""The engine's journal: sessions, legs, order intents (with the exchange's view of each), fills, events, lock.

Money and prices are stored as exact decimal strings (`DecimalText`); instants are aware UTC (`UtcDateTime`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from delta_strangle.store.tables import Base, UtcDateTime


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text, so no float ever touches money."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class TradingSessionRow(Base):
    """One cycle of one profile: what it ran with, where it is, why it ended, its durable risk state."""

    __tablename__ = "trading_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(128), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    profile_id: Mapped[int | None] = mapped_column(Integer)
    profile_name: Mapped[str] = mapped_column(String(64), index=True)
    config_version: Mapped[int | None] = mapped_column(Integer)
    config_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), index=True)
    rearm: Mapped[bool] = mapped_column(default=True)
    enter_now: Mapped[bool] = mapped_column(default=False)
    trading_date: Mapped[str | None] = mapped_column(String(10))
    entry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    latest_entry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    exit_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    settlement_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    exit_reason: Mapped[str | None] = mapped_column(String(32))
    exit_detail: Mapped[str | None] = mapped_column(Text)
    halt_reason: Mapped[str | None] = mapped_column(Text)
    halt_views: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    risk_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pnl: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    spot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_by: Mapped[str | None] = mapped_column(String(254))
    # Failed entries in a row of this profile, carried from one automatically armed cycle to the next.
    failed_entries_in_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SessionLegRow(Base):
    """One leg of a session: the contract, and the position built from its journaled fills."""

    __tablename__ = "session_legs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trading_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    symbol: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(Integer)
    strike: Mapped[Decimal] = mapped_column(DecimalText())
    expiry: Mapped[str] = mapped_column(String(10))
    settlement_at: Mapped[datetime] = mapped_column(UtcDateTime())
    contract_value: Mapped[Decimal] = mapped_column(DecimalText())
    tick_size: Mapped[Decimal] = mapped_column(DecimalText())
    target_size: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer, default=0)
    avg_entry_price: Mapped[Decimal] = mapped_column(DecimalText(), default=Decimal(0))
    entry_premium_usd: Mapped[Decimal] = mapped_column(DecimalText(), default=Decimal(0))
    realised_gross_usd: Mapped[Decimal] = mapped_column(DecimalText(), default=Decimal(0))
    fees_usd: Mapped[Decimal] = mapped_column(DecimalText(), default=Decimal(0))
    exit_price: Mapped[Decimal | None] = mapped_column(DecimalText())
    entry_delta: Mapped[float | None]
    entry_mid: Mapped[Decimal | None] = mapped_column(DecimalText())
    distance_from_spot_pct: Mapped[Decimal | None] = mapped_column(DecimalText())
    selection_reason: Mapped[str | None] = mapped_column(Text)


class OrderIntentRow(Base):
    """An order we meant to send, written before sending, then updated with the exchange's view of it."""

    __tablename__ = "order_intents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trading_sessions.id", ondelete="CASCADE"), index=True)
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("session_legs.id", ondelete="CASCADE"))
    client_order_id: Mapped[str] = mapped_column(String(32), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    attempt: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[int] = mapped_column(Integer)
    order_type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str] = mapped_column(String(4))
    limit_price: Mapped[Decimal | None] = mapped_column(DecimalText())
    reference_mid: Mapped[Decimal | None] = mapped_column(DecimalText())
    reduce_only: Mapped[bool] = mapped_column(default=False)
    # intended → sent → (open | unknown) → terminal; "not_placed" when the exchange provably has no such order.
    status: Mapped[str] = mapped_column(String(16), index=True)
    exchange_order_id: Mapped[str | None] = mapped_column(String(64))
    exchange_state: Mapped[str | None] = mapped_column(String(16))
    filled_size: Mapped[int] = mapped_column(Integer, default=0)
    average_fill_price: Mapped[Decimal | None] = mapped_column(DecimalText())
    commission: Mapped[Decimal] = mapped_column(DecimalText(), default=Decimal(0))
    cancellation_reason: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FillRow(Base):
    """One execution against our account, with the commission the exchange reported."""

    __tablename__ = "session_fills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fill_id: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("trading_sessions.id", ondelete="CASCADE"), index=True)
    leg_id: Mapped[int | None] = mapped_column(ForeignKey("session_legs.id", ondelete="CASCADE"))
    exchange_order_id: Mapped[str] = mapped_column(String(64))
    client_order_id: Mapped[str | None] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[int] = mapped_column(Integer)
    side: Mapped[str] = mapped_column(String(4))
    size: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(DecimalText())
    commission: Mapped[Decimal] = mapped_column(DecimalText())
    fee_source: Mapped[str] = mapped_column(String(16))
    fill_type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EngineEventRow(Base):
    """Something the engine did or saw that the operator may need: transitions, alerts, halts, commands."""

    __tablename__ = "engine_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("trading_sessions.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    level: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EngineLockRow(Base):
    """Who trades an account: a lease renewed by heartbeat; a dead holder's lease can be taken over."""

    __tablename__ = "engine_locks"

    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime] = mapped_column(UtcDateTime())
