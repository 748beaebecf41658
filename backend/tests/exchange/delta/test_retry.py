from __future__ import annotations

import asyncio
import random

import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.delta.retry import Backoff, retry_transient
from delta_strangle.exchange.errors import AuthError, RateLimitedError, TransientError


class Flaky:
    """A call that fails with the given errors, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(attempts: int = 4) -> Backoff:
    return Backoff(base_seconds=1.0, factor=2.0, cap_seconds=8.0, attempts=attempts, rng=random.Random(1))


def test_backoff_ceiling_grows_exponentially_up_to_the_cap() -> None:
    backoff = policy()
    assert [backoff.ceiling(n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert all(0.0 <= backoff.delay(n) <= backoff.ceiling(n) for n in range(6) for _ in range(50))


async def _drive(clock: ReplayClock, task: asyncio.Task[str]) -> str:
    while not task.done():
        await clock.advance(1.0)
    return await task


async def test_transient_failures_are_retried_until_success(clock: ReplayClock) -> None:
    call = Flaky(TransientError("502"), TransientError("503"))
    task = asyncio.create_task(retry_transient(call, policy=policy(), clock=clock, what="GET /v2/tickers"))
    assert await _drive(clock, task) == "ok"
    assert call.calls == 3


async def test_non_retryable_errors_are_raised_at_once(clock: ReplayClock) -> None:
    call = Flaky(AuthError("bad key"))
    with pytest.raises(AuthError):
        await retry_transient(call, policy=policy(), clock=clock, what="GET /v2/orders")
    assert call.calls == 1


async def test_retries_stop_after_the_last_attempt(clock: ReplayClock) -> None:
    call = Flaky(*(TransientError(str(n)) for n in range(10)))
    task = asyncio.create_task(retry_transient(call, policy=policy(attempts=3), clock=clock, what="x"))
    with pytest.raises(TransientError):
        await _drive(clock, task)
    assert call.calls == 3


async def test_rate_limit_waits_at_least_the_servers_reset(clock: ReplayClock) -> None:
    call = Flaky(RateLimitedError("429", retry_after_seconds=20.0))
    start = clock.now()
    task = asyncio.create_task(retry_transient(call, policy=policy(), clock=clock, what="x"))
    assert await _drive(clock, task) == "ok"
    assert (clock.now() - start).total_seconds() >= 20.0


async def test_rate_limit_longer_than_the_policy_allows_is_raised(clock: ReplayClock) -> None:
    call = Flaky(RateLimitedError("429", retry_after_seconds=120.0))
    with pytest.raises(RateLimitedError):
        await retry_transient(call, policy=policy(), clock=clock, what="x")
