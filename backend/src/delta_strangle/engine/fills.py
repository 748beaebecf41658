"""Our fills, applied to their legs exactly once, journaled before they change a position."""

from __future__ import annotations

import asyncio
from datetime import datetime

from delta_strangle.domain.fees import fill_fee
from delta_strangle.domain.orders import Fill
from delta_strangle.domain.positions import apply_fill
from delta_strangle.domain.session import parse_client_order_id
from delta_strangle.engine.journal import Journal
from delta_strangle.engine.quotes import QuoteBook
from delta_strangle.engine.records import LegRecord, SessionRecord
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import ExchangeError


class Fills:
    """Applies fills from the account stream, the executor and recovery; one at a time, each only once."""

    def __init__(self, exchange: Exchange, journal: Journal, quotes: QuoteBook) -> None:
        self.exchange, self.journal, self.quotes = exchange, journal, quotes
        self._lock = asyncio.Lock()

    async def apply(self, session: SessionRecord, leg: LegRecord, fill: Fill) -> None:
        """Apply one fill to its leg exactly once, with the exchange's commission, and journal it first."""
        async with self._lock:
            if fill.fill_id in leg.position.applied_fill_ids:
                return
            fee = fill_fee(reported_commission=fill.commission, index_price=self.quotes.spot, price=fill.price,
                           size=fill.size, contract_value=leg.contract.contract_value, instant=fill.created_at)
            assert session.id is not None
            await self.journal.record_fill(session.id, leg.id, fill, fee.source.value)
            leg.position = apply_fill(leg.position, fill, fee)
            if not leg.position.is_open and fill.side.sign > 0:
                leg.exit_price = fill.price
            await self.journal.save_now(session)

    async def apply_streamed(self, session: SessionRecord | None, fill: Fill) -> None:
        """Apply a fill from the account stream when it is one of the session's own orders on one of its legs."""
        leg = session.leg_for_product(fill.product_id) if session else None
        name = parse_client_order_id(fill.client_order_id)
        if session and leg and name and name.session_id == session.id and name.token == session.token:
            await self.apply(session, leg, fill)

    async def collect_since(self, session: SessionRecord, since: datetime) -> None:
        """Pull our fills on the session's products from the exchange and apply any not yet applied."""
        try:
            fills = await self.exchange.list_fills(since, session.product_ids)
        except ExchangeError:
            return
        for fill in fills:
            leg = session.leg_for_product(fill.product_id)
            name = parse_client_order_id(fill.client_order_id)
            ours = (name is not None and (name.session_id, name.token) == (session.id, session.token)) or (
                fill.order_id in session.known_order_ids
            )
            if leg is None or not ours:  # someone else's fill on our product: recovery shows the mismatch
                continue
            await self.apply(session, leg, fill)
