"""Orders, fills, positions and balances as the engine sees them (exchange-neutral)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CLIENT_ORDER_ID_MAX_LENGTH = 32
_CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_\-:.]{1,32}$")


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "limit_order"
    MARKET = "market_order"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"


class OrderState(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderState.CLOSED, OrderState.CANCELLED)


class OrderRequest(BaseModel):
    """An order to send. Sizes are whole contracts; prices sit on the product's tick grid."""

    model_config = ConfigDict(frozen=True)

    product_id: int
    symbol: str
    side: Side
    size: int = Field(ge=1)
    order_type: OrderType = OrderType.LIMIT
    limit_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    client_order_id: str | None = None

    @field_validator("client_order_id")
    @classmethod
    def _client_order_id_fits(cls, value: str | None) -> str | None:
        if value is not None and not _CLIENT_ORDER_ID.match(value):
            raise ValueError(
                f"client_order_id must be 1-{CLIENT_ORDER_ID_MAX_LENGTH} characters of letters, digits, _-:."
            )
        return value

    @model_validator(mode="after")
    def _price_matches_type(self) -> OrderRequest:
        if self.order_type is OrderType.LIMIT and (self.limit_price is None or self.limit_price <= 0):
            raise ValueError("limit_price must be positive for a limit order")
        if self.order_type is OrderType.MARKET and self.limit_price is not None:
            raise ValueError("a market order takes no limit_price")
        return self


class Order(BaseModel):
    """An order as the exchange reports it."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    client_order_id: str | None = None
    product_id: int
    symbol: str
    side: Side
    size: int
    unfilled_size: int
    order_type: OrderType
    limit_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    post_only: bool = False
    state: OrderState
    average_fill_price: Decimal | None = None
    paid_commission: Decimal = Decimal(0)
    cancellation_reason: str | None = None
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def filled_size(self) -> int:
        return self.size - self.unfilled_size


class Fill(BaseModel):
    """One execution (or settlement) against our account."""

    model_config = ConfigDict(frozen=True)

    fill_id: str
    order_id: str
    client_order_id: str | None = None
    product_id: int
    symbol: str
    side: Side
    size: int
    price: Decimal
    commission: Decimal
    fill_type: str = "normal"
    created_at: datetime


class Position(BaseModel):
    """A net position in one product; negative size is short."""

    model_config = ConfigDict(frozen=True)

    product_id: int
    symbol: str
    size: int
    entry_price: Decimal | None = None

    @property
    def is_flat(self) -> bool:
        return self.size == 0


class WalletBalance(BaseModel):
    model_config = ConfigDict(frozen=True)

    asset: str
    balance: Decimal
    available_balance: Decimal
