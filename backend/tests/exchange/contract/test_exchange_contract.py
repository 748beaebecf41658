"""Behaviour every `Exchange` implementation must share (see conftest for the venues)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying
from delta_strangle.domain.market import Quote
from delta_strangle.domain.orders import Fill, Order, OrderRequest, OrderState, OrderType, Position, Side, TimeInForce
from delta_strangle.exchange.errors import NotFoundError, RateLimitedError, UnknownOutcomeError
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule

from .conftest import Venue


async def nearest(venue: Venue, kind: OptionKind, steps_out: int = 2) -> tuple[OptionContract, Quote]:
    contracts = await venue.exchange.list_option_contracts(Underlying.BTC)
    expiry = min(c.expiry for c in contracts)
    chain = await venue.exchange.get_option_chain(Underlying.BTC, expiry)
    side = sorted((c for c in chain.contracts if c.kind is kind), key=lambda c: c.strike)
    atm = min(range(len(side)), key=lambda i: abs(side[i].strike - chain.spot))
    contract = side[atm + (steps_out if kind is OptionKind.CALL else -steps_out)]
    quote = chain.quotes[contract.symbol]
    return contract, quote


def sell(contract: OptionContract, price: Decimal, size: int = 1, cid: str = "contract-1") -> OrderRequest:
    return OrderRequest(
        product_id=contract.product_id,
        symbol=contract.symbol,
        side=Side.SELL,
        size=size,
        limit_price=price,
        client_order_id=cid,
    )


async def test_chain_lists_calls_and_puts_of_one_expiry_with_two_sided_quotes(venue: Venue) -> None:
    contracts = await venue.exchange.list_option_contracts(Underlying.BTC)
    expiry = min(c.expiry for c in contracts)
    chain = await venue.exchange.get_option_chain(Underlying.BTC, expiry)
    assert chain.spot > 0
    assert {c.kind for c in chain.contracts} == {OptionKind.CALL, OptionKind.PUT}
    assert all(c.expiry == expiry for c in chain.contracts)
    quoted = [chain.quotes[c.symbol] for c in chain.contracts if c.symbol in chain.quotes]
    assert quoted
    assert all(q.best_bid < q.best_ask for q in quoted if q.best_bid is not None and q.best_ask is not None)


async def test_spot_is_the_index_the_chain_is_priced_from(venue: Venue) -> None:
    contracts = await venue.exchange.list_option_contracts(Underlying.BTC)
    chain = await venue.exchange.get_option_chain(Underlying.BTC, min(c.expiry for c in contracts))
    spot = await venue.exchange.get_spot(Underlying.BTC)
    assert spot > 0
    assert spot == chain.spot


async def test_quote_stream_yields_the_requested_symbols(venue: Venue) -> None:
    contract, _ = await nearest(venue, OptionKind.CALL)
    stream = venue.exchange.stream_quotes([contract.symbol])
    next_quote = asyncio.ensure_future(anext(stream))
    async with asyncio.timeout(10):
        while not next_quote.done():
            await venue.advance(1)
    quote = next_quote.result()
    await stream.aclose()
    assert quote.symbol == contract.symbol


async def test_passive_order_rests_is_listed_found_by_client_id_and_cancels(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.CALL)
    assert quote.best_ask is not None
    far = contract.round_to_tick(quote.best_ask * 3, up=True)
    order = await venue.exchange.place_order(sell(contract, far, cid="rest-1"))
    assert order.state is OrderState.OPEN
    assert order.client_order_id == "rest-1"
    assert [o.order_id for o in await venue.exchange.list_open_orders([contract.product_id])] == [order.order_id]
    found = await venue.exchange.find_order_by_client_id("rest-1")
    assert found is not None
    assert found.order_id == order.order_id
    assert (await venue.exchange.get_order(order.order_id)).state is OrderState.OPEN
    cancelled = await venue.exchange.cancel_order(contract.product_id, order.order_id)
    assert cancelled.state is OrderState.CANCELLED
    assert await venue.exchange.list_open_orders([contract.product_id]) == []
    assert await venue.exchange.find_order_by_client_id("never-sent") is None


async def test_marketable_sell_fills_opens_a_short_and_reports_the_fill(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.PUT)
    assert quote.best_bid is not None
    since = venue.clock.now() - timedelta(seconds=1)
    order = await venue.exchange.place_order(sell(contract, quote.best_bid, size=2, cid="fill-1"))
    assert order.state is OrderState.CLOSED
    assert order.filled_size == 2
    [position] = await venue.exchange.list_positions([contract.product_id])
    assert position.size == -2
    fills = await venue.exchange.list_fills(since, [contract.product_id])
    assert sum(f.size for f in fills) == 2
    assert {f.order_id for f in fills} == {order.order_id}


async def test_order_larger_than_the_touch_fills_partly_and_rests_the_rest(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.CALL)
    assert quote.best_bid is not None
    size = max(quote.bid_size, 1) * 4
    order = await venue.exchange.place_order(sell(contract, quote.best_bid, size=size, cid="partial-1"))
    assert 0 < order.filled_size < size
    assert order.state is OrderState.OPEN
    cancelled = await venue.exchange.cancel_order(contract.product_id, order.order_id)
    assert cancelled.state is OrderState.CANCELLED
    assert cancelled.filled_size == order.filled_size
    [position] = await venue.exchange.list_positions([contract.product_id])
    assert position.size == -order.filled_size


async def test_close_positions_flattens_only_the_named_products(venue: Venue) -> None:
    call, call_quote = await nearest(venue, OptionKind.CALL)
    put, put_quote = await nearest(venue, OptionKind.PUT)
    assert call_quote.best_bid is not None
    assert put_quote.best_bid is not None
    await venue.exchange.place_order(sell(call, call_quote.best_bid, cid="leg-c"))
    await venue.exchange.place_order(sell(put, put_quote.best_bid, cid="leg-p"))
    closing = await venue.exchange.close_positions([call.product_id])
    assert [o.side for o in closing] == [Side.BUY]
    assert await venue.exchange.list_positions([call.product_id]) == []
    assert [p.size for p in await venue.exchange.list_positions([put.product_id])] == [-1]


async def test_order_with_an_unknown_outcome_is_found_by_client_id_and_exists_once(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.CALL)
    assert quote.best_ask is not None
    far = contract.round_to_tick(quote.best_ask * 3, up=True)
    venue.arm(
        FaultPlan(rules=(FaultRule(kind=FaultKind.TIMEOUT_AFTER_EXECUTE, max_count=1, path_prefix="/v2/orders"),))
    )
    outcome: Order | UnknownOutcomeError
    try:
        outcome = await venue.exchange.place_order(sell(contract, far, cid="unknown-1"))
    except UnknownOutcomeError as error:  # the simulator reports it; the Delta client resolves it by lookup
        outcome = error
    if isinstance(outcome, UnknownOutcomeError):
        assert outcome.client_order_id == "unknown-1"
    found = await venue.exchange.find_order_by_client_id("unknown-1")
    assert found is not None
    assert isinstance(outcome, UnknownOutcomeError) or outcome.order_id == found.order_id
    open_orders = await venue.exchange.list_open_orders([contract.product_id])
    assert [o.client_order_id for o in open_orders] == ["unknown-1"]


async def test_rate_limited_order_raises_rate_limited_and_places_nothing(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.CALL)
    assert quote.best_ask is not None
    venue.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.RATE_LIMIT_STORM, max_count=1, path_prefix="/v2/orders"),)))
    with pytest.raises(RateLimitedError) as refused:
        await venue.exchange.place_order(sell(contract, quote.best_ask * 3, cid="limited-1"))
    assert refused.value.retry_after_seconds > 0
    # A client may hold its reads until the quota resets; the lookup still answers once time has passed.
    assert await venue.run(venue.exchange.find_order_by_client_id("limited-1")) is None
    assert await venue.exchange.list_open_orders([contract.product_id]) == []


async def test_market_ioc_buy_without_a_position_is_not_reduce_only_but_fills(venue: Venue) -> None:
    contract, _ = await nearest(venue, OptionKind.PUT)
    request = OrderRequest(
        product_id=contract.product_id,
        symbol=contract.symbol,
        side=Side.BUY,
        size=1,
        order_type=OrderType.MARKET,
        time_in_force=TimeInForce.IOC,
        client_order_id="mkt-1",
    )
    order = await venue.exchange.place_order(request)
    assert order.state is OrderState.CLOSED
    assert [p.size for p in await venue.exchange.list_positions([contract.product_id])] == [1]


async def test_cancelling_an_order_that_already_filled_says_it_is_not_open(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.PUT)
    assert quote.best_bid is not None
    order = await venue.exchange.place_order(sell(contract, quote.best_bid, cid="done-1"))
    assert order.state is OrderState.CLOSED
    with pytest.raises(NotFoundError) as refused:
        await venue.exchange.cancel_order(contract.product_id, order.order_id)
    assert refused.value.code == "open_order_not_found"
    assert (await venue.exchange.get_order(order.order_id)).state is OrderState.CLOSED


async def test_quote_stream_carries_on_after_the_socket_is_dropped(
    venue: Venue, caplog: pytest.LogCaptureFixture
) -> None:
    contract, _ = await nearest(venue, OptionKind.CALL)
    stream = venue.exchange.stream_quotes([contract.symbol])
    first = await venue.run(anext(stream))
    venue.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.WS_DISCONNECT, max_count=1),)))
    with caplog.at_level(logging.WARNING):
        later = [await venue.run(anext(stream)) for _ in range(3)]
    await stream.aclose()
    assert {q.symbol for q in [first, *later]} == {contract.symbol}
    assert later[-1].timestamp > first.timestamp
    if venue.name == "delta-over-sim":  # the in-process stream has no socket to lose
        assert any(getattr(r, "event", None) == "delta_ws_reconnect" for r in caplog.records)


async def test_account_stream_reports_the_order_its_fill_and_the_new_position(venue: Venue) -> None:
    contract, quote = await nearest(venue, OptionKind.PUT)
    assert quote.best_bid is not None
    events = venue.exchange.stream_account_events()
    seen: list[Order | Fill | Position] = []

    async def collect() -> None:
        async for event in events:
            seen.append(event)
            if any(isinstance(e, Fill) for e in seen) and any(isinstance(e, Position) and e.size for e in seen):
                return

    collecting = asyncio.ensure_future(collect())
    await venue.wait_until(venue.account_listening)
    order = await venue.exchange.place_order(sell(contract, quote.best_bid, size=2, cid="stream-1"))
    await venue.run(collecting)
    await events.aclose()
    fills = [e for e in seen if isinstance(e, Fill)]
    positions = [e for e in seen if isinstance(e, Position) and e.product_id == contract.product_id]
    orders = [e for e in seen if isinstance(e, Order) and e.order_id == order.order_id]
    assert sum(f.size for f in fills) == 2
    assert {f.order_id for f in fills} == {order.order_id}
    assert positions[-1].size == -2
    assert orders
    assert orders[-1].client_order_id == "stream-1"


async def test_wallet_balance_is_reported_in_usd(venue: Venue) -> None:
    wallet = await venue.exchange.get_wallet_balance("USD")
    assert wallet.asset == "USD"
    assert wallet.balance > 0
    assert 0 <= wallet.available_balance <= wallet.balance
