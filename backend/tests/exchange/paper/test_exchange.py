"""Paper mode against a stand-in for the real Delta: the simulator's Delta-protocol server on a replay clock.

The server's own market is "the real market"; the paper exchange reads it only through Delta's public REST
and WebSocket, and must match its orders against what it hears, never sending an order to the server.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
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
from delta_strangle.exchange.sim.product import SimProduct
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


def fall_at_a_quarter_to_noon(rig: Rig, product: SimProduct) -> None:
    """The real index falls 3 % at 11:45, so Delta's settlement index (the 30-minute TWAP before noon) is neither
    the index before the fall nor the one after it."""
    quarter_to = product.settlement_time - timedelta(minutes=15)
    rig.real.faults.arm(FaultPlan(rules=(FaultRule(
        kind=FaultKind.PRICE_GAP, gap_fraction=-0.03, start_after_seconds=(quarter_to - START).total_seconds(),
    ),)), START)


def unpublished(product: SimProduct) -> httpx.Response:
    """Delta's answer for an option that has expired but whose settlement price is not published yet."""
    return httpx.Response(200, json={"success": True, "result": {
        "id": product.id, "symbol": product.symbol, "state": "expired", "settlement_price": None, "product_specs": {},
    }})


async def test_a_paper_position_settles_at_the_price_delta_published_and_is_saved_before_it_is_told(
    rig: Rig,
) -> None:
    store = InMemoryStateStore()
    paper = await rig.open_paper(store)
    try:
        put = nearest_product(rig.real, "put_options", 0)
        bid = rig.real.ticker(put).best_bid
        assert bid is not None
        await paper.place_order(sell(put.id, put.symbol, bid, size=2, cid="settle-1"))
        before = (await paper.get_wallet_balance()).balance
        fall_at_a_quarter_to_noon(rig, put)
        await rig.clock.advance_to(put.settlement_time - timedelta(minutes=1))
        await run_on(rig.clock, paper.feed.refresh())
        heard = paper.core.spot("BTC")  # the index paper heard last before noon

        await rig.clock.advance_to(put.settlement_time + timedelta(minutes=2))
        await run_on(rig.clock, paper.feed.refresh())

        value = put.settlement_value()  # what the real market paid one unit: Delta's settlement_price
        assert put.state == "expired"
        assert value > 0
        assert value != put.intrinsic_value(heard)
        assert await paper.list_positions([put.id]) == []
        [settled] = [f for f in await paper.list_fills(START, [put.id]) if f.fill_type == "settlement"]
        assert (settled.side, settled.size, settled.price) == (Side.BUY, 2, value)
        after = (await paper.get_wallet_balance()).balance
        assert after == before - 2 * value * put.contract_value
        assert store.state is not None
        [saved] = store.state["accounts"]
        assert Decimal(saved["balance"]) == after
        # Only the product the account held was asked about, not every option that expired at noon.
        asked = {p for p in rig.sent.paths() if p.startswith("/v2/products/")}
        assert asked == {f"/v2/products/{put.symbol}"}
    finally:
        await paper.aclose()


async def test_a_failed_settlement_lookup_is_logged_and_asked_again_at_the_next_refresh(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    put = nearest_product(rig.real, "put_options", 0)
    bid = rig.real.ticker(put).best_bid
    assert bid is not None
    await rig.paper.place_order(sell(put.id, put.symbol, bid, size=2, cid="settle-1"))
    path = f"/v2/products/{put.symbol}"
    rig.sent.instead[path] = lambda: httpx.Response(503, text="<html>maintenance</html>")

    with caplog.at_level(logging.WARNING, logger="delta_strangle.exchange.paper.exchange"):
        await rig.clock.advance_to(put.settlement_time + timedelta(minutes=2))
        await run_on(rig.clock, rig.paper.feed.refresh())  # the feed carries on: the refresh itself succeeds
    failed = [r for r in caplog.records if getattr(r, "event", None) == "paper_settlement_lookup_failed"]
    assert failed
    assert {r.symbol for r in failed} == {put.symbol}  # type: ignore[attr-defined]
    waiting = rig.paper.feed.market.product(put.id)
    assert waiting is not None
    assert waiting.awaiting_settlement
    assert [p.size for p in await rig.paper.list_positions([put.id])] == [-2]

    del rig.sent.instead[path]
    await run_on(rig.clock, rig.paper.feed.refresh())
    assert await rig.paper.list_positions([put.id]) == []
    [settled] = [f for f in await rig.paper.list_fills(START, [put.id]) if f.fill_type == "settlement"]
    assert settled.price == put.settlement_value()


async def test_a_position_whose_product_settled_while_the_backend_was_down_settles_at_deltas_price(rig: Rig) -> None:
    store = InMemoryStateStore()
    before = await rig.open_paper(store)
    put = nearest_product(rig.real, "put_options", 0)
    bid = rig.real.ticker(put).best_bid
    assert bid is not None
    await before.place_order(sell(put.id, put.symbol, bid, size=2, cid="settle-1"))
    balance = (await before.get_wallet_balance()).balance
    await _die(before)
    fall_at_a_quarter_to_noon(rig, put)
    await rig.clock.advance_to(put.settlement_time + timedelta(minutes=30))

    after = await rig.open_paper(store)
    try:
        value = put.settlement_value()
        assert value != put.intrinsic_value(after.core.spot("BTC"))  # not the first index heard after the restart
        assert await after.list_positions([put.id]) == []
        [settled] = [f for f in await after.list_fills(START, [put.id]) if f.fill_type == "settlement"]
        assert settled.price == value
        assert (await after.get_wallet_balance()).balance == balance - 2 * value * put.contract_value
    finally:
        await after.aclose()


async def test_a_product_still_waiting_for_deltas_price_when_the_backend_stopped_waits_again_after_the_restart(
    rig: Rig,
) -> None:
    store = InMemoryStateStore()
    before = await rig.open_paper(store)
    put = nearest_product(rig.real, "put_options", 0)
    bid = rig.real.ticker(put).best_bid
    assert bid is not None
    await before.place_order(sell(put.id, put.symbol, bid, size=2, cid="settle-1"))
    balance = (await before.get_wallet_balance()).balance
    path = f"/v2/products/{put.symbol}"
    rig.sent.instead[path] = lambda: unpublished(put)
    await rig.clock.advance_to(put.settlement_time + timedelta(minutes=2))
    await run_on(rig.clock, before.feed.refresh())
    await before.get_wallet_balance()  # any answer: the wait it now shows is saved first
    assert store.state is not None
    assert str(put.id) in store.state["market"]["settlement_pending"]
    await _die(before)

    after = await rig.open_paper(store)  # Delta still has not published: it waits on
    try:
        waiting = after.feed.market.product(put.id)
        assert waiting is not None
        assert waiting.awaiting_settlement
        assert [p.size for p in await after.list_positions([put.id])] == [-2]

        del rig.sent.instead[path]
        await rig.clock.advance(60)
        await run_on(rig.clock, after.feed.refresh())
        assert await after.list_positions([put.id]) == []
        assert (await after.get_wallet_balance()).balance == balance - 2 * put.settlement_value() * put.contract_value
    finally:
        await after.aclose()


async def _die(paper: PaperExchange) -> None:
    """Stop a paper exchange as a killed process would: no final save, only what was saved along the way."""
    await paper.feed.aclose()
    await paper.feed.market_data.rest.aclose()
