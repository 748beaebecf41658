from __future__ import annotations

import asyncio

import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.delta.rate_limit import RateBudget, endpoint_weight, is_cancel
from delta_strangle.exchange.errors import RateLimitedError


@pytest.mark.parametrize(
    ("method", "path", "weight"),
    [
        ("GET", "/v2/tickers", 3),
        ("GET", "/v2/tickers/C-BTC-90000-310125", 3),
        ("GET", "/v2/products", 3),
        ("GET", "/v2/products/27", 1),
        ("GET", "/v2/orders", 3),
        ("GET", "/v2/orders/123", 1),
        ("GET", "/v2/orders/client_order_id/abc", 1),
        ("POST", "/v2/orders", 5),
        ("DELETE", "/v2/orders", 5),
        ("DELETE", "/v2/orders/all", 5),
        ("POST", "/v2/orders/batch", 25),
        ("GET", "/v2/orders/history", 10),
        ("GET", "/v2/fills", 10),
        ("GET", "/v2/positions", 3),
        ("GET", "/v2/positions/margined", 3),
        ("GET", "/v2/wallet/balances", 3),
        ("POST", "/v2/heartbeat", 1),
    ],
)
def test_each_endpoint_costs_its_documented_weight(method: str, path: str, weight: int) -> None:
    assert endpoint_weight(method, path) == weight


def test_only_deletes_of_orders_count_as_cancels() -> None:
    assert is_cancel("DELETE", "/v2/orders")
    assert is_cancel("DELETE", "/v2/orders/all")
    assert not is_cancel("POST", "/v2/orders")


async def test_budget_spends_units_and_refills_when_the_window_ends(clock: ReplayClock) -> None:
    budget = RateBudget(clock, quota=10, window_seconds=300)
    await budget.acquire(6)
    assert budget.remaining == 4
    await clock.advance(300)
    assert budget.remaining == 10


async def test_read_waits_for_the_next_window_when_the_budget_is_spent(clock: ReplayClock) -> None:
    budget = RateBudget(clock, quota=10, window_seconds=300)
    await budget.acquire(8)
    waiting = asyncio.create_task(budget.acquire(5))
    await asyncio.sleep(0)
    assert not waiting.done()
    await clock.advance(299)
    assert not waiting.done()
    await clock.advance(1)
    await waiting
    assert budget.remaining == 5


async def test_order_is_refused_at_once_when_the_budget_is_spent(clock: ReplayClock) -> None:
    budget = RateBudget(clock, quota=10, window_seconds=300)
    await budget.acquire(8)
    await clock.advance(100)
    with pytest.raises(RateLimitedError) as caught:
        await budget.acquire(5, wait=False)
    assert caught.value.retry_after_seconds == pytest.approx(200)


async def test_cancels_pass_even_when_the_budget_is_spent(clock: ReplayClock) -> None:
    budget = RateBudget(clock, quota=10, window_seconds=300)
    await budget.acquire(10)
    await budget.acquire(5, wait=False, exempt=True)
    assert budget.remaining == -5


async def test_server_429_empties_the_budget_until_its_reset(clock: ReplayClock) -> None:
    budget = RateBudget(clock, quota=10_000, window_seconds=300)
    await budget.acquire(3)
    budget.on_rate_limited(2.5)
    assert budget.remaining == 0
    assert budget.seconds_until_reset() == pytest.approx(2.5)
    await clock.advance(2.5)
    assert budget.remaining == 10_000
