"""A listed product and its ticker, as the simulated market holds them (Decimal prices, UTC times)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying

LIVE = "live"
SETTLEMENT_PENDING = "settlement_pending"
EXPIRED = "expired"


@dataclass
class SimProduct:
    """One option product; `state` becomes `expired` with a `settlement_price` at settlement.

    `settlement_price` is the index price it settled on (the TWAP; Delta's `settlement_index_price`), and
    `published_value` what one unit of the option settled at when the exchange published it (Delta's own
    `settlement_price`, which a fed market takes from Delta). A fed market holds a product whose settlement
    instant has passed in `settlement_pending` (no trading, its positions still open) until it is settled.
    """

    id: int
    symbol: str
    underlying: str
    kind: OptionKind
    strike: Decimal
    settlement_time: datetime
    contract_value: Decimal
    tick_size: Decimal
    launch_time: datetime
    state: str = LIVE
    settlement_price: Decimal | None = None
    published_value: Decimal | None = None

    @property
    def contract_type(self) -> str:
        return self.kind.contract_type

    @property
    def is_live(self) -> bool:
        return self.state == LIVE

    @property
    def awaiting_settlement(self) -> bool:
        """Trading has stopped but the product is not settled yet: its positions are still open."""
        return self.state == SETTLEMENT_PENDING

    def settlement_value(self) -> Decimal:
        """What one unit settles at: the published value, else the intrinsic value at `settlement_price`."""
        if self.published_value is not None:
            return self.published_value
        return self.intrinsic_value(self.settlement_price or Decimal(0))

    def intrinsic_value(self, index_price: Decimal) -> Decimal:
        """What one unit is worth at an index price: max(S - K, 0) for a call, max(K - S, 0) for a put."""
        if self.kind is OptionKind.CALL:
            return max(index_price - self.strike, Decimal(0))
        return max(self.strike - index_price, Decimal(0))

    def to_contract(self) -> OptionContract:
        """Return the domain's view of this product."""
        return OptionContract(
            product_id=self.id, symbol=self.symbol, underlying=Underlying(self.underlying), kind=self.kind,
            strike=self.strike, settlement_time=self.settlement_time, contract_value=self.contract_value,
            tick_size=self.tick_size,
        )

    def on_tick(self, price: Decimal, *, up: bool) -> Decimal:
        """Put a price on the tick grid, rounding up or down."""
        ticks = (price / self.tick_size).to_integral_value(rounding="ROUND_CEILING" if up else "ROUND_FLOOR")
        return (ticks * self.tick_size).quantize(self.tick_size)


@dataclass(frozen=True)
class SimGreeks:
    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float


@dataclass(frozen=True)
class SimTicker:
    """A product's mark, top of book and greeks at one market step."""

    product_id: int
    symbol: str
    timestamp: datetime
    spot: Decimal
    mark_price: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    bid_size: int
    ask_size: int
    mark_iv: float | None
    bid_iv: float | None
    ask_iv: float | None
    greeks: SimGreeks | None
    oi_contracts: int = 0
    extra: dict[str, object] = field(default_factory=dict)
