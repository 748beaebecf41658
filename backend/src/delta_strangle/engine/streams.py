"""The exchange's quote and account streams, fed to the engine loop; a dropped stream reconnects with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from delta_strangle.clock import Clock
from delta_strangle.domain.orders import Fill
from delta_strangle.exchange.base import Exchange

logger = logging.getLogger(__name__)
Sink = Callable[[str, Any], None]


class Streams:
    """Quotes for the current session's legs (or none) and our account's fills, each put on the loop's queue."""

    def __init__(self, exchange: Exchange, clock: Clock, put: Sink) -> None:
        self.exchange, self.clock, self._put = exchange, clock, put
        self._account: asyncio.Task[None] | None = None
        self._quotes: asyncio.Task[None] | None = None
        self._watched: tuple[str, ...] = ()

    def start(self) -> None:
        """Start the account stream (fills)."""
        self._account = asyncio.create_task(self._account_stream(), name="engine-account-stream")

    def watch(self, symbols: tuple[str, ...], *, enabled: bool) -> None:
        """Stream quotes for exactly these symbols (none: stop streaming); `enabled` False starts nothing."""
        if symbols == self._watched and (self._quotes is None or not self._quotes.done()):
            return
        if self._quotes is not None:
            self._quotes.cancel()
        self._watched, self._quotes = symbols, None
        if symbols and enabled:
            self._quotes = asyncio.create_task(self._quote_stream(symbols), name="engine-quote-stream")

    async def stop(self) -> None:
        """Cancel both streams and wait for them to end."""
        for task in (self._account, self._quotes):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._account = self._quotes = None

    async def _quote_stream(self, symbols: tuple[str, ...]) -> None:
        # A dropped quote stream is expected now and then; staleness gates the price exits meanwhile.
        await self._follow("quote", lambda: self.exchange.stream_quotes(list(symbols)), "quote", lambda _: True)

    async def _account_stream(self) -> None:
        # Fills are also pulled after each order, so a gap in this stream loses nothing.
        await self._follow("account", self.exchange.stream_account_events, "fill", lambda item: isinstance(item, Fill))

    async def _follow(self, name: str, open_stream: Callable[[], AsyncIterator[Any]], kind: str,
                      keep: Callable[[Any], bool]) -> None:
        """Put each kept item of the stream on the queue as `kind`; reopen the stream when it drops."""
        backoff = 0.5
        while True:
            try:
                async for item in open_stream():
                    if keep(item):
                        self._put(kind, item)
                    backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(f"{name} stream lost", extra={"event": f"{name}_stream_lost", "error": str(exc)})
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, 10.0)
