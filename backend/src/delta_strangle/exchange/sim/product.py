"""A listed product and its ticker, as the simulated market holds them (Decimal prices, UTC times)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying


@dataclass
class SimProduct:
    """One option product; `state` becomes `expired` with a `settlement_price` at settlement."""

    id: int
    symbol: str
    underlying: str
    kind: OptionKind
    strike: Decimal
    settlement_time: datetime
    contract_value: Decimal
    tick_size: Decimal
    launch_time: datetime
    state: str = "live"
    settlement_price: Decimal | None = None

    @property
    def contract_type(self) -> str:
        return self.kind.contract_type

    @property
    def is_live(self) -> bool:
        return self.state == "live"

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
