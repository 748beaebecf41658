"""Retry with jittered exponential backoff, for idempotent reads only.

Only errors whose class says `retryable` are retried (transient failures and 429s). Order
placement never comes through here: its unknown outcomes are resolved by lookup, not resend.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from delta_strangle.clock import Clock
from delta_strangle.exchange.errors import ExchangeError, RateLimitedError

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff: attempt n waits uniform(0, min(cap, base * factor**n))."""

    base_seconds: float = 0.25
    factor: float = 2.0
    cap_seconds: float = 8.0
    attempts: int = 4
    max_rate_limit_wait_seconds: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def ceiling(self, attempt: int) -> float:
        """Return the upper bound of the wait before retry number `attempt` (0-based)."""
        return min(self.cap_seconds, self.base_seconds * self.factor**attempt)

    def delay(self, attempt: int) -> float:
        """Return a jittered wait before retry number `attempt`."""
        return self.rng.uniform(0.0, self.ceiling(attempt))

    def delays(self) -> Iterator[float]:
        """Yield the waits between attempts (one fewer than attempts)."""
        for attempt in range(self.attempts - 1):
            yield self.delay(attempt)


async def retry_transient(call: Callable[[], Awaitable[T]], *, policy: Backoff, clock: Clock, what: str) -> T:
    """Run an idempotent call, retrying retryable exchange errors with backoff."""
    waits = policy.delays()
    while True:
        try:
            return await call()
        except ExchangeError as error:
            if not error.retryable:
                raise
            wait = next(waits, None)
            if wait is None:
                raise
            if isinstance(error, RateLimitedError):
                if error.retry_after_seconds > policy.max_rate_limit_wait_seconds:
                    raise
                wait = max(wait, error.retry_after_seconds)
            logger.warning(
                "Retrying %s in %.2f s after %s",
                what,
                wait,
                type(error).__name__,
                extra={"event": "delta_retry", "what": what, "wait_seconds": round(wait, 3), "error_code": error.code},
            )
            await clock.sleep(wait)
