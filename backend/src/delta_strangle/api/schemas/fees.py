"""Request and response bodies for the option fee quote."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from delta_strangle.domain.instruments import Underlying


class FeeQuoteRequest(BaseModel):
    underlying: Underlying = Underlying.BTC
    index_price: Decimal = Field(gt=0, description="underlying index price at the fill, USD")
    option_price: Decimal = Field(ge=0, description="option premium per unit of underlying, USD")
    contracts: int = Field(ge=1, le=1_000_000)
    at: datetime | None = Field(default=None, description="instant whose fee schedule applies; now when omitted")
    apply_gst: bool = True


class FeeScheduleOut(BaseModel):
    effective_from: datetime
    rate_pct: Decimal
    cap_pct: Decimal
    gst_pct: Decimal
    label: str


class FeeQuoteResponse(BaseModel):
    contract_value: Decimal
    notional_usd: Decimal
    premium_value_usd: Decimal
    notional_fee_usd: Decimal
    premium_cap_usd: Decimal
    fee_usd: Decimal
    gst_usd: Decimal
    total_usd: Decimal
    cap_applied: bool
    schedule: FeeScheduleOut
