"""Fan-out of runtime snapshots to subscribers (the WebSocket stream): latest value wins, never a backlog."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from delta_strangle.clock import Clock


class RuntimeBus:
    """Builds a snapshot at most every `min_seconds` (unless forced) and hands the latest to each subscriber."""

    def __init__(self, clock: Clock, min_seconds: float = 0.25) -> None:
        self.clock = clock
        self.min_seconds = min_seconds
        self.latest: Any = None
        self.published = 0
        self._last_at: datetime | None = None
        self._subscribers: set[asyncio.Queue[Any]] = set()

    def offer(self, build: Callable[[], Any], *, force: bool = False) -> None:
        """Publish a freshly built snapshot when forced or when the throttle interval has passed."""
        now = self.clock.now()
        if not force and self._last_at is not None and (now - self._last_at).total_seconds() < self.min_seconds:
            return
        if not self._subscribers and not force and self.latest is not None:
            self._last_at = now
            return
        self._last_at = now
        self.latest = build()
        self.published += 1
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()  # drop the stale one: a slow reader only ever gets the newest
            queue.put_nowait(self.latest)

    async def subscribe(self) -> AsyncIterator[Any]:
        """Yield the current snapshot, then each new one, until the consumer stops."""
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        self._subscribers.add(queue)
        try:
            if self.latest is not None:
                yield self.latest
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)
