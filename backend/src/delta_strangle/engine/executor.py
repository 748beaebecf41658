"""Works one leg's order to a target size: journal the intent, send, wait, cancel-and-confirm, step the price.

Rules this module makes impossible to break:
- an intent is journaled before its order is sent;
- one live child order per leg: the next child is sent only after the previous one is terminal on the exchange;
- filled sizes come from the exchange's cumulative `filled_size` of terminal orders, never from our arithmetic;
- an order whose outcome is unknown is looked up by client order id, never resent; if the lookup cannot
  settle it, working stops and the caller halts the session.

Every line written while a child order is worked (ours and the exchange adapter's) carries its
`client_order_id`, and its `order_id` once the exchange has named it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from delta_strangle.clock import Clock
from delta_strangle.domain.config import ExecutionConfig
from delta_strangle.domain.market import Quote
from delta_strangle.domain.orders import Fill, Order, OrderRequest, OrderType, TimeInForce
from delta_strangle.domain.session import OrderPurpose, client_order_id, limit_price
from delta_strangle.engine.journal import Journal
from delta_strangle.engine.quotes import QuoteBook
from delta_strangle.engine.records import IntentRecord, IntentStatus, LegRecord, SessionRecord
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import (
    ExchangeError,
    InsufficientMarginError,
    NotFoundError,
    OrderRejectedError,
    RateLimitedError,
)
from delta_strangle.logs.context import bind, bound

logger = logging.getLogger(__name__)

FillSink = Callable[[SessionRecord, LegRecord, Fill], Awaitable[None]]


@dataclass(frozen=True)
class WorkResult:
    """How working one leg ended. `uncertain` means the exchange may hold something we cannot account for."""

    filled: int
    target: int
    reason: str
    uncertain: bool = False

    @property
    def complete(self) -> bool:
        return self.filled >= self.target


class Executor:
    """Works orders for every leg of every session (stateless apart from its collaborators)."""

    def __init__(
        self,
        exchange: Exchange,
        clock: Clock,
        journal: Journal,
        quotes: QuoteBook,
        on_fill: FillSink,
        *,
        poll_seconds: float = 0.5,
        lookup_attempts: int = 5,
        cancel_attempts: int = 8,
        quote_max_age_seconds: float = 10.0,
    ) -> None:
        self.exchange = exchange
        self.clock = clock
        self.journal = journal
        self.quotes = quotes
        self.on_fill = on_fill
        self.poll_seconds = poll_seconds
        self.lookup_attempts = lookup_attempts
        self.cancel_attempts = cancel_attempts
        self.quote_max_age = timedelta(seconds=quote_max_age_seconds)
        self.orders_sent = 0

    async def work(
        self,
        session: SessionRecord,
        leg: LegRecord,
        purpose: OrderPurpose,
        size: int,
        execution: ExecutionConfig,
        abort: asyncio.Event,
        attempts: dict[str, int],
        *,
        on_sent: Callable[[], None] | None = None,
    ) -> WorkResult:
        """Sell (entry) or buy back (other purposes) `size` contracts of a leg, child by child.

        `on_sent` is called after each child order's request has been answered (placed, refused or unknown).
        """
        filled = 0
        reference_mid: Decimal | None = None
        for step in range(execution.limit_attempts):
            remaining = size - filled
            if remaining <= 0:
                return WorkResult(filled, size, "filled")
            if abort.is_set():
                return WorkResult(filled, size, "aborted")
            quote = await self._quote(leg.symbol)
            if quote is None or quote.best_bid is None or quote.best_ask is None:
                if execution.market_fallback:
                    break  # a one-sided book cannot be priced; the market IOC below may still cross it
                return WorkResult(filled, size, "no_two_sided_quote")
            if reference_mid is None:
                reference_mid = (quote.best_bid + quote.best_ask) / 2
            price = limit_price(
                purpose.side, bid=quote.best_bid, ask=quote.best_ask, reference_mid=reference_mid, attempt=step,
                attempts=execution.limit_attempts, max_slippage_pct=execution.max_slippage_pct,
                tick=leg.contract.tick_size,
            )
            if price is None:
                return WorkResult(filled, size, "no_price")
            outcome = await self._child(
                session, leg, purpose, remaining, OrderType.LIMIT, price, reference_mid, execution.attempt_seconds,
                abort, attempts, on_sent,
            )
            filled += outcome.filled
            if outcome.reason != "worked":
                return WorkResult(filled, size, outcome.reason, outcome.uncertain)
        remaining = size - filled
        if remaining > 0 and execution.market_fallback and not abort.is_set():
            outcome = await self._child(
                session, leg, purpose, remaining, OrderType.MARKET, None, reference_mid, execution.attempt_seconds,
                abort, attempts, on_sent,
            )
            filled += outcome.filled
            if outcome.reason != "worked":
                return WorkResult(filled, size, outcome.reason, outcome.uncertain)
        return WorkResult(filled, size, "filled" if filled >= size else "attempts_exhausted")

    async def _quote(self, symbol: str) -> Quote | None:
        quote = self.quotes.fresh(symbol, self.clock.now(), self.quote_max_age)
        if quote is not None:
            return quote
        try:  # REST fallback when the stream has nothing fresh
            quote = await self.exchange.get_quote(symbol)
        except ExchangeError:
            return None
        self.quotes.update(quote)
        return quote if quote.is_fresh(self.clock.now(), self.quote_max_age) else None

    async def _child(
        self,
        session: SessionRecord,
        leg: LegRecord,
        purpose: OrderPurpose,
        size: int,
        order_type: OrderType,
        price: Decimal | None,
        reference_mid: Decimal | None,
        wait_seconds: int,
        abort: asyncio.Event,
        attempts: dict[str, int],
        on_sent: Callable[[], None] | None = None,
    ) -> WorkResult:
        assert session.id is not None
        key = f"{leg.kind.value}:{purpose.value}"
        attempt = attempts.get(key, 0)
        attempts[key] = attempt + 1
        cid = client_order_id(session.id, session.token, leg.kind, purpose, attempt)
        with bound(client_order_id=cid):  # every line of this child's work names it
            now = self.clock.now()
            tif = TimeInForce.IOC if order_type is OrderType.MARKET else TimeInForce.GTC
            intent = IntentRecord(
                session_id=session.id, leg_id=leg.id, client_order_id=cid, purpose=purpose, attempt=attempt,
                symbol=leg.symbol, product_id=leg.contract.product_id, side=purpose.side, size=size,
                order_type=order_type, time_in_force=tif, limit_price=price, reference_mid=reference_mid,
                reduce_only=purpose.reduce_only, created_at=now, updated_at=now,
            )
            await self.journal.record_intent(intent)  # before sending: a crash from here on is found by cid
            request = OrderRequest(
                product_id=leg.contract.product_id, symbol=leg.symbol, side=purpose.side, size=size,
                order_type=order_type, limit_price=price, time_in_force=tif, reduce_only=purpose.reduce_only,
                client_order_id=cid,
            )
            order = await self._send(intent, request)
            if on_sent is not None:
                on_sent()
            if intent.exchange_order_id is not None:
                bind(order_id=intent.exchange_order_id)  # for the rest of this child's work (`bound` above ends it)
            if order is None:
                if intent.status == IntentStatus.NOT_PLACED:
                    return WorkResult(0, size, "worked")
                if intent.status == IntentStatus.REJECTED:
                    reason = "insufficient_margin" if intent.error == "insufficient_margin" else "rejected"
                    return WorkResult(0, size, reason)
                return WorkResult(0, size, "unknown_outcome", uncertain=True)
            final = await self._until_terminal(intent, order, wait_seconds, abort)
            if final is None:
                return WorkResult(intent.filled_size, size, "cancel_unconfirmed", uncertain=True)
            await self._collect_fills(session, leg, final)
            return WorkResult(final.filled_size, size, "worked")

    async def _send(self, intent: IntentRecord, request: OrderRequest) -> Order | None:
        for _ in range(self.lookup_attempts):
            try:
                order = await self.exchange.place_order(request)
                self.orders_sent += 1
                await self._note(intent, order)
                return order
            except RateLimitedError as exc:
                # Refused before matching; still, look before sending again under the same name.
                await self.clock.sleep(max(exc.retry_after_seconds, self.poll_seconds))
                found = await self._lookup(intent)
                if found is not None or intent.status == IntentStatus.UNKNOWN:
                    return found
            except InsufficientMarginError as exc:
                await self._rejected(intent, "insufficient_margin", exc)
                return None
            except (OrderRejectedError, NotFoundError) as exc:
                await self._rejected(intent, exc.code or "rejected", exc)
                return None
            except Exception as exc:  # unknown outcome, 5xx, or anything unforeseen: it may have been placed
                intent.status, intent.error = IntentStatus.UNKNOWN, f"{type(exc).__name__}: {exc}"
                await self.journal.update_intent(intent)
                return await self._lookup(intent)
        intent.status, intent.error = IntentStatus.NOT_PLACED, "rate limited on every try"
        await self.journal.update_intent(intent)
        return None

    async def _rejected(self, intent: IntentRecord, code: str, exc: Exception) -> None:
        intent.status, intent.error = IntentStatus.REJECTED, code
        await self.journal.update_intent(intent)
        await self.journal.event(
            intent.session_id, "order_rejected", f"{intent.symbol} {intent.purpose.value} order rejected: {code}",
            level="warning", client_order_id=intent.client_order_id, error=str(exc),
        )

    async def _lookup(self, intent: IntentRecord) -> Order | None:
        """Settle an intent by asking the exchange for its client order id; never send it again."""
        for attempt in range(self.lookup_attempts):
            try:
                found = await self.exchange.find_order_by_client_id(intent.client_order_id)
            except ExchangeError:
                await self.clock.sleep(self.poll_seconds * (attempt + 1))
                continue
            if found is not None:
                await self._note(intent, found)
                return found
            if attempt >= 1:  # asked twice, answered "none" twice: it never reached the book
                intent.status = IntentStatus.NOT_PLACED
                await self.journal.update_intent(intent)
                return None
            await self.clock.sleep(self.poll_seconds)
        intent.status = IntentStatus.UNKNOWN
        await self.journal.update_intent(intent)
        await self.journal.event(
            intent.session_id, "order_outcome_unknown",
            f"{intent.client_order_id}: the exchange could not say whether this order exists",
            level="error", client_order_id=intent.client_order_id,
        )
        return None

    async def _until_terminal(
        self, intent: IntentRecord, order: Order, wait_seconds: float, abort: asyncio.Event
    ) -> Order | None:
        deadline = self.clock.now() + timedelta(seconds=wait_seconds)
        current = order
        while not current.state.is_terminal:
            if abort.is_set() or self.clock.now() >= deadline:
                return await self.cancel_confirmed(intent, current)
            await self.clock.sleep(self.poll_seconds)
            try:
                current = await self.exchange.get_order(current.order_id)
            except RateLimitedError as exc:
                await self.clock.sleep(exc.retry_after_seconds)
            except ExchangeError:
                continue
        await self._note(intent, current)
        return current

    async def cancel_confirmed(self, intent: IntentRecord, order: Order) -> Order | None:
        """Cancel an order and return it once the exchange reports it terminal; None if it never does."""
        with bound(client_order_id=intent.client_order_id, order_id=order.order_id):
            for attempt in range(self.cancel_attempts):
                try:
                    current = await self.exchange.cancel_order(order.product_id, order.order_id)
                    if current.state.is_terminal:
                        await self._note(intent, current)
                        return current
                except RateLimitedError as exc:
                    await self.clock.sleep(exc.retry_after_seconds)
                except ExchangeError:
                    pass  # already closed, not found, or a transient failure: read its state below
                try:
                    current = await self.exchange.get_order(order.order_id)
                    if current.state.is_terminal:
                        await self._note(intent, current)
                        return current
                except ExchangeError:
                    pass
                await self.clock.sleep(self.poll_seconds * (attempt + 1))
            await self.journal.event(
                intent.session_id, "cancel_unconfirmed",
                f"{intent.client_order_id}: cancel not confirmed; no further order is sent for this leg",
                level="error", order_id=order.order_id,
            )
            return None

    async def _note(self, intent: IntentRecord, order: Order) -> None:
        intent.exchange_order_id = order.order_id
        intent.exchange_state = order.state.value
        intent.filled_size = order.filled_size
        intent.average_fill_price = order.average_fill_price
        intent.commission = order.paid_commission
        intent.cancellation_reason = order.cancellation_reason
        intent.status = IntentStatus.TERMINAL if order.state.is_terminal else IntentStatus.OPEN
        await self.journal.update_intent(intent)

    async def _collect_fills(self, session: SessionRecord, leg: LegRecord, order: Order) -> None:
        """Journal every fill of a terminal order (with its commission); waits briefly for lagging fill lists."""
        if order.filled_size <= 0:
            return
        since = order.created_at - timedelta(seconds=5)
        for attempt in range(self.lookup_attempts):
            try:
                fills = await self.exchange.list_fills(since, [leg.contract.product_id])
            except ExchangeError:
                fills = []
            mine = [f for f in fills if f.order_id == order.order_id]
            for fill in mine:
                await self.on_fill(session, leg, fill)
            if sum(f.size for f in mine) >= order.filled_size:
                return
            await self.clock.sleep(self.poll_seconds * (attempt + 1))
        await self.journal.event(
            session.id, "fills_lagging",
            f"{leg.symbol}: order {order.order_id} filled {order.filled_size} but its fills are not all listed yet",
            level="warning",
        )
