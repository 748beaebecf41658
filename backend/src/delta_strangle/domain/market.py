"""Market data at one instant: quotes and the option chain."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from delta_strangle.domain.instruments import OptionContract, Underlying

TWO = Decimal(2)


class Greeks(BaseModel):
    """Greeks per one unit of underlying (floats: statistics, not money)."""

    model_config = ConfigDict(frozen=True)

    delta: float
    gamma: float = 0.0
    theta: float = 0.0
    vega: float = 0.0


class Quote(BaseModel):
    """Top of book and mark for one product."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    product_id: int | None = None
    best_bid: Decimal | None = None
    best_ask: Decimal | None = None
    bid_size: int = 0
    ask_size: int = 0
    mark_price: Decimal | None = None
    spot_price: Decimal | None = None
    mark_iv: float | None = None
    greeks: Greeks | None = None
    timestamp: datetime

    @property
    def mid(self) -> Decimal | None:
        """Midpoint of bid and ask; None when either side is empty."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / TWO

    @property
    def spread_pct(self) -> Decimal | None:
        """Bid/ask spread as a percentage of mid."""
        mid = self.mid
        if mid is None or mid <= 0 or self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_ask - self.best_bid) / mid * Decimal(100)

    def age(self, now: datetime) -> timedelta:
        return now - self.timestamp

    def is_fresh(self, now: datetime, max_age: timedelta) -> bool:
        return self.age(now) <= max_age


class OptionChain(BaseModel):
    """Every option of one underlying and expiry, with its quote, at one instant."""

    model_config = ConfigDict(frozen=True)

    underlying: Underlying
    expiry: date
    spot: Decimal
    as_of: datetime
    contracts: tuple[OptionContract, ...]
    quotes: Mapping[str, Quote] = Field(default_factory=dict)

    def quote_for(self, contract: OptionContract) -> Quote | None:
        return self.quotes.get(contract.symbol)
