"""Paper mode against a stand-in for the real Delta: the simulator's Delta-protocol server on a replay clock.

The server's own market is "the real market"; the paper exchange reads it only through Delta's public REST
and WebSocket, and must match its orders against what it hears, never sending an order to the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
from tests.exchange.contract.conftest import Venue, fast_backoff, run_on, serve_loopback
from tests.exchange.sim.builders import START, nearest_product, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.domain.orders import OrderRequest, OrderState, Side
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.delta.urls import DeltaEndpoints
from delta_strangle.exchange.errors import TransientError
from delta_strangle.exchange.paper.exchange import PaperExchange, connect_paper_exchange
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.exchange.sim.server.app import create_sim_app


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on and remembers them, so a test can say what paper mode sent to "Delta"."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@dataclass
class Rig:
    paper: PaperExchange
    real: SimulatedExchangeCore
    clock: ReplayClock
    sent: Recording

    def venue(self) -> Venue:
        return Venue("paper", self.paper, self.clock, self.real, lambda: True)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = ReplayClock(START)
    # A calm "real" market (almost no drift), so in the tests only an armed price gap moves it far.
    calm = small_config().underlyings[0].model_copy(update={"annual_vol": 1e-6})
    real = build_core(small_config(underlyings=(calm,)), START)
    app = create_sim_app(real, clock, drive=True)
    server, task, port = await serve_loopback(app)
    sent = Recording(httpx.ASGITransport(app=app))  # type: ignore[arg-type]
    endpoints = DeltaEndpoints(rest="http://delta", private_ws="ws://unused", public_ws=f"ws://127.0.0.1:{port}/public")
    paper = await connect_paper_exchange(
        endpoints, clock, user_agent="delta-strangle-paper-tests", transport=sent, ws_backoff=fast_backoff(),
        config=small_config(starting_balance=Decimal("5000")), underlyings=(Underlying.BTC,), refresh_seconds=3600,
    )
    yield Rig(paper, real, clock, sent)
    await paper.aclose()
    server.should_exit = True
    await clock.advance(0)
    await task


def sell(product_id: int, symbol: str, price: Decimal, size: int = 1, cid: str = "paper-1") -> OrderRequest:
    return OrderRequest(product_id=product_id, symbol=symbol, side=Side.SELL, size=size, limit_price=price,
                        client_order_id=cid)


async def test_paper_exchange_is_an_exchange_that_needs_no_keys(rig: Rig) -> None:
    assert isinstance(rig.paper, Exchange)
    assert not rig.paper.feed.market_data.rest.has_credentials
    await rig.paper.get_wallet_balance()
    assert rig.sent.requests
    assert all("api-key" not in r.headers and "signature" not in r.headers for r in rig.sent.requests)
    assert {r.url.path for r in rig.sent.requests} <= {"/v2/products", "/v2/tickers"}


async def test_paper_chain_carries_the_real_products_ids_and_quotes(rig: Rig) -> None:
    real = nearest_product(rig.real, "call_options", 1)
    contracts = await rig.paper.list_option_contracts(Underlying.BTC)
    chain = await rig.paper.get_option_chain(Underlying.BTC, min(c.expiry for c in contracts))
    paper_quote = chain.quotes[real.symbol]
    real_ticker = rig.real.ticker(real)
    assert paper_quote.product_id == real.id
    assert (paper_quote.best_bid, paper_quote.best_ask) == (real_ticker.best_bid, real_ticker.best_ask)
    assert chain.spot == real_ticker.spot


async def test_marketable_paper_sell_fills_at_the_real_bid_and_sends_no_order_to_delta(rig: Rig) -> None:
    real = nearest_product(rig.real, "put_options", 1)
    bid = rig.real.ticker(real).best_bid
    assert bid is not None
    order = await rig.paper.place_order(sell(real.id, real.symbol, bid, size=2))
    assert order.state is OrderState.CLOSED
    assert order.average_fill_price == bid
    assert [p.size for p in await rig.paper.list_positions([real.id])] == [-2]
    assert all(not account.orders for account in rig.real.accounts.values())
    assert all(r.method == "GET" for r in rig.sent.requests)


async def test_resting_paper_order_fills_when_the_streamed_real_quote_crosses_it(rig: Rig) -> None:
    real = nearest_product(rig.real, "call_options", 1)
    ask = rig.real.ticker(real).best_ask
    assert ask is not None
    resting = await rig.paper.place_order(sell(real.id, real.symbol, ask, cid="rest-1"))
    assert resting.state is OrderState.OPEN
    stream = rig.paper.stream_quotes([real.symbol])
    await rig.venue().run(anext(stream))
    # The real market jumps up 5 %: the call's real bid passes our resting ask, and only the stream tells us.
    rig.real.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=0.05),)), rig.clock.now())

    async def filled() -> None:
        while (await rig.paper.get_order(resting.order_id)).state is OrderState.OPEN:
            await anext(stream)

    await rig.venue().run(filled())
    await stream.aclose()
    order = await rig.paper.get_order(resting.order_id)
    assert order.state is OrderState.CLOSED
    assert order.average_fill_price == ask  # a maker fill at our own limit
    assert [p.size for p in await rig.paper.list_positions([real.id])] == [-1]


async def test_paper_mode_refuses_to_start_when_delta_cannot_be_read() -> None:
    clock = ReplayClock(START)

    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="<html>maintenance</html>")

    endpoints = DeltaEndpoints(rest="http://delta", private_ws="ws://unused", public_ws="ws://unused")
    with pytest.raises(TransientError):
        await run_on(clock, connect_paper_exchange(endpoints, clock, user_agent="t", transport=httpx.MockTransport(down)))
