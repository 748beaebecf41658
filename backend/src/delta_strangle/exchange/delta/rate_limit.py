"""A client-side copy of Delta's REST quota: 10 000 weighted units per fixed 5-minute window.

We cannot see the server's window phase, so the budget starts its window at first use and
re-aligns whenever a 429 tells us how long until the real reset (`X-RATE-LIMIT-RESET`). Reads wait
for the next window; order placement refuses at once (a late order is worse than a refused one);
cancels are never held back, because Delta does not rate-limit cancels and they reduce risk.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from delta_strangle.clock import Clock
from delta_strangle.exchange.errors import RateLimitedError

DEFAULT_QUOTA = 10_000
WINDOW_SECONDS = 300.0

_WEIGHT_3 = (
    re.compile(r"^/v2/products$"),
    re.compile(r"^/v2/l2orderbook/"),
    re.compile(r"^/v2/tickers(/.*)?$"),
    re.compile(r"^/v2/positions(/margined)?$"),
    re.compile(r"^/v2/wallet/balances$"),
    re.compile(r"^/v2/history/(candles|sparklines)$"),
    re.compile(r"^/v2/rate_limits/quota$"),
)
_WEIGHT_10 = (re.compile(r"^/v2/orders/history$"), re.compile(r"^/v2/fills$"), re.compile(r"^/v2/wallet/transactions$"))


def endpoint_weight(method: str, path: str) -> int:
    """Return the quota units Delta charges for one call."""
    method = method.upper()
    if path.startswith("/v2/orders/batch"):
        return 25
    if path in ("/v2/orders", "/v2/orders/all") and method in ("POST", "PUT", "DELETE"):
        return 5
    if path == "/v2/positions/change_margin":
        return 5
    if path == "/v2/orders" and method == "GET":
        return 3
    if any(pattern.match(path) for pattern in _WEIGHT_10):
        return 10
    if any(pattern.match(path) for pattern in _WEIGHT_3):
        return 3
    return 1


def is_cancel(method: str, path: str) -> bool:
    """Tell whether a call only cancels orders."""
    return method.upper() == "DELETE" and path in ("/v2/orders", "/v2/orders/all", "/v2/orders/batch")


class RateBudget:
    """Weighted units left in the current window, shared by every call of one client."""

    def __init__(self, clock: Clock, *, quota: int = DEFAULT_QUOTA, window_seconds: float = WINDOW_SECONDS) -> None:
        self._clock = clock
        self.quota = quota
        self.window = timedelta(seconds=window_seconds)
        self._used = 0
        self._window_end: datetime | None = None
        self._lock = asyncio.Lock()

    @property
    def remaining(self) -> int:
        """Units left in the current window (full when the window has passed)."""
        self._roll()
        return self.quota - self._used

    def seconds_until_reset(self) -> float:
        """Return how long until the current window ends."""
        self._roll()
        if self._window_end is None:
            return 0.0
        return max(0.0, (self._window_end - self._clock.now()).total_seconds())

    def _roll(self) -> None:
        now = self._clock.now()
        if self._window_end is None or now >= self._window_end:
            self._used = 0
            self._window_end = None

    def _charge(self, weight: int) -> None:
        if self._window_end is None:
            self._window_end = self._clock.now() + self.window
        self._used += weight

    async def acquire(self, weight: int, *, wait: bool = True, exempt: bool = False) -> None:
        """Spend units; wait for the next window, or raise RateLimitedError when `wait` is False."""
        async with self._lock:
            self._roll()
            if exempt or self._used + weight <= self.quota:
                self._charge(weight)
                return
            delay = self.seconds_until_reset()
            if not wait:
                raise RateLimitedError(
                    f"client-side rate budget exhausted; resets in {delay:.1f} s", retry_after_seconds=delay
                )
            await self._clock.sleep(delay)
            self._roll()
            self._charge(weight)

    def on_rate_limited(self, retry_after_seconds: float) -> None:
        """Align with the server after a 429: nothing left until its reset."""
        self._used = self.quota
        self._window_end = self._clock.now() + timedelta(seconds=retry_after_seconds)
