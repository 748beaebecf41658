"""The latest quote per symbol and the latest spot, as the engine last saw them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from delta_strangle.domain.market import Quote


class QuoteBook:
    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self.spot: Decimal | None = None
        self.spot_at: datetime | None = None
        self.updates = 0

    def update(self, quote: Quote) -> bool:
        """Keep a quote unless an equal or newer one is already held; True when it was kept."""
        held = self.quotes.get(quote.symbol)
        if held is not None and held.timestamp > quote.timestamp:
            return False
        self.quotes[quote.symbol] = quote
        if quote.spot_price is not None and quote.spot_price > 0:
            self.spot, self.spot_at = quote.spot_price, quote.timestamp
        self.updates += 1
        return True

    def get(self, symbol: str) -> Quote | None:
        return self.quotes.get(symbol)

    def fresh(self, symbol: str, now: datetime, max_age: timedelta) -> Quote | None:
        """Return the symbol's quote when it is no older than max_age, else None."""
        quote = self.quotes.get(symbol)
        return quote if quote is not None and quote.is_fresh(now, max_age) else None

    def age_seconds(self, symbol: str, now: datetime) -> float | None:
        quote = self.quotes.get(symbol)
        return None if quote is None else max(0.0, quote.age(now).total_seconds())
