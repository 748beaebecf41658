"""`SimulatedExchange`: the simulator as an in-process implementation of the engine's `Exchange`.

Every call first brings the market up to the clock's now, so it works under a `ReplayClock` with no
background task; streams start a driver task that sleeps on the same clock from one market step to the
next, so advancing a replay clock by a day yields a day of quotes and fills without real waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from delta_strangle.clock import Clock
from delta_strangle.domain.instruments import OptionContract, Underlying
from delta_strangle.domain.market import OptionChain, Quote
from delta_strangle.domain.orders import Fill, Order, OrderRequest, Position, WalletBalance
from delta_strangle.exchange import errors
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.convert import to_fill, to_order, to_position, to_quote
from delta_strangle.exchange.sim.core import SimError, SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.events import FillHappened, MarketStepped, OrderChanged, PositionChanged
from delta_strangle.exchange.sim.faults import FaultInjector, FaultKind, FaultPlan
from delta_strangle.exchange.sim.market import GbmMarket, MarketModel
from delta_strangle.exchange.sim.state import SimStateStore, core_from_state, core_to_state

logger = logging.getLogger(__name__)


def to_exchange_error(error: SimError) -> errors.ExchangeError:
    """Map a simulator error onto the exchange boundary's exception tree."""
    if error.code == "insufficient_margin":
        return errors.InsufficientMarginError(error.code, code=error.code, context=error.context)
    if error.status == 404 or error.code == "open_order_not_found":  # Delta's code for "not open", sent as a 400
        return errors.NotFoundError(error.code, code=error.code, context=error.context)
    if error.status in (401, 403):
        return errors.AuthError(error.code, code=error.code, context=error.context)
    if error.status >= 500:
        return errors.TransientError(error.code, code=error.code, context=error.context)
    return errors.OrderRejectedError(error.code, code=error.code, context=error.context)


class SimulatedExchange:
    """The in-process simulated exchange for one account (see module docstring)."""

    def __init__(self, core: SimulatedExchangeCore, account: Account, clock: Clock,
                 state_store: SimStateStore | None = None) -> None:
        self.core = core
        self.account = account
        self.clock = clock
        self._store = state_store
        self._driver: asyncio.Task[None] | None = None

    # -- plumbing -----------------------------------------------------------------------------------------

    def _sync(self) -> None:
        self.core.sync(self.clock.now())

    async def _enter(self, path: str) -> None:
        """Sync the market and apply request-level faults, as the server's gateway would."""
        self._sync()
        now = self.core.now
        latency = self.core.faults.fires(FaultKind.LATENCY, now, path=path)
        if latency is not None and latency.latency_ms:
            await self.clock.sleep(latency.latency_ms / 1000)
            self._sync()
        if self.core.faults.fires(FaultKind.RATE_LIMIT_STORM, now, path=path) is not None:
            raise errors.RateLimitedError("rate limited (simulated storm)", retry_after_seconds=1.0)
        failure = self.core.faults.fires(FaultKind.HTTP_5XX, now, path=path)
        if failure is not None:
            raise errors.TransientError(f"HTTP {failure.status} (simulated)", code=str(failure.status))

    async def _persist(self) -> None:
        if self._store is not None:
            await self._store.save(core_to_state(self.core))

    def start(self) -> None:
        """Start the driver that steps the market on the clock (idempotent)."""
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive(), name="sim-market-driver")

    async def _drive(self) -> None:
        while True:
            self._sync()
            next_step = self.core.market.next_step_time()
            if next_step is None:
                return
            await self.clock.sleep(max(0.0, (next_step - self.clock.now()).total_seconds()))

    # -- market data --------------------------------------------------------------------------------------

    async def list_option_contracts(self, underlying: Underlying, expiry: date | None = None) -> list[OptionContract]:
        await self._enter("/v2/products")
        return [
            p.to_contract() for p in self.core.market.products()
            if p.is_live and p.underlying == underlying.value and (expiry is None or p.settlement_time.date() == expiry)
        ]

    async def get_option_chain(self, underlying: Underlying, expiry: date) -> OptionChain:
        await self._enter("/v2/tickers")
        products = [p for p in self.core.market.products()
                    if p.is_live and p.underlying == underlying.value and p.settlement_time.date() == expiry]
        return OptionChain(
            underlying=underlying, expiry=expiry, spot=self.core.spot(underlying.value), as_of=self.core.now,
            contracts=tuple(p.to_contract() for p in products),
            quotes={p.symbol: to_quote(self.core.ticker(p)) for p in products},
        )

    async def get_spot(self, underlying: Underlying) -> Decimal:
        await self._enter("/v2/tickers")
        return self.core.spot(underlying.value)

    async def get_quote(self, symbol: str) -> Quote:
        await self._enter(f"/v2/tickers/{symbol}")
        product = self.core.product_by_ref(symbol)
        if product is None:
            raise errors.NotFoundError(f"unknown product {symbol}", code="not_found")
        return to_quote(self.core.ticker(product))

    async def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        """Yield each symbol's quote now, then again whenever it changes."""
        subscription = self.core.bus.subscribe()
        self.start()
        last: dict[str, Quote] = {}
        try:
            self._sync()
            while True:
                for symbol in symbols:
                    product = self.core.product_by_ref(symbol)
                    if product is None:
                        continue
                    quote = to_quote(self.core.ticker(product))
                    if last.get(symbol) != quote:
                        last[symbol] = quote
                        yield quote
                while not isinstance(await subscription.get(), MarketStepped):
                    pass
        finally:
            subscription.close()

    async def stream_account_events(self) -> AsyncIterator[Order | Fill | Position]:
        """Yield our order updates, fills and position changes as they happen."""
        subscription = self.core.bus.subscribe()
        self.start()
        try:
            while True:
                event = await subscription.get()
                if getattr(event, "user_id", None) != self.account.user_id:
                    continue
                if isinstance(event, OrderChanged):
                    yield to_order(event.order)
                elif isinstance(event, FillHappened):
                    yield to_fill(event.fill)
                elif isinstance(event, PositionChanged):
                    yield to_position(event.position)
        finally:
            subscription.close()

    # -- orders -------------------------------------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> Order:
        await self._enter("/v2/orders")
        params = trading.OrderParams(
            product_id=request.product_id, side=request.side, size=request.size, order_type=request.order_type,
            limit_price=request.limit_price, time_in_force=request.time_in_force, post_only=request.post_only,
            reduce_only=request.reduce_only, client_order_id=request.client_order_id,
        )
        try:
            order = trading.place_order(self.core, self.account, params)
        except SimError as exc:
            raise to_exchange_error(exc) from None
        finally:
            await self._persist()
        timeout = self.core.faults.fires(FaultKind.TIMEOUT_AFTER_EXECUTE, self.core.now, path="/v2/orders")
        if timeout is not None:
            if timeout.latency_ms:
                await self.clock.sleep(timeout.latency_ms / 1000)
            raise errors.UnknownOutcomeError("order request timed out (simulated)",
                                             client_order_id=request.client_order_id)
        return to_order(order)

    async def cancel_order(self, product_id: int, order_id: str) -> Order:
        await self._enter("/v2/orders")
        try:
            order = trading.cancel_order(self.core, self.account, order_id=int(order_id))
        except SimError as exc:
            raise to_exchange_error(exc) from None
        await self._persist()
        return to_order(order)

    async def get_order(self, order_id: str) -> Order:
        await self._enter(f"/v2/orders/{order_id}")
        order = self.account.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None:
            raise errors.NotFoundError(f"no order {order_id}", code="not_found")
        return to_order(order)

    async def find_order_by_client_id(self, client_order_id: str) -> Order | None:
        await self._enter(f"/v2/orders/client_order_id/{client_order_id}")
        order = self.account.latest_order_by_client_id(client_order_id)
        return None if order is None else to_order(order)

    async def list_open_orders(self, product_ids: Sequence[int]) -> list[Order]:
        await self._enter("/v2/orders")
        return [to_order(o) for o in self.account.open_orders() if o.product_id in product_ids]

    async def list_fills(self, since: datetime, product_ids: Sequence[int]) -> list[Fill]:
        await self._enter("/v2/fills")
        return [to_fill(f) for f in self.account.fills if f.created_at >= since and f.product_id in product_ids]

    async def list_positions(self, product_ids: Sequence[int]) -> list[Position]:
        await self._enter("/v2/positions/margined")
        return [to_position(p) for pid, p in self.account.positions.items() if pid in product_ids and p.size != 0]

    async def get_wallet_balance(self, asset: str = "USD") -> WalletBalance:
        await self._enter("/v2/wallet/balances")
        if asset != "USD":
            raise errors.NotFoundError(f"no {asset} wallet in the simulator", code="not_found")
        wallet = self.core.wallet(self.account)
        return WalletBalance(asset="USD", balance=wallet.balance, available_balance=wallet.available_balance)

    async def cancel_all_orders(self, product_ids: Sequence[int]) -> None:
        await self._enter("/v2/orders/all")
        trading.cancel_all(self.core, self.account, product_ids=list(product_ids))
        await self._persist()

    async def close_positions(self, product_ids: Sequence[int]) -> list[Order]:
        await self._enter("/v2/orders")
        try:
            orders = trading.close_positions(self.core, self.account, list(product_ids))
        except SimError as exc:
            raise to_exchange_error(exc) from None
        finally:
            await self._persist()
        return [to_order(o) for o in orders]

    async def heartbeat(self, ttl_seconds: int) -> None:
        await self._enter("/v2/heartbeat")
        self.core.heartbeat(self.account, ttl_seconds * 1000)

    async def aclose(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
            self._driver = None
        await self._persist()

    # -- simulator-only ---------------------------------------------------------------------------------

    def set_faults(self, plan: FaultPlan) -> None:
        """Arm a fault plan now (windows count from the clock's now)."""
        self.core.faults.arm(plan, self.clock.now())


def build_core(config: SimConfig, start: datetime, market: MarketModel | None = None) -> SimulatedExchangeCore:
    """Build a fresh core (random-walk market unless one is given) with the seed's default account."""
    core = SimulatedExchangeCore(config, market or GbmMarket(config, start), FaultInjector(config.seed))
    key, secret = default_credentials(config.seed)
    core.add_account(key, secret)
    return core


async def build_simulated_exchange(clock: Clock, seed: int, state_store: SimStateStore | None = None,
                                   config: SimConfig | None = None) -> SimulatedExchange:
    """Build the in-process simulated exchange: restored from the store when it holds a state."""
    config = config or SimConfig(seed=seed)
    saved = None if state_store is None else await state_store.load()
    if saved is not None:
        core = core_from_state(saved)
        logger.info("simulated exchange restored", extra={"event": "sim_state_restored", "as_of": core.now.isoformat()})
    else:
        core = build_core(config, clock.now())
    account = next(iter(core.accounts.values()))
    exchange = SimulatedExchange(core, account, clock, state_store)
    exchange._sync()
    return exchange
