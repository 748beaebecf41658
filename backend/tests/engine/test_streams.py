"""Streams: quotes and fills reach the loop's queue; a dropped stream is reopened after a backoff."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.market import Quote
from delta_strangle.domain.orders import Fill, Side
from delta_strangle.engine.streams import Streams

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _quote(symbol: str) -> Quote:
    return Quote(symbol=symbol, best_bid=Decimal(10), best_ask=Decimal(11), timestamp=NOW)


class FlakyExchange:
    """Its quote stream drops after one quote the first time it is opened; its account stream sends a fill and
    something that is not a fill."""

    def __init__(self) -> None:
        self.quote_opens = 0
        self.fill = Fill(fill_id="f1", order_id="o1", product_id=1, symbol="C-BTC-1", side=Side.SELL, size=1,
                         price=Decimal(10), commission=Decimal(0), created_at=NOW)

    async def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        self.quote_opens += 1
        yield _quote(symbols[0])
        if self.quote_opens == 1:
            raise ConnectionError("dropped")
        await asyncio.Event().wait()

    async def stream_account_events(self) -> AsyncIterator[Any]:
        yield "an order update"
        yield self.fill
        await asyncio.Event().wait()


async def _turns(n: int = 20) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_a_dropped_quote_stream_is_reopened_after_its_backoff_and_only_fills_come_from_the_account() -> None:
    clock = ReplayClock(NOW)
    exchange = FlakyExchange()
    received: list[tuple[str, Any]] = []
    streams = Streams(exchange, clock, lambda kind, item: received.append((kind, item)))  # type: ignore[arg-type]
    streams.start()
    streams.watch(("C-BTC-1",), enabled=True)
    await _turns()
    assert exchange.quote_opens == 1  # dropped, waiting for its backoff
    await clock.advance(0.5)
    await _turns()
    assert exchange.quote_opens == 2
    assert [kind for kind, _ in received].count("quote") == 2
    assert ("fill", exchange.fill) in received
    assert [item for kind, item in received if kind == "fill"] == [exchange.fill]
    streams.watch((), enabled=True)  # nothing to watch: the quote stream stops
    await streams.stop()
