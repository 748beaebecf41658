"""`DeltaExchange`: the engine's `Exchange` interface on Delta Exchange India (REST v2 + WebSocket).

Order safety rules live here: every order carries a client order id (≤ 32 characters); an order
whose fate is unknown (timeout, 5xx after sending) is looked up by that id and never resent; only
a request that provably never left us (connection refused) may be sent again by the caller.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx

from delta_strangle.clock import Clock
from delta_strangle.domain.instruments import OptionContract, Underlying
from delta_strangle.domain.market import OptionChain, Quote
from delta_strangle.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderType,
    Position,
    Side,
    TimeInForce,
    WalletBalance,
)
from delta_strangle.exchange.delta.account import AccountEvents
from delta_strangle.exchange.delta.market_data import DeltaMarketData
from delta_strangle.exchange.delta.rest import DeltaRestClient, Envelope, NotSentError
from delta_strangle.exchange.delta.retry import Backoff, retry_transient
from delta_strangle.exchange.delta.wire import to_datetime, to_int
from delta_strangle.exchange.delta.wire_account import (
    order_body,
    parse_fill,
    parse_order,
    parse_position,
    parse_wallet_balance,
)
from delta_strangle.exchange.errors import NotFoundError, RateLimitedError, TransientError, UnknownOutcomeError

logger = logging.getLogger(__name__)

MAX_IDS_PER_QUERY = 10  # Delta refuses longer product_ids lists
FILLS_PAGE_SIZE = 50
LOOKUP_ATTEMPTS = 3
HEARTBEAT_ID = "delta-strangle"


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[i : i + MAX_IDS_PER_QUERY] for i in range(0, len(unique), MAX_IDS_PER_QUERY)]


def new_client_order_id(prefix: str = "ds") -> str:
    """Return a fresh client order id within Delta's 32-character limit."""
    return f"{prefix}-{uuid.uuid4().hex}"[:32]


class DeltaExchange:
    """The real exchange. Construct with explicit values; nothing here reads the environment."""

    def __init__(
        self,
        *,
        base_url: str,
        public_ws_url: str,
        private_ws_url: str,
        user_agent: str,
        clock: Clock,
        api_key: str | None = None,
        api_secret: str | None = None,
        debug_verbose: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        ws_backoff: Backoff | None = None,
        rest_backoff: Backoff | None = None,
        heartbeat_timeout_seconds: float = 35.0,
    ) -> None:
        self._clock = clock
        self.rest = DeltaRestClient(
            base_url=base_url,
            user_agent=user_agent,
            clock=clock,
            api_key=api_key,
            api_secret=api_secret,
            transport=transport,
            debug_verbose=debug_verbose,
            backoff=rest_backoff,
        )
        self.market = DeltaMarketData(
            rest=self.rest,
            public_ws_url=public_ws_url,
            user_agent=user_agent,
            clock=clock,
            ws_backoff=ws_backoff,
            heartbeat_timeout_seconds=heartbeat_timeout_seconds,
        )
        self.freshness = self.market.freshness
        self._heartbeat_created = False
        self.account = AccountEvents(
            url=private_ws_url,
            clock=clock,
            user_agent=user_agent,
            rest=self.rest,
            api_key=api_key,
            api_secret=api_secret,
            symbol_for=self.market.symbol_for,
            product_id_for=self.market.product_id_for,
            backoff=ws_backoff,
            heartbeat_timeout_seconds=heartbeat_timeout_seconds,
        )

    # --- products and market data (public; see market_data.py) ----------------------------------------------------

    async def list_option_contracts(self, underlying: Underlying, expiry: date | None = None) -> list[OptionContract]:
        """Return live, tradable option products of an underlying, optionally for one expiry date."""
        return await self.market.list_option_contracts(underlying, expiry)

    async def get_option_chain(self, underlying: Underlying, expiry: date) -> OptionChain:
        """Return every tradable option of an underlying and expiry with its ticker."""
        return await self.market.get_option_chain(underlying, expiry)

    async def get_spot(self, underlying: Underlying) -> Decimal:
        """Return the index price, read from the perpetual's ticker."""
        return await self.market.get_spot(underlying)

    async def get_quote(self, symbol: str) -> Quote:
        """Return the current ticker of one product."""
        return await self.market.get_quote(symbol)

    def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        """Yield quotes from the public `ticker` channel, reconnecting and resubscribing on drops."""
        return self.market.stream_quotes(symbols)

    def stream_account_events(self) -> AsyncIterator[Order | Fill | Position]:
        """Yield our order updates, fills and position changes from the private socket."""
        return self.account.events()

    # --- orders ----------------------------------------------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> Order:
        """Send an order once; on an unknown outcome look it up by client order id, never resend."""
        client_order_id = request.client_order_id or new_client_order_id()
        request = self._on_tick_grid(request)
        body = order_body(request, client_order_id=client_order_id)
        try:
            envelope = await self.rest.send("POST", "/v2/orders", body)
        except NotSentError:
            raise  # never left us: the caller may send it again
        except RateLimitedError:
            raise  # refused by the gateway's quota before reaching matching
        except TransientError as error:
            logger.warning(
                "Order %s outcome unknown (%s); looking it up",
                client_order_id,
                error.code,
                extra={"event": "delta_order_outcome_unknown", "client_order_id": client_order_id},
            )
            return await self._recover(client_order_id)
        return await self._order(envelope.result)

    async def _recover(self, client_order_id: str) -> Order:
        for attempt in range(LOOKUP_ATTEMPTS):
            try:
                found = await self.find_order_by_client_id(client_order_id)
            except TransientError:
                found = None
            if found is not None:
                logger.info(
                    "Order %s found after an unknown outcome",
                    client_order_id,
                    extra={"event": "delta_order_recovered", "client_order_id": client_order_id},
                )
                return found
            await self._clock.sleep(self.rest.backoff.ceiling(attempt))
        raise UnknownOutcomeError(
            f"order {client_order_id} may or may not exist; it was not resent", client_order_id=client_order_id
        )

    def _on_tick_grid(self, request: OrderRequest) -> OrderRequest:
        contract = self.market.contract(request.product_id)
        if contract is None or request.limit_price is None:
            return request
        # Passive rounding: a sell never goes lower, a buy never higher, than the engine asked.
        on_grid = contract.round_to_tick(request.limit_price, up=request.side is Side.SELL)
        if on_grid == request.limit_price:
            return request
        logger.info(
            "Limit price %s moved onto the %s tick grid: %s",
            request.limit_price,
            contract.tick_size,
            on_grid,
            extra={"event": "delta_price_rounded", "symbol": contract.symbol},
        )
        return request.model_copy(update={"limit_price": on_grid})

    async def cancel_order(self, product_id: int, order_id: str) -> Order:
        """Cancel one open order; NotFoundError (`open_order_not_found`) when it is no longer open."""
        body: dict[str, Any] = {"id": to_int(order_id) or order_id, "product_id": product_id}
        attempts = 0

        async def cancel() -> Order:
            nonlocal attempts
            attempts += 1
            try:
                envelope = await self.rest.send("DELETE", "/v2/orders", body)
            except NotFoundError:
                if attempts == 1:
                    raise
                # An earlier attempt whose answer was lost may have cancelled it: report what it is now.
                return await self.get_order(order_id)
            return await self._order(envelope.result)

        return await retry_transient(cancel, policy=self.rest.backoff, clock=self._clock, what="cancel order")

    async def get_order(self, order_id: str) -> Order:
        """Return an order by the exchange's id."""
        envelope = await self.rest.get(f"/v2/orders/{order_id}", auth=True)
        return await self._order(envelope.result)

    async def find_order_by_client_id(self, client_order_id: str) -> Order | None:
        """Return the order with this client order id, or None when Delta has none."""
        try:
            envelope = await self.rest.get(f"/v2/orders/client_order_id/{client_order_id}", auth=True)
        except NotFoundError:
            return None
        return await self._order(envelope.result) if envelope.result else None

    async def list_open_orders(self, product_ids: Sequence[int]) -> list[Order]:
        """Return open and pending orders on these products."""
        orders: list[Order] = []
        for chunk in _chunks(product_ids):
            params: list[tuple[str, str | int]] = [
                ("product_ids", ",".join(map(str, chunk))),
                ("states", "open,pending"),
            ]
            for row in await self._all_pages("/v2/orders", params):
                orders.append(await self._order(row))
        return orders

    async def list_fills(self, since: datetime, product_ids: Sequence[int]) -> list[Fill]:
        """Return our fills on these products since an instant, oldest first."""
        start_us = int(since.timestamp() * 1_000_000)
        fills: list[Fill] = []
        for chunk in _chunks(product_ids):
            params: list[tuple[str, str | int]] = [
                ("product_ids", ",".join(map(str, chunk))),
                ("start_time", start_us),
                ("page_size", FILLS_PAGE_SIZE),
            ]
            fills += [parse_fill(row) for row in await self._all_pages("/v2/fills", params)]
        fills = [f for f in fills if f.created_at >= since]
        return sorted(fills, key=lambda f: (f.created_at, f.fill_id))

    async def list_positions(self, product_ids: Sequence[int]) -> list[Position]:
        """Return non-flat positions on these products from the real-time positions endpoint."""
        positions: list[Position] = []
        for product_id in sorted(set(product_ids)):
            envelope = await self.rest.get("/v2/positions", [("product_id", product_id)], auth=True)
            rows = envelope.result if isinstance(envelope.result, list) else [envelope.result]
            for row in rows:
                if not row or (to_int(row.get("size")) or 0) == 0:
                    continue
                symbol = row.get("product_symbol") or row.get("symbol") or await self.market.symbol_for(product_id)
                positions.append(parse_position(row, product_id=product_id, symbol=symbol))
        return positions

    async def get_wallet_balance(self, asset: str = "USD") -> WalletBalance:
        """Return the wallet balance of one asset."""
        envelope = await self.rest.get("/v2/wallet/balances", auth=True)
        return parse_wallet_balance(envelope.result, asset)

    async def cancel_all_orders(self, product_ids: Sequence[int]) -> None:
        """Cancel every open order on these products, one product at a time (never others)."""
        for product_id in sorted(set(product_ids)):
            await retry_transient(
                self._cancel_all_call(product_id), policy=self.rest.backoff, clock=self._clock, what="cancel all"
            )

    def _cancel_all_call(self, product_id: int) -> Callable[[], Awaitable[Envelope]]:
        body = {"product_id": product_id, "cancel_limit_orders": "true", "cancel_stop_orders": "true"}
        return lambda: self.rest.send("DELETE", "/v2/orders/all", body)

    async def close_positions(self, product_ids: Sequence[int]) -> list[Order]:
        """Flatten our positions on these products with reduce-only market IOC orders (never others)."""
        orders: list[Order] = []
        for position in await self.list_positions(product_ids):
            request = OrderRequest(
                product_id=position.product_id,
                symbol=position.symbol,
                side=Side.BUY if position.size < 0 else Side.SELL,
                size=abs(position.size),
                order_type=OrderType.MARKET,
                time_in_force=TimeInForce.IOC,
                reduce_only=True,
                client_order_id=new_client_order_id("close"),
            )
            orders.append(await self.place_order(request))
        return orders

    async def heartbeat(self, ttl_seconds: int) -> None:
        """Arm or refresh Delta's deadman switch: resting option orders are cancelled if we go quiet."""
        if not self._heartbeat_created:
            await self.rest.send(
                "POST",
                "/v2/heartbeat/create",
                {
                    "heartbeat_id": HEARTBEAT_ID,
                    "impact": "contracts",
                    "contract_types": ["call_options", "put_options"],
                    "config": [{"action": "cancel_orders", "unhealthy_count": 1}],
                },
            )
            self._heartbeat_created = True
        await self.rest.send("POST", "/v2/heartbeat", {"heartbeat_id": HEARTBEAT_ID, "ttl": int(ttl_seconds * 1000)})

    async def aclose(self) -> None:
        """Release connections."""
        await self.rest.aclose()

    # --- helpers ---------------------------------------------------------------------------------------------------

    async def _order(self, raw: Any) -> Order:
        symbol = raw.get("product_symbol") or raw.get("symbol")
        product_id = to_int(raw.get("product_id"))
        if symbol is None and product_id is not None:
            symbol = await self.market.symbol_for(product_id)
        elif symbol is not None and product_id is not None:
            self.market.remember_symbol(product_id, symbol)
        return parse_order(raw, symbol_hint=symbol, time_hint=to_datetime(raw.get("updated_at")) or self._clock.now())

    async def _all_pages(self, path: str, params: list[tuple[str, str | int]]) -> list[Any]:
        rows: list[Any] = []
        after: str | None = None
        while True:
            page = params + ([("after", after)] if after else [])
            envelope = await self.rest.get(path, page, auth=True)
            rows += list(envelope.result or [])
            after = envelope.meta.get("after")
            if not after:
                return rows
