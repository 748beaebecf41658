"""Login throttling: too many recent failures per account or per client address -> HTTP 429."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta


class LoginThrottle:
    """Sliding-window failure counters kept in memory (the backend runs one process)."""

    def __init__(
        self, *, max_per_account: int, max_per_address: int, window: timedelta, now: Callable[[], datetime]
    ) -> None:
        self._limits = {"account": max_per_account, "address": max_per_address}
        self._window = window
        self._now = now
        self._failures: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[datetime]:
        failures = self._failures[key]
        cutoff = self._now() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def retry_after_seconds(self, account: str, address: str) -> int | None:
        """Seconds until another attempt is allowed, or None when allowed now."""
        waits: list[float] = []
        for kind, value in (("account", account), ("address", address)):
            failures = self._recent((kind, value))
            if len(failures) >= self._limits[kind]:
                waits.append((failures[0] + self._window - self._now()).total_seconds())
        return max(1, int(max(waits)) + 1) if waits else None

    def record_failure(self, account: str, address: str) -> None:
        now = self._now()
        self._failures[("account", account)].append(now)
        self._failures[("address", address)].append(now)

    def record_success(self, account: str) -> None:
        self._failures.pop(("account", account), None)
