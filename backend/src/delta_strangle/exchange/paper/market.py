"""`DeltaFeedMarket`: the simulator's `MarketModel` with Delta's products and quotes instead of a random walk.

A feed pushes what it heard from Delta (contracts, option quotes, index prices) stamped with our clock's
time of receipt; each push becomes one market step that the simulator core replays when it syncs, so
resting paper orders are matched against Delta's book exactly as the simulator matches its own quotes.
Products keep Delta's product ids and symbols. A product whose settlement instant passes is settled at
the last index price heard (Delta's own settlement price is a 30-minute TWAP we do not see here).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from delta_strangle.domain.instruments import OptionContract
from delta_strangle.domain.market import Quote
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.listing import ProductListing
from delta_strangle.exchange.sim.market import StepResult, product_from_json, product_to_json
from delta_strangle.exchange.sim.product import SimGreeks, SimProduct, SimTicker

FEED_KIND = "delta_feed"


@dataclass(frozen=True)
class FeedUpdate:
    """What the feed heard at one instant."""

    time: datetime
    contracts: tuple[OptionContract, ...] = ()
    quotes: tuple[Quote, ...] = ()
    spots: Mapping[str, Decimal] = field(default_factory=dict)


def to_sim_ticker(product: SimProduct, quote: Quote, received_at: datetime, spot: Decimal | None) -> SimTicker:
    """Return the simulator's ticker for a Delta quote (stamped with when we heard it)."""
    greeks = None
    if quote.greeks is not None:
        greeks = SimGreeks(
            delta=quote.greeks.delta, gamma=quote.greeks.gamma, theta=quote.greeks.theta, vega=quote.greeks.vega,
            rho=0.0,
        )
    return SimTicker(
        product_id=product.id, symbol=product.symbol, timestamp=received_at,
        spot=quote.spot_price or spot or Decimal(0), mark_price=quote.mark_price or Decimal(0),
        best_bid=quote.best_bid, best_ask=quote.best_ask,
        bid_size=quote.bid_size if quote.best_bid is not None else 0,
        ask_size=quote.ask_size if quote.best_ask is not None else 0,
        mark_iv=quote.mark_iv, bid_iv=None, ask_iv=None, greeks=greeks,
    )


class DeltaFeedMarket(ProductListing):
    """A `MarketModel` fed by Delta's public data (see module docstring)."""

    def __init__(self, config: SimConfig, start: datetime) -> None:
        self._config = config
        self._now = start
        self._pending: deque[FeedUpdate] = deque()
        self._products: dict[int, SimProduct] = {}
        self._by_symbol: dict[str, int] = {}
        self._spot: dict[str, Decimal] = {}
        self._tickers: dict[int, SimTicker] = {}

    # -- feeding ------------------------------------------------------------------------------------------

    def push(self, update: FeedUpdate) -> None:
        """Queue what the feed heard; steps stay in time order even if the clock was read out of order."""
        last = self._pending[-1].time if self._pending else self._now
        if update.time < last:
            update = FeedUpdate(time=last, contracts=update.contracts, quotes=update.quotes, spots=update.spots)
        self._pending.append(update)

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- MarketModel --------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def next_step_time(self) -> datetime | None:
        """Return when the oldest unapplied update was heard (None: nothing new from Delta)."""
        return self._pending[0].time if self._pending else None

    def step(self) -> StepResult:
        update = self._pending.popleft()
        self._now = update.time
        result = StepResult(time=self._now)
        self._spot.update(update.spots)
        for contract in update.contracts:
            if contract.symbol not in self._by_symbol and contract.settlement_time > self._now:
                result.listed.append(self._list(contract))
        for quote in update.quotes:
            product = self.product_by_symbol(quote.symbol)
            if product is None or not product.is_live:
                continue
            if quote.spot_price is not None:
                self._spot[product.underlying] = quote.spot_price
            self._tickers[product.id] = to_sim_ticker(product, quote, self._now, self._spot.get(product.underlying))
        for product in self._products.values():
            if product.is_live and product.settlement_time <= self._now:
                product.state = "expired"
                product.settlement_price = self._spot.get(product.underlying)
                result.expired.append(product)
        return result

    def _list(self, contract: OptionContract) -> SimProduct:
        product = SimProduct(
            id=contract.product_id, symbol=contract.symbol, underlying=contract.underlying.value, kind=contract.kind,
            strike=contract.strike, settlement_time=contract.settlement_time, contract_value=contract.contract_value,
            tick_size=contract.tick_size, launch_time=self._now,
        )
        return self._list_product(product)

    def underlyings(self) -> list[str]:
        return [u.symbol for u in self._config.underlyings if u.symbol in self._spot]

    def spot(self, underlying: str) -> Decimal:
        return self._spot[underlying]

    def ticker(self, product: SimProduct) -> SimTicker:
        """Return the last quote heard for a product (an empty book until one arrives)."""
        ticker = self._tickers.get(product.id)
        if ticker is not None:
            return ticker
        return SimTicker(
            product_id=product.id, symbol=product.symbol, timestamp=product.launch_time,
            spot=self._spot.get(product.underlying, Decimal(0)), mark_price=Decimal(0), best_bid=None, best_ask=None,
            bid_size=0, ask_size=0, mark_iv=None, bid_iv=None, ask_iv=None, greeks=None,
        )

    def apply_gap(self, underlying: str, fraction: float) -> None:
        """Price gaps cannot rewrite the real market: a fed market ignores them."""

    def to_state(self) -> dict[str, Any]:
        """The index prices heard and the listed products (quotes are not kept: Delta is asked again)."""
        return {
            "kind": FEED_KIND, "now": self._now.isoformat(), "spot": {k: str(v) for k, v in self._spot.items()},
            "products": [product_to_json(p) for p in self._products.values()],
        }

    @classmethod
    def restore(cls, config: SimConfig, state: dict[str, Any], start: datetime) -> DeltaFeedMarket:
        """A fed market from `to_state` output: its products listed again, its time `start` (or later)."""
        market = cls(config, max(start, datetime.fromisoformat(state["now"])))
        market._spot = {k: Decimal(v) for k, v in state.get("spot", {}).items()}
        for raw in state.get("products", []):
            market._list_product(product_from_json(raw))
        return market

