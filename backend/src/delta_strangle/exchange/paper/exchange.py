"""`PaperExchange`: trade Delta's real market on paper. No API keys: only public market data is read.

Composition: `DeltaMarketData` (Delta's public REST and WebSocket) → `DeltaFeed` → `DeltaFeedMarket`
(the simulator's market model) → the simulator core's matching, margins, fees and account. Orders,
fills and positions therefore behave exactly as in `sim` mode, while prices are Delta's.

    DeltaFeed.refresh every `refresh_seconds`: products and option tickers of each underlying (REST), and first
        the settlement of each held product past its settlement instant, until Delta publishes its price
        (`GET /v2/products/{symbol}`; see `paper.market` for when a product settles and at what price)
    DeltaFeed.watch(symbols): the public `ticker` channel for symbols someone streams (WebSocket)

The paper account is saved through a `SimStateStore` when one is given (`paper.state`: the app keeps it in
the database): after every order call, and before any answer or account event that reveals a change the
simulator made by itself (a resting order filled by a quote, a settlement, the deadman switch), so a restart
never finds the account behind what the engine already saw. Without a store it lives in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any

import httpx

from delta_strangle.clock import Clock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.domain.market import Quote
from delta_strangle.domain.orders import Fill, Order, Position
from delta_strangle.exchange.delta.market_data import DeltaMarketData
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.delta.urls import DeltaEndpoints
from delta_strangle.exchange.delta.wire import WireError
from delta_strangle.exchange.errors import ExchangeError
from delta_strangle.exchange.paper.market import DeltaFeedMarket, FeedUpdate, PublishedSettlement
from delta_strangle.exchange.paper.state import paper_core, paper_state, restore_paper_core
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.exchange import SimulatedExchange
from delta_strangle.exchange.sim.state import SimStateStore

logger = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 10.0  # two underlyings x (products + tickers) = 12 of Delta's 10 000 units per 5 min


class DeltaFeed:
    """Carries Delta's public data into a `DeltaFeedMarket` and lets the core replay it at once."""

    def __init__(
        self,
        market_data: DeltaMarketData,
        market: DeltaFeedMarket,
        core: SimulatedExchangeCore,
        clock: Clock,
        *,
        underlyings: Sequence[Underlying],
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    ) -> None:
        self.market_data = market_data
        self._market = market
        self._core = core
        self._clock = clock
        self._underlyings = tuple(underlyings)
        self._refresh_seconds = refresh_seconds
        self._watched: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def market(self) -> DeltaFeedMarket:
        return self._market

    async def refresh(self) -> None:
        """Push the settlement prices Delta has published for held products past their settlement instant, then
        read every live option and its ticker from Delta's REST API and apply them now."""
        settlements = await self.published_settlements()
        if settlements:
            self._publish(FeedUpdate(time=self._clock.now(), settlements=settlements))
        for underlying in self._underlyings:
            contracts = await self.market_data.list_option_contracts(underlying)
            quotes = await self.market_data.get_option_quotes(underlying)
            self._publish(FeedUpdate(time=self._clock.now(), contracts=tuple(contracts), quotes=tuple(quotes)))

    async def published_settlements(self) -> dict[str, PublishedSettlement]:
        """Ask Delta for each product the market waits to settle (one `GET /v2/products/{symbol}` each).

        Only held products are asked about, one call each per refresh while they wait. A failed call is logged
        and the product is asked about again at the next refresh; it never stops the feed.
        """
        published: dict[str, PublishedSettlement] = {}
        for product in self._market.awaiting_settlement(self._clock.now()):
            try:
                settlement = await self.market_data.get_product_settlement(product.symbol)
            except (ExchangeError, WireError) as error:
                logger.warning(
                    "Paper: Delta's settlement of %s could not be read (asked again at the next refresh): %s",
                    product.symbol, error,
                    extra={"event": "paper_settlement_lookup_failed", "symbol": product.symbol,
                           "error_code": getattr(error, "code", None) or type(error).__name__},
                )
                continue
            if settlement.is_published and settlement.settlement_price is not None:
                published[product.symbol] = PublishedSettlement(
                    price=settlement.settlement_price, index_price=settlement.settlement_index_price
                )
        return published

    def start(self) -> None:
        """Start the periodic refresh (idempotent)."""
        if not any(task.get_name() == "paper-refresh" for task in self._tasks):
            self._spawn(self._refresh_forever(), "paper-refresh")

    def watch(self, symbols: Sequence[str]) -> None:
        """Stream Delta's `ticker` channel for symbols not yet watched."""
        new = sorted(set(symbols) - self._watched)
        if new:
            self._watched.update(new)
            self._spawn(self._stream(new), f"paper-ticker-{len(self._tasks)}")

    async def aclose(self) -> None:
        """Stop every feed task."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _publish(self, update: FeedUpdate) -> None:
        self._market.push(update)
        self._core.sync(self._clock.now())  # match resting paper orders and wake streams now

    async def _refresh_forever(self) -> None:
        while True:
            await self._clock.sleep(self._refresh_seconds)
            try:
                await self.refresh()
            except (ExchangeError, WireError) as error:  # keep the last quotes; their age shows they are stale
                logger.warning(
                    "Paper feed refresh failed: %s", error,
                    extra={"event": "paper_feed_refresh_failed",
                           "error_code": getattr(error, "code", None) or type(error).__name__},
                )

    async def _stream(self, symbols: list[str]) -> None:
        async for quote in self.market_data.stream_quotes(symbols):
            self._publish(FeedUpdate(time=self._clock.now(), quotes=(quote,)))


class PaperExchange(SimulatedExchange):
    """The simulator's account and matching on Delta's live quotes (see module docstring)."""

    def __init__(self, core: SimulatedExchangeCore, clock: Clock, feed: DeltaFeed, *, owns_rest: bool,
                 state_store: SimStateStore | None = None) -> None:
        super().__init__(core, next(iter(core.accounts.values())), clock, state_store)
        self.feed = feed
        self._owns_rest = owns_rest
        self._saved = self._fingerprint()

    async def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        """Yield quotes as Delta's ticker stream moves them (the symbols are watched from now on)."""
        self.feed.watch(symbols)
        async for quote in super().stream_quotes(symbols):
            yield quote

    async def stream_account_events(self) -> AsyncIterator[Order | Fill | Position]:
        """Yield our order updates, fills and positions, each only once the account that holds it is saved."""
        async for event in super().stream_account_events():
            await self._save_if_changed()
            yield event

    async def _enter(self, path: str) -> None:
        await super()._enter(path)
        await self._save_if_changed()  # the sync may have filled, settled or cancelled something: save first

    async def _persist(self) -> None:
        if self._store is not None:
            self._saved = self._fingerprint()
            await self._store.save(paper_state(self.core))

    async def _save_if_changed(self) -> None:
        if self._store is not None and self._fingerprint() != self._saved:
            await self._persist()

    def _fingerprint(self) -> tuple[object, ...]:
        """Changes whenever the account does: a new order, fill or transaction, an open order's state, or a
        held product whose trading stopped to wait for its settlement price."""
        counters = self.core.counters
        open_orders = frozenset((o.id, o.state, o.unfilled_size) for o in self.account.open_orders())
        waiting = frozenset(self.feed.market.halts())
        return counters.order, counters.fill, counters.transaction, open_orders, self.account.balance, waiting

    async def aclose(self) -> None:
        await self.feed.aclose()
        await super().aclose()
        if self._owns_rest:
            await self.feed.market_data.rest.aclose()


async def build_paper_exchange(
    market_data: DeltaMarketData,
    clock: Clock,
    *,
    config: SimConfig | None = None,
    underlyings: Sequence[Underlying] = (Underlying.BTC, Underlying.ETH),
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    owns_rest: bool = False,
    state_store: SimStateStore | None = None,
) -> PaperExchange:
    """Build a paper exchange on Delta's public data; the first refresh must succeed (no silent fall-back).

    With a store holding a saved paper account, that account is restored (a state saved by `sim` mode is
    refused); otherwise a fresh one is opened.
    """
    config = config or SimConfig()
    saved = None if state_store is None else await state_store.load()
    if saved is not None:
        core = restore_paper_core(saved, config, clock.now())
        market = core.market
        assert isinstance(market, DeltaFeedMarket)
    else:
        market = DeltaFeedMarket(config, clock.now())
        core = paper_core(config, market)
        key, secret = default_credentials(config.seed)
        core.add_account(key, secret)
    feed = DeltaFeed(market_data, market, core, clock, underlyings=underlyings, refresh_seconds=refresh_seconds)
    await feed.refresh()
    feed.start()
    logger.info(
        "Paper exchange ready on Delta's public market data",
        extra={"event": "paper_exchange_ready", "products": sum(1 for _ in market.products()),
               "restored": saved is not None},
    )
    return PaperExchange(core, clock, feed, owns_rest=owns_rest, state_store=state_store)


async def connect_paper_exchange(
    endpoints: DeltaEndpoints,
    clock: Clock,
    *,
    user_agent: str,
    debug_verbose: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    ws_backoff: Backoff | None = None,
    config: SimConfig | None = None,
    underlyings: Sequence[Underlying] = (Underlying.BTC, Underlying.ETH),
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
    state_store: SimStateStore | None = None,
) -> PaperExchange:
    """Build paper mode for one Delta environment: public data only, so no API key is read or needed."""
    rest = DeltaRestClient(
        base_url=endpoints.rest, user_agent=user_agent, clock=clock, transport=transport, debug_verbose=debug_verbose
    )
    market_data = DeltaMarketData(
        rest=rest, public_ws_url=endpoints.public_ws, user_agent=user_agent, clock=clock, ws_backoff=ws_backoff
    )
    try:
        return await build_paper_exchange(
            market_data, clock, config=config, underlyings=underlyings, refresh_seconds=refresh_seconds,
            owns_rest=True, state_store=state_store,
        )
    except BaseException:
        await rest.aclose()
        raise
