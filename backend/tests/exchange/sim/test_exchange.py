import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from tests.exchange.sim.builders import START, nearest_product, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.domain.orders import Fill, Order, OrderRequest, OrderState, Position, Side
from delta_strangle.exchange import errors
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.sim.exchange import SimulatedExchange, build_simulated_exchange
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.exchange.sim.state import InMemoryStateStore


async def _exchange(clock: ReplayClock, store: InMemoryStateStore | None = None) -> SimulatedExchange:
    return await build_simulated_exchange(clock, seed=7, state_store=store, config=small_config())


def _sell(exchange: SimulatedExchange, offset: int = 2, size: int = 1, cid: str | None = None) -> OrderRequest:
    product = nearest_product(exchange.core, "call_options", offset)
    bid = exchange.core.ticker(product).best_bid
    return OrderRequest(product_id=product.id, symbol=product.symbol, side=Side.SELL, size=size, limit_price=bid,
                        client_order_id=cid)


async def test_the_simulated_exchange_implements_the_exchange_protocol() -> None:
    exchange = await _exchange(ReplayClock(START))
    assert isinstance(exchange, Exchange)
    await exchange.aclose()


async def test_the_chain_lists_calls_and_puts_with_quotes_for_one_expiry() -> None:
    exchange = await _exchange(ReplayClock(START))
    contracts = await exchange.list_option_contracts(Underlying.BTC)
    expiry = min(c.expiry for c in contracts)
    chain = await exchange.get_option_chain(Underlying.BTC, expiry)
    assert {c.kind.value for c in chain.contracts} == {"call", "put"}
    assert all(chain.quote_for(c) is not None for c in chain.contracts)
    assert chain.spot == await exchange.get_spot(Underlying.BTC)


async def test_quotes_stream_under_a_replay_clock_without_real_waiting() -> None:
    clock = ReplayClock(START)
    exchange = await _exchange(clock)
    symbol = nearest_product(exchange.core, "call_options", 1).symbol
    stream = exchange.stream_quotes([symbol])
    first = await anext(stream)
    pending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    await clock.advance(60)
    second = await asyncio.wait_for(pending, timeout=5)
    assert second.timestamp == first.timestamp + timedelta(seconds=60)
    await stream.aclose()
    await exchange.aclose()


async def test_account_events_report_the_order_its_fill_and_the_position() -> None:
    exchange = await _exchange(ReplayClock(START))
    events: list[object] = []
    stream = exchange.stream_account_events()
    collector = asyncio.ensure_future(_collect(stream, events, 4))
    await asyncio.sleep(0)
    order = await exchange.place_order(_sell(exchange, size=2))
    await asyncio.wait_for(collector, timeout=5)
    assert order.state is OrderState.CLOSED
    assert any(isinstance(e, Order) for e in events)
    assert any(isinstance(e, Fill) and e.size == 2 for e in events)
    assert any(isinstance(e, Position) and e.size == -2 for e in events)
    await exchange.aclose()


async def _collect(stream, sink: list[object], count: int) -> None:  # type: ignore[no-untyped-def]
    async for event in stream:
        sink.append(event)
        if len(sink) >= count:
            await stream.aclose()
            return


async def test_a_day_of_replay_clock_settles_expiring_positions() -> None:
    clock = ReplayClock(START)
    exchange = await _exchange(clock)
    exchange.start()
    request = _sell(exchange, offset=0, size=1)
    await exchange.place_order(request)
    await clock.advance(24 * 3600)
    positions = await exchange.list_positions([request.product_id])
    fills = await exchange.list_fills(START, [request.product_id])
    assert positions == []
    assert fills[-1].fill_type == "settlement"
    await exchange.aclose()


async def test_a_timeout_fault_still_executes_the_order_and_it_can_be_found_by_client_order_id() -> None:
    exchange = await _exchange(ReplayClock(START))
    exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.TIMEOUT_AFTER_EXECUTE, max_count=1),)))
    with pytest.raises(errors.UnknownOutcomeError):
        await exchange.place_order(_sell(exchange, cid="s1-call-1"))
    found = await exchange.find_order_by_client_id("s1-call-1")
    assert found is not None
    assert found.state is OrderState.CLOSED


async def test_request_faults_raise_the_retryable_errors_of_the_exchange_boundary() -> None:
    clock = ReplayClock(START)
    exchange = await _exchange(clock)
    exchange.set_faults(FaultPlan(rules=(
        FaultRule(kind=FaultKind.HTTP_5XX, max_count=1, status=502),
        FaultRule(kind=FaultKind.RATE_LIMIT_STORM, start_after_seconds=60, max_count=1),
    )))
    with pytest.raises(errors.TransientError):
        await exchange.get_spot(Underlying.BTC)
    assert await exchange.get_spot(Underlying.BTC) > 0
    await clock.advance(61)  # the storm starts a minute after arming
    with pytest.raises(errors.RateLimitedError):
        await exchange.get_spot(Underlying.BTC)


async def test_insufficient_margin_maps_to_the_boundary_error() -> None:
    exchange = await build_simulated_exchange(ReplayClock(START), seed=7,
                                              config=small_config(starting_balance=Decimal("1")))
    with pytest.raises(errors.InsufficientMarginError):
        await exchange.place_order(_sell(exchange, size=50))


async def test_a_restart_restores_positions_orders_and_the_market_from_the_state_store() -> None:
    clock = ReplayClock(START)
    store = InMemoryStateStore()
    first = await _exchange(clock, store)
    request = _sell(first, offset=2, size=3)
    await first.place_order(request)
    await first.aclose()
    await clock.advance(120)
    second = await _exchange(clock, store)
    positions = await second.list_positions([request.product_id])
    assert [p.size for p in positions] == [-3]
    assert second.account.api_key == first.account.api_key
    assert second.core.spot("BTC") == _replayed_spot(first, clock)


def _replayed_spot(original: SimulatedExchange, clock: ReplayClock) -> Decimal:
    original.core.sync(clock.now())
    return original.core.spot("BTC")
