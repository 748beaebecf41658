"""The WebSocket half of the Delta client: one resilient connection per socket.

A `DeltaSocket` connects, turns on Delta's heartbeat, authenticates with `key-auth` when it has
credentials, subscribes, and yields data frames. When the socket drops or goes silent for longer
than the heartbeat allows, it reconnects with jittered backoff and sends every subscription again.
`Freshness` records when each symbol was last heard from, so callers can tell stale quotes.

Public market data lives on the public socket (`ticker`; the legacy `v2/ticker` was removed in
2026); private channels (`orders`, `positions`, `v2/user_trades`) live on the private socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, WebSocketException

from delta_strangle.clock import Clock
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.errors import AuthError

logger = logging.getLogger(__name__)

HEARTBEAT_TIMEOUT_SECONDS = 35.0  # Delta beats every 30 s once enabled
AUTH_TIMEOUT_SECONDS = 10.0
RETRYABLE_AUTH_STATUSES = frozenset({"request_expired", "internal_server_error"})
CONTROL_TYPES = frozenset({"heartbeat", "pong", "subscriptions", "key-auth", "unsubscribed"})


@dataclass(frozen=True)
class Subscription:
    """One channel and its symbols (None for channels that take none, like `margins`)."""

    name: str
    symbols: tuple[str, ...] | None = None

    def as_payload(self) -> dict[str, Any]:
        return {"name": self.name} if self.symbols is None else {"name": self.name, "symbols": list(self.symbols)}


def subscribe_frame(subscriptions: Sequence[Subscription]) -> dict[str, Any]:
    """Build Delta's subscribe control message."""
    return {"type": "subscribe", "payload": {"channels": [s.as_payload() for s in subscriptions]}}


class Freshness:
    """When each symbol was last heard from, by our clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._seen: dict[str, datetime] = {}

    def touch(self, symbol: str) -> None:
        self._seen[symbol] = self._clock.now()

    def last_seen(self, symbol: str) -> datetime | None:
        return self._seen.get(symbol)

    def age(self, symbol: str) -> timedelta | None:
        """Return how long since a symbol was last heard from (None if never)."""
        seen = self._seen.get(symbol)
        return None if seen is None else self._clock.now() - seen

    def stale(self, symbols: Sequence[str], max_age: timedelta) -> list[str]:
        """Return the symbols not heard from within max_age (never-heard ones included)."""
        return [s for s in symbols if (age := self.age(s)) is None or age > max_age]


class SocketDroppedError(Exception):
    """The connection ended or went silent; reconnect."""


class DeltaSocket:
    """A self-healing Delta WebSocket that yields data frames until the consumer stops."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        user_agent: str,
        subscriptions: Sequence[Subscription],
        auth_frame: Callable[[], Mapping[str, Any]] | None = None,
        heartbeat_timeout_seconds: float = HEARTBEAT_TIMEOUT_SECONDS,
        backoff: Backoff | None = None,
        name: str = "public",
    ) -> None:
        self.url = url
        self._clock = clock
        self._user_agent = user_agent
        self._subscriptions = list(subscriptions)
        self._auth_frame = auth_frame
        self._heartbeat_timeout = heartbeat_timeout_seconds
        self._backoff = backoff or Backoff(base_seconds=0.5, cap_seconds=30.0)
        self.name = name
        self.connections = 0
        self._connection: ClientConnection | None = None

    async def frames(self) -> AsyncIterator[dict[str, Any]]:
        """Yield every data frame, reconnecting and resubscribing as needed; raise AuthError on bad keys."""
        failures = 0
        while True:
            try:
                async with connect(
                    self.url, user_agent_header=self._user_agent, open_timeout=10, max_size=None
                ) as connection:
                    self._connection = connection
                    await self._open(connection)
                    self.connections += 1
                    logger.info(
                        "Delta %s socket connected",
                        self.name,
                        extra={"event": "delta_ws_connected", "socket": self.name, "connections": self.connections},
                    )
                    async for frame in self._receive(connection):
                        failures = 0
                        yield frame
            except AuthError:
                raise
            except (OSError, TimeoutError, WebSocketException, InvalidHandshake, SocketDroppedError, ValueError) as exc:
                delay = self._backoff.delay(failures)
                failures += 1
                logger.warning(
                    "Delta %s socket lost (%s); reconnecting in %.2f s",
                    self.name,
                    type(exc).__name__,
                    delay,
                    extra={
                        "event": "delta_ws_reconnect",
                        "socket": self.name,
                        "reason": type(exc).__name__,
                        "wait_seconds": round(delay, 3),
                        "failures": failures,
                    },
                )
                await self._clock.sleep(delay)
            finally:
                self._connection = None

    async def _open(self, connection: ClientConnection) -> None:
        await connection.send(json.dumps({"type": "enable_heartbeat"}))
        if self._auth_frame is not None:
            await connection.send(json.dumps(self._auth_frame()))
            await self._await_auth(connection)
        if self._subscriptions:
            await connection.send(json.dumps(subscribe_frame(self._subscriptions)))

    async def _await_auth(self, connection: ClientConnection) -> None:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            while True:
                frame = json.loads(await connection.recv())
                if frame.get("type") != "key-auth":
                    continue
                if frame.get("success") is True:
                    return
                status = str(frame.get("status") or "")
                message = f"Delta key-auth refused: {status} {frame.get('message') or ''}".strip()
                if status in RETRYABLE_AUTH_STATUSES:
                    raise SocketDroppedError(message)
                raise AuthError(message, code=status or "key_auth_failed")

    async def _receive(self, connection: ClientConnection) -> AsyncIterator[dict[str, Any]]:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # arrives as a message does, and the stream task would then outlive its owner's stop().
            try:
                async with asyncio.timeout(self._heartbeat_timeout):
                    raw = await connection.recv()
            except TimeoutError:
                raise SocketDroppedError(f"no message for {self._heartbeat_timeout} s") from None
            frame = json.loads(raw)
            if not isinstance(frame, dict):
                continue
            if frame.get("type") == "subscriptions":
                self._log_refusals(frame)
            if frame.get("type") in CONTROL_TYPES:
                continue
            yield frame

    def _log_refusals(self, ack: Mapping[str, Any]) -> None:
        for channel in ack.get("channels") or []:
            if isinstance(channel, Mapping) and channel.get("error"):
                logger.error(
                    "Delta refused subscription to %s: %s",
                    channel.get("name"),
                    channel.get("error"),
                    extra={"event": "delta_ws_subscription_refused", "channel": channel.get("name")},
                )

    async def drop(self) -> None:
        """Close the current connection (it will reconnect); used by tests and on detected gaps."""
        if self._connection is not None:
            await self._connection.close()
