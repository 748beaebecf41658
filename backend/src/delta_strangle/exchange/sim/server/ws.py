"""Delta's WebSocket on the simulator: subscribe/unsubscribe, `key-auth`, heartbeat, ping, public market-data
channels in the current compact formats (plus legacy `v2/ticker`) and the private account channels.

Public frames go out on market steps, at most every `ws_ticker_interval_seconds` of simulator time.
Faults: `ws_disconnect` closes the socket; `ws_stall` keeps it open but silent (no frames, no pongs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime, timedelta
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from delta_strangle.clock import Clock
from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.events import (
    FillHappened,
    MarginChanged,
    MarketStepped,
    OrderChanged,
    PositionChanged,
    SimEvent,
)
from delta_strangle.exchange.sim.faults import FaultKind
from delta_strangle.exchange.sim.server import frames
from delta_strangle.exchange.sim.signing import WS_AUTH_PATH, prehash, signature_matches

PUBLIC_CHANNELS = {"ticker", "v2/ticker", "mark_price", "spot_price", "ob_l1", "ob_l2"}
PRIVATE_CHANNELS = {"orders", "positions", "margins", "v2/user_trades", "user_trades"}
SYMBOL_FREE = {"margins"}


class WsConnection:
    """One client: its subscriptions, authentication and sequence numbers."""

    def __init__(self, hub: WsHub, websocket: WebSocket) -> None:
        self.hub = hub
        self.ws = websocket
        self.subs: dict[str, set[str]] = {}
        self.account: Account | None = None
        self.heartbeat = False
        self.last_public: datetime | None = None
        self.last_heartbeat: datetime | None = None
        self.seq: dict[str, int] = {}
        self.closed = False

    @property
    def core(self) -> SimulatedExchangeCore:
        return self.hub.core

    def next_seq(self, key: str) -> int:
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    async def send(self, frame: dict[str, Any]) -> None:
        if self.core.faults.is_active(FaultKind.WS_STALL, self.core.now):
            return  # a silent stall: the socket stays open and says nothing
        await self.ws.send_text(json.dumps(frame))

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        payload = message.get("payload") or {}
        if kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "enable_heartbeat":
            self.heartbeat = True
            self.last_heartbeat = self.core.now
        elif kind == "disable_heartbeat":
            self.heartbeat = False
        elif kind == "key-auth":
            await self.send(self.authenticate(payload))
        elif kind == "unauth":
            self.account = None
            for channel in PRIVATE_CHANNELS:
                self.subs.pop(channel, None)
        elif kind == "subscribe":
            await self.subscribe(payload.get("channels") or [])
        elif kind == "unsubscribe":
            for channel in payload.get("channels") or []:
                name = channel.get("name")
                symbols = channel.get("symbols")
                if symbols is None:
                    self.subs.pop(name, None)
                elif name in self.subs:
                    self.subs[name] -= set(symbols)

    def authenticate(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Check a key-auth payload; return Delta's response frame."""
        key, signature, timestamp = payload.get("api-key"), payload.get("signature"), payload.get("timestamp")
        if not key or not signature or timestamp is None:
            return frames.key_auth(False, 400, "incomplete_payload", "Incomplete payload")
        account = self.core.account_by_key(str(key))
        if account is None:
            return frames.key_auth(False, 404, "api_key_not_found", "ApiKey not found")
        try:
            request_time = int(str(timestamp))
        except ValueError:
            request_time = 0
        if abs(int(self.core.now.timestamp()) - request_time) > self.core.config.signature_window_seconds:
            return frames.key_auth(False, 408, "request_expired", "Timestamp header outside of allowed time window")
        if not signature_matches(account.api_secret, prehash("GET", str(timestamp), WS_AUTH_PATH, "", ""),
                                 str(signature)):
            return frames.key_auth(False, 401, "invalid_signature", "Invalid Signature")
        self.account = account
        return frames.key_auth(True, 200, "authenticated", None)

    async def subscribe(self, channels: list[dict[str, Any]]) -> None:
        acks: list[dict[str, Any]] = []
        for channel in channels:
            name = str(channel.get("name"))
            symbols = list(channel.get("symbols") or [])
            if name in PRIVATE_CHANNELS and self.account is None:
                acks.append({"name": name, "error": f"subscription forbidden on {name}. Unauthorized user"})
                continue
            if name not in PRIVATE_CHANNELS and name not in PUBLIC_CHANNELS:
                acks.append({"name": name, "error": f"subscription forbidden on {name}. Unknown channel"})
                continue
            self.subs.setdefault(name, set()).update(symbols)
            acks.append({"name": name, "symbols": symbols} if name not in SYMBOL_FREE else {"name": name})
        await self.send({"type": "subscriptions", "channels": acks})
        for channel in channels:
            await self.snapshot(str(channel.get("name")))

    async def snapshot(self, name: str) -> None:
        if self.account is None or name not in self.subs:
            if name in PUBLIC_CHANNELS:
                await self.publish_market(force=True)
            return
        if name == "orders":
            await self.send(frames.orders_snapshot(self.account, self.core.now))
        elif name == "positions":
            await self.send(frames.positions_snapshot(self.core, self.account))
        elif name == "margins":
            await self.send(frames.margins(self.core, self.account))

    async def publish_market(self, *, force: bool = False) -> None:
        now = self.core.now
        interval = timedelta(seconds=self.core.config.ws_ticker_interval_seconds)
        if not force and self.last_public is not None and now - self.last_public < interval:
            return
        self.last_public = now
        for frame in frames.market_frames(self.core, self.subs):
            await self.send(frame)

    async def on_event(self, event: SimEvent) -> None:
        if isinstance(event, MarketStepped):
            await self.publish_market()
            if self.heartbeat and self.last_heartbeat is not None and \
                    (event.time - self.last_heartbeat).total_seconds() >= self.core.config.ws_heartbeat_seconds:
                self.last_heartbeat = event.time
                await self.send({"type": "heartbeat"})
            if self.core.faults.fires(FaultKind.WS_DISCONNECT, event.time) is not None:
                self.closed = True
            return
        if self.account is None or getattr(event, "user_id", None) != self.account.user_id:
            return
        if isinstance(event, OrderChanged) and "orders" in self.subs:
            seq = self.next_seq(f"orders:{event.order.symbol}")
            await self.send(frames.order_update(event, seq))
        elif isinstance(event, FillHappened):
            if "v2/user_trades" in self.subs:
                await self.send(frames.v2_user_trade(event, self.next_seq(f"trades:{event.fill.symbol}")))
            if "user_trades" in self.subs:
                await self.send(frames.user_trade(event, self.next_seq(f"fills:{event.fill.symbol}")))
        elif isinstance(event, PositionChanged) and "positions" in self.subs:
            await self.send(frames.position_update(self.core, event))
        elif isinstance(event, MarginChanged) and "margins" in self.subs:
            await self.send(frames.margins(self.core, self.account))


class WsHub:
    """Accepts WebSocket connections and feeds each one from the core's event bus."""

    def __init__(self, core: SimulatedExchangeCore, clock: Clock) -> None:
        self.core = core
        self.clock = clock
        self.connections: set[WsConnection] = set()

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        connection = WsConnection(self, websocket)
        self.connections.add(connection)
        subscription = self.core.bus.subscribe()
        reader = asyncio.create_task(self._read(connection))
        try:
            while not reader.done() and not connection.closed:
                getter = asyncio.ensure_future(subscription.get())
                done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await connection.on_event(getter.result())
                else:
                    getter.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            subscription.close()
            self.connections.discard(connection)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await reader
            if connection.closed:
                with contextlib.suppress(RuntimeError):
                    await websocket.close(code=1011)

    async def _read(self, connection: WsConnection) -> None:
        while True:
            text = await connection.ws.receive_text()
            self.core.sync(self.clock.now())
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict):
                if message.get("type") == "ping" and self.core.faults.is_active(FaultKind.WS_STALL, self.core.now):
                    continue
                await connection.handle(message)
