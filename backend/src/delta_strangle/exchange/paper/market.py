"""`DeltaFeedMarket`: the simulator's `MarketModel` with Delta's products and quotes instead of a random walk.

A feed pushes what it heard from Delta (contracts, option quotes, index prices, published settlements) stamped
with our clock's time of receipt; each push becomes one market step that the simulator core replays when it
syncs, so resting paper orders are matched against Delta's book exactly as the simulator matches its own quotes.
Products keep Delta's product ids and symbols.

Settlement follows Delta's. When a product's settlement instant passes, trading in it stops: quotes heard
later are not applied, its book shows empty and nothing fills. A product no paper account holds a position
in is settled there and then (its open orders are cancelled; no price matters). A held one waits in
`settlement_pending` (its positions open, their margin held, open orders resting unfilled until it settles)
until the feed pushes the settlement price Delta published for it (`FeedUpdate.settlements`), and settles at
that price (INFO `paper_settled`). If Delta has published none `published_settlement_grace_seconds`
(SimConfig, 15 minutes) after the settlement instant, or after trading stopped here when that was later (a
restart), the product settles at the index price heard when trading stopped, with a WARNING
`paper_settlement_fallback` naming that price.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from delta_strangle.domain.instruments import OptionContract
from delta_strangle.domain.market import Quote
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.listing import ProductListing
from delta_strangle.exchange.sim.market import StepResult, product_from_json, product_to_json
from delta_strangle.exchange.sim.product import EXPIRED, SETTLEMENT_PENDING, SimGreeks, SimProduct, SimTicker

logger = logging.getLogger(__name__)

FEED_KIND = "delta_feed"


@dataclass(frozen=True)
class PublishedSettlement:
    """A settlement Delta published for an option.

    `price` is Delta's `settlement_price`: what one unit of the option settled at (0 when it expired out of the
    money); `index_price` its `settlement_index_price`, the index TWAP it settled on, when Delta gave one.
    """

    price: Decimal
    index_price: Decimal | None = None


@dataclass(frozen=True)
class FeedUpdate:
    """What the feed heard at one instant."""

    time: datetime
    contracts: tuple[OptionContract, ...] = ()
    quotes: tuple[Quote, ...] = ()
    spots: Mapping[str, Decimal] = field(default_factory=dict)
    settlements: Mapping[str, PublishedSettlement] = field(default_factory=dict)  # by symbol


@dataclass(frozen=True)
class Halt:
    """When trading in a held product stopped here, and the index price last heard then (None: none yet)."""

    at: datetime
    index_price: Decimal | None


def _holds_everything(product_id: int) -> bool:
    return True


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
        self._halted: dict[int, Halt] = {}
        # Whether a paper account holds a position in a product. The paper core sets it to look at its
        # accounts; until then every product is taken as held, so each one waits for Delta.
        self.holds: Callable[[int], bool] = _holds_everything

    # -- feeding ------------------------------------------------------------------------------------------

    def push(self, update: FeedUpdate) -> None:
        """Queue what the feed heard; steps stay in time order even if the clock was read out of order."""
        last = self._pending[-1].time if self._pending else self._now
        if update.time < last:
            update = dataclasses.replace(update, time=last)
        self._pending.append(update)

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def grace(self) -> timedelta:
        """How long a held product waits for Delta's settlement price before the index fallback."""
        return timedelta(seconds=self._config.published_settlement_grace_seconds)

    def awaiting_settlement(self, now: datetime) -> list[SimProduct]:
        """Held products past their settlement instant and not settled: those to ask Delta about.

        Products still live whose instant has passed by `now` count too (no step has stopped them yet: after a
        restart, the first refresh asks for them before any step could fall back).
        """
        return [
            p for p in self._products.values()
            if p.awaiting_settlement or (p.is_live and p.settlement_time <= now and self.holds(p.id))
        ]

    def halts(self) -> Mapping[int, Halt]:
        """The products waiting for their settlement price, by id."""
        return dict(self._halted)

    # -- MarketModel --------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def next_step_time(self) -> datetime | None:
        """Return when the oldest unapplied update was heard (None: nothing new from Delta)."""
        return self._pending[0].time if self._pending else None

    def step(self) -> StepResult:
        """Apply one update: list, quote, stop trading what reached its settlement instant, settle."""
        update = self._pending.popleft()
        self._now = update.time
        result = StepResult(time=self._now)
        self._spot.update(update.spots)
        for contract in update.contracts:
            if contract.symbol not in self._by_symbol and contract.settlement_time > self._now:
                result.listed.append(self._list(contract))
        for quote in update.quotes:
            product = self.product_by_symbol(quote.symbol)
            if product is None or not product.is_live or product.settlement_time <= self._now:
                continue  # trading stopped: a quote heard after the settlement instant is not applied
            if quote.spot_price is not None:
                self._spot[product.underlying] = quote.spot_price
            self._tickers[product.id] = to_sim_ticker(product, quote, self._now, self._spot.get(product.underlying))
        for product in self._products.values():
            if product.is_live and product.settlement_time <= self._now:
                self._stop_trading(product, result)
        for symbol, published in update.settlements.items():
            settling = self.product_by_symbol(symbol)
            if settling is not None and settling.awaiting_settlement:
                self._settle_at_published(settling, published, result)
        for product_id, halt in list(self._halted.items()):
            product = self._products[product_id]
            if self._now >= max(product.settlement_time, halt.at) + self.grace:
                self._settle_at_index(product, halt, result)
        return result

    def _stop_trading(self, product: SimProduct, result: StepResult) -> None:
        index = self._spot.get(product.underlying)
        if not self.holds(product.id):  # no position: its price changes nothing, so Delta is not asked
            product.state = EXPIRED
            product.settlement_price = index
            result.expired.append(product)
            return
        product.state = SETTLEMENT_PENDING
        self._halted[product.id] = Halt(at=self._now, index_price=index)
        logger.info(
            "Paper: trading in %s stopped at its settlement instant; waiting for Delta's settlement price",
            product.symbol,
            extra={"event": "paper_settlement_pending", "symbol": product.symbol, "product_id": product.id,
                   "settlement_time": product.settlement_time.isoformat(),
                   "index_price": None if index is None else str(index)},
        )

    def _settle_at_published(self, product: SimProduct, published: PublishedSettlement, result: StepResult) -> None:
        del self._halted[product.id]
        product.state = EXPIRED
        product.settlement_price = published.index_price
        product.published_value = published.price
        result.expired.append(product)
        logger.info(
            "Paper: %s settled at Delta's settlement price %s", product.symbol, published.price,
            extra={"event": "paper_settled", "symbol": product.symbol, "product_id": product.id,
                   "settlement_price": str(published.price),
                   "settlement_index_price": None if published.index_price is None else str(published.index_price),
                   "settlement_time": product.settlement_time.isoformat()},
        )
        if published.index_price is not None:
            expected = product.intrinsic_value(published.index_price)
            if abs(expected - published.price) > product.tick_size:
                logger.warning(
                    "Paper: Delta's settlement price %s of %s is not the intrinsic value %s at its settlement index "
                    "price %s; settled at Delta's price", published.price, product.symbol, expected,
                    published.index_price,
                    extra={"event": "paper_settlement_price_unexpected", "symbol": product.symbol,
                           "product_id": product.id, "settlement_price": str(published.price),
                           "settlement_index_price": str(published.index_price), "intrinsic_value": str(expected)},
                )

    def _settle_at_index(self, product: SimProduct, halt: Halt, result: StepResult) -> None:
        index, heard = halt.index_price, "when trading stopped"
        if index is None:  # none had been heard by then: the latest one
            index, heard = self._spot.get(product.underlying), "last"
        if index is None:
            return  # no index price heard at all yet: nothing to settle at, keep waiting
        del self._halted[product.id]
        product.state = EXPIRED
        product.settlement_price = index
        product.published_value = None
        result.expired.append(product)
        logger.warning(
            "Paper: Delta published no settlement price for %s within %d s; settled at the index price %s heard "
            "%s (trading stopped %s), worth %s a unit", product.symbol, self.grace.total_seconds(), index, heard,
            halt.at.isoformat(), product.settlement_value(),
            extra={"event": "paper_settlement_fallback", "symbol": product.symbol, "product_id": product.id,
                   "reason": "no_published_settlement_price", "index_price": str(index),
                   "settlement_value": str(product.settlement_value()),
                   "settlement_time": product.settlement_time.isoformat(), "trading_stopped_at": halt.at.isoformat(),
                   "grace_seconds": self._config.published_settlement_grace_seconds},
        )

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
        """Return the last quote heard for a live product (an empty book until one arrives).

        Once trading has stopped the book is empty; the mark stays the last one heard until the product
        settles, then it is the settlement value.
        """
        heard = self._tickers.get(product.id)
        if heard is not None and product.is_live:
            return heard
        if product.state == EXPIRED:
            mark = product.settlement_value()
        else:
            mark = heard.mark_price if heard is not None else Decimal(0)
        return SimTicker(
            product_id=product.id, symbol=product.symbol,
            timestamp=heard.timestamp if heard is not None else product.launch_time,
            spot=self._spot.get(product.underlying, Decimal(0)), mark_price=mark, best_bid=None, best_ask=None,
            bid_size=0, ask_size=0, mark_iv=None if heard is None else heard.mark_iv, bid_iv=None, ask_iv=None,
            greeks=None if heard is None or not product.is_live else heard.greeks,
        )

    def apply_gap(self, underlying: str, fraction: float) -> None:
        """Price gaps cannot rewrite the real market: a fed market ignores them."""

    def to_state(self) -> dict[str, Any]:
        """The index prices heard, the listed products and those waiting for their settlement price (quotes are
        not kept: Delta is asked again)."""
        return {
            "kind": FEED_KIND, "now": self._now.isoformat(), "spot": {k: str(v) for k, v in self._spot.items()},
            "products": [product_to_json(p) for p in self._products.values()],
            "settlement_pending": {
                str(product_id): {"since": halt.at.isoformat(),
                                  "index_price": None if halt.index_price is None else str(halt.index_price)}
                for product_id, halt in self._halted.items()
            },
        }

    @classmethod
    def restore(cls, config: SimConfig, state: dict[str, Any], start: datetime) -> DeltaFeedMarket:
        """A fed market from `to_state` output: its products listed again, its time `start` (or later)."""
        market = cls(config, max(start, datetime.fromisoformat(state["now"])))
        market._spot = {k: Decimal(v) for k, v in state.get("spot", {}).items()}
        for raw in state.get("products", []):
            market._list_product(product_from_json(raw))
        halts = state.get("settlement_pending", {})
        for product in market._products.values():
            if product.awaiting_settlement:
                raw = halts.get(str(product.id), {})
                index = raw.get("index_price")
                market._halted[product.id] = Halt(
                    at=datetime.fromisoformat(raw["since"]) if "since" in raw else market.now,
                    index_price=None if index is None else Decimal(index),
                )
        return market
