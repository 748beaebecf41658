"""Paper mode against a stand-in for the real Delta: the simulator's Delta-protocol server on a replay clock.

The server's own market is "the real market"; the paper exchange reads it only through Delta's public REST
and WebSocket, and must match its orders against what it hears, never sending an order to the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from tests.exchange.contract.conftest import run_on
from tests.exchange.paper.rig import Rig, paper_rig
from tests.exchange.sim.builders import START, nearest_product, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.domain.orders import OrderRequest, OrderState, Side
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.delta.urls import DeltaEndpoints
from delta_strangle.exchange.errors import TransientError
from delta_strangle.exchange.paper.exchange import PaperExchange, connect_paper_exchange
from delta_strangle.exchange.sim.exchange import build_simulated_exchange
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.exchange.sim.state import InMemoryStateStore


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with paper_rig() as opened:
        yield opened


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


async def test_a_restarted_paper_exchange_finds_the_positions_orders_fills_and_balance_it_left(rig: Rig) -> None:
    store = InMemoryStateStore()
    before = await rig.open_paper(store)
    put = nearest_product(rig.real, "put_options", 1)
    call = nearest_product(rig.real, "call_options", 1)
    bid, ask = rig.real.ticker(put).best_bid, rig.real.ticker(call).best_ask
    assert bid is not None
    assert ask is not None
    sold = await before.place_order(sell(put.id, put.symbol, bid, size=2, cid="keep-1"))
    resting = await before.place_order(sell(call.id, call.symbol, ask + 50, cid="rest-1"))
    balance = await before.get_wallet_balance()
    fills = await before.list_fills(START, [put.id])
    await _die(before)

    after = await rig.open_paper(store)
    try:
        assert [(p.symbol, p.size) for p in await after.list_positions([put.id, call.id])] == [(put.symbol, -2)]
        assert await after.find_order_by_client_id("keep-1") == sold
        reopened = await after.find_order_by_client_id("rest-1")
        assert reopened is not None
        assert (reopened.order_id, reopened.state) == (resting.order_id, OrderState.OPEN)
        assert await after.list_fills(START, [put.id]) == fills
        assert await after.get_wallet_balance() == balance
        fresh = await after.place_order(sell(put.id, put.symbol, bid, cid="keep-2"))
        assert fresh.order_id not in {sold.order_id, resting.order_id}  # ids carry on, never reused
    finally:
        await after.aclose()


async def test_a_fill_the_market_made_on_a_resting_paper_order_is_saved_before_anyone_hears_of_it(rig: Rig) -> None:
    store = InMemoryStateStore()
    before = await rig.open_paper(store)
    call = nearest_product(rig.real, "call_options", 1)
    ask = rig.real.ticker(call).best_ask
    assert ask is not None
    resting = await before.place_order(sell(call.id, call.symbol, ask, cid="rest-1"))
    # The real market jumps up 5 %; paper hears it on its next read of Delta's tickers and fills the order then,
    # with no call of ours in between.
    rig.real.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=0.05),)), rig.clock.now())
    await rig.clock.advance(120)
    await run_on(rig.clock, before.feed.refresh())
    order = await before.get_order(resting.order_id)  # this answer says "closed" only once that is saved
    assert order.state is OrderState.CLOSED
    await _die(before)
    # While the process is down the real market falls back: a restored open order would not fill again.
    rig.real.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=-0.1),)), rig.clock.now())
    await rig.clock.advance(120)

    after = await rig.open_paper(store)
    try:
        order = await after.get_order(resting.order_id)
        assert order.state is OrderState.CLOSED
        assert [p.size for p in await after.list_positions([call.id])] == [-1]
    finally:
        await after.aclose()


async def test_a_paper_exchange_refuses_a_state_saved_by_sim_mode(rig: Rig) -> None:
    store = InMemoryStateStore()
    sim = await build_simulated_exchange(rig.clock, seed=7, state_store=store, config=small_config())
    await sim.aclose()  # saves a random-walk market's state
    with pytest.raises(ValueError, match="modes never switch"):
        await rig.open_paper(store)


async def _die(paper: PaperExchange) -> None:
    """Stop a paper exchange as a killed process would: no final save, only what was saved along the way."""
    await paper.feed.aclose()
    await paper.feed.market_data.rest.aclose()
