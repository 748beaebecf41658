"""Request and response bodies of /api/trading (the runtime snapshot is the engine's own model)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from delta_strangle.domain.session import StopMode
from delta_strangle.engine.runtime import RuntimeSnapshot

__all__ = ["RuntimeSnapshot"]


class ControlAction(StrEnum):
    START = "start"
    STOP = "stop"
    RESTART = "restart"
    PANIC = "panic"


class ControlRequest(BaseModel):
    """`start` names a saved profile (`configuration_id`, its current version unless `config_version`)."""

    model_config = ConfigDict(extra="forbid")

    action: ControlAction
    configuration_id: int | None = None
    config_version: int | None = None
    enter_now: bool = False
    stop_mode: StopMode | None = Field(
        default=None, description="stop with open positions: keep_monitoring or flatten (required then)"
    )

    @model_validator(mode="after")
    def _start_needs_profile(self) -> ControlRequest:
        if self.action is ControlAction.START and self.configuration_id is None:
            raise ValueError("start needs configuration_id")
        return self


class ControlResponse(BaseModel):
    action: ControlAction
    status: str
    message: str
    session_id: int | None = None


class LegOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    symbol: str
    product_id: int
    strike: Decimal
    expiry: str
    target_size: int
    size: int
    avg_entry_price: Decimal
    exit_price: Decimal | None
    entry_premium_usd: Decimal
    realised_gross_usd: Decimal
    fees_usd: Decimal
    entry_delta: float | None
    entry_mid: Decimal | None
    distance_from_spot_pct: Decimal | None
    selection_reason: str | None


class SessionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mode: str
    state: str
    profile_id: int | None
    profile_name: str
    config_version: int | None
    trading_date: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    exit_reason: str | None
    exit_detail: str | None
    halt_reason: str | None
    pnl: dict[str, Any]
    spot: dict[str, Any]
    started_by: str | None
    legs: list[LegOut] = []


class SessionPage(BaseModel):
    items: list[SessionSummary]
    total: int
    page: int
    page_size: int
    pages: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    leg_id: int | None
    client_order_id: str
    purpose: str
    attempt: int
    symbol: str
    side: str
    size: int
    order_type: str
    time_in_force: str
    limit_price: Decimal | None
    reference_mid: Decimal | None
    reduce_only: bool
    status: str
    exchange_order_id: str | None
    exchange_state: str | None
    filled_size: int
    average_fill_price: Decimal | None
    commission: Decimal
    cancellation_reason: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class FillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    fill_id: str
    leg_id: int | None
    exchange_order_id: str
    client_order_id: str | None
    symbol: str
    side: str
    size: int
    price: Decimal
    commission: Decimal
    fee_source: str
    fill_type: str
    occurred_at: datetime


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    occurred_at: datetime
    kind: str
    level: str
    message: str
    details: dict[str, Any]


class SessionDetail(SessionSummary):
    config_snapshot: dict[str, Any]
    risk_state: dict[str, Any]
    halt_views: dict[str, Any] | None
    entry_at: datetime | None
    latest_entry_at: datetime | None
    exit_at: datetime | None
    settlement_at: datetime | None
    orders: list[OrderOut]
    fills: list[FillOut]
    events: list[EventOut]
