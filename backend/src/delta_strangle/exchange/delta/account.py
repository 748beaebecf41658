"""Our account as it happens: the private WebSocket's `orders`, `positions` and `v2/user_trades` → domain events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from delta_strangle.clock import Clock
from delta_strangle.domain.orders import Fill, Order, Position
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.delta.signing import ws_auth_frame
from delta_strangle.exchange.delta.stream import DeltaSocket, Subscription
from delta_strangle.exchange.delta.wire import WireError, to_datetime, to_int
from delta_strangle.exchange.delta.wire_account import parse_compact_fill, parse_fill, parse_order, parse_position
from delta_strangle.exchange.errors import AuthError

logger = logging.getLogger(__name__)

PRIVATE_CHANNELS = (
    Subscription("orders", ("all",)),
    Subscription("positions", ("all",)),
    Subscription("v2/user_trades", ("all",)),
)
AccountEvent = Order | Fill | Position


class AccountEvents:
    """Reads the private socket and turns each frame into orders, fills and positions."""

    def __init__(
        self,
        *,
        url: str,
        clock: Clock,
        user_agent: str,
        rest: DeltaRestClient,
        api_key: str | None,
        api_secret: str | None,
        symbol_for: Callable[[int], Awaitable[str]],
        product_id_for: Callable[[str], int | None],
        backoff: Backoff | None = None,
        heartbeat_timeout_seconds: float = 35.0,
    ) -> None:
        self._url = url
        self._clock = clock
        self._user_agent = user_agent
        self._rest = rest
        self._api_key = api_key
        self._api_secret = api_secret
        self._symbol_for = symbol_for
        self._product_id_for = product_id_for
        self._backoff = backoff
        self._heartbeat_timeout = heartbeat_timeout_seconds
        self.socket: DeltaSocket | None = None

    def _auth_frame(self) -> Mapping[str, Any]:
        assert self._api_key is not None
        assert self._api_secret is not None
        # The REST client's server clock keeps the key-auth timestamp inside Delta's window too.
        return ws_auth_frame(
            api_key=self._api_key, secret=self._api_secret, timestamp=self._rest.server_clock.timestamp()
        )

    async def events(self) -> AsyncIterator[AccountEvent]:
        """Yield account events until the consumer stops; raise AuthError when keys are missing or refused."""
        if not (self._api_key and self._api_secret):
            raise AuthError("the private stream needs Delta API credentials", code="credentials_missing")
        self.socket = DeltaSocket(
            self._url,
            clock=self._clock,
            user_agent=self._user_agent,
            subscriptions=PRIVATE_CHANNELS,
            auth_frame=self._auth_frame,
            backoff=self._backoff,
            heartbeat_timeout_seconds=self._heartbeat_timeout,
            name="private",
        )
        async for frame in self.socket.frames():
            try:
                for event in await self.parse(frame):
                    yield event
            except (WireError, ValueError, KeyError) as exc:
                logger.warning(
                    "Unreadable private frame of type %s: %s",
                    frame.get("type"),
                    exc,
                    extra={"event": "delta_ws_bad_frame", "frame_type": frame.get("type")},
                )

    async def parse(self, frame: Mapping[str, Any]) -> list[AccountEvent]:
        """Turn one private frame (snapshot or update) into domain events."""
        kind, action = frame.get("type"), frame.get("action")
        if kind == "orders":
            if action == "snapshot":
                at = to_datetime((frame.get("meta") or {}).get("timestamp")) or self._clock.now()
                return [await self._order(row, frame.get("symbol"), at) for row in frame.get("result") or []]
            return [await self._order(frame, frame.get("symbol"), to_datetime(frame.get("timestamp")))]
        if kind == "positions":
            rows = (frame.get("result") or []) if action == "snapshot" else [frame]
            return [parse_position(row) for row in rows if isinstance(row, Mapping)]
        if kind == "v2/user_trades":
            return [parse_compact_fill(frame, product_id_for=self._product_id_for)]
        if kind == "user_trades":
            return [parse_fill(frame)]
        return []

    async def _order(self, row: Mapping[str, Any], frame_symbol: Any, at: Any) -> Order:
        symbol = row.get("product_symbol") or row.get("symbol")
        product_id = to_int(row.get("product_id"))
        if symbol is None and product_id is not None:
            symbol = await self._symbol_for(product_id)
        if symbol is None and isinstance(frame_symbol, str) and frame_symbol != "all":
            symbol = frame_symbol
        return parse_order(row, symbol_hint=symbol, time_hint=at or self._clock.now())
