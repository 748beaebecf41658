from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from delta_strangle.clock import ReplayClock, WallClock
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.delta.signing import prehash, sign, ws_auth_frame
from delta_strangle.exchange.delta.stream import DeltaSocket, Freshness, Subscription, subscribe_frame
from delta_strangle.exchange.errors import AuthError

from .conftest import FIXTURES, load_fixture

Handler = Callable[[ServerConnection], Awaitable[None]]
FAST = Backoff(base_seconds=0.01, cap_seconds=0.05, rng=random.Random(5))
TICKER = json.loads((FIXTURES / "ws/public/ticker.json").read_text())


class FakeDeltaSocket:
    """A loopback WebSocket server that records what each connection received."""

    def __init__(self, handler: Callable[[ServerConnection, int], Awaitable[None]]) -> None:
        self.handler = handler
        self.received: list[list[dict[str, Any]]] = []

    async def __call__(self, connection: ServerConnection) -> None:
        self.received.append([])
        await self.handler(connection, len(self.received) - 1)

    async def next_frame(self, connection: ServerConnection, index: int) -> dict[str, Any]:
        frame = json.loads(await connection.recv())
        self.received[index].append(frame)
        return frame


@asynccontextmanager
async def running(fake: FakeDeltaSocket) -> AsyncIterator[str]:
    async with serve(fake, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


def socket(url: str, **kwargs: Any) -> DeltaSocket:
    return DeltaSocket(
        url,
        clock=WallClock(),
        user_agent="delta-strangle/test",
        subscriptions=[Subscription("ticker", ("BTCUSD",))],
        backoff=FAST,
        **kwargs,
    )


def test_subscribe_frame_lists_channels_with_and_without_symbols() -> None:
    frame = subscribe_frame([Subscription("ticker", ("BTCUSD", "C-BTC-1-010125")), Subscription("margins")])
    assert frame == {
        "type": "subscribe",
        "payload": {"channels": [{"name": "ticker", "symbols": ["BTCUSD", "C-BTC-1-010125"]}, {"name": "margins"}]},
    }


async def test_socket_enables_heartbeat_subscribes_and_yields_data_frames_only() -> None:
    async def handler(connection: ServerConnection, index: int) -> None:
        await fake.next_frame(connection, index)
        await fake.next_frame(connection, index)
        await connection.send(json.dumps({"type": "subscriptions", "channels": [{"name": "ticker"}]}))
        await connection.send(json.dumps({"type": "heartbeat"}))
        await connection.send(json.dumps(TICKER))
        await connection.wait_closed()

    fake = FakeDeltaSocket(handler)
    async with running(fake) as url, asyncio.timeout(5):
        frames = socket(url).frames()
        frame = await anext(frames)
        await frames.aclose()
    assert frame["type"] == "ticker"
    assert fake.received[0] == [
        {"type": "enable_heartbeat"},
        {"type": "subscribe", "payload": {"channels": [{"name": "ticker", "symbols": ["BTCUSD"]}]}},
    ]


async def test_dropped_socket_reconnects_and_resubscribes() -> None:
    async def handler(connection: ServerConnection, index: int) -> None:
        await fake.next_frame(connection, index)
        await fake.next_frame(connection, index)
        await connection.send(json.dumps({**TICKER, "ts": 1775801092453559 + index}))
        if index == 0:
            await connection.close()  # the exchange drops us
            return
        await connection.wait_closed()

    fake = FakeDeltaSocket(handler)
    async with running(fake) as url, asyncio.timeout(5):
        client = socket(url)
        frames = client.frames()
        first, second = await anext(frames), await anext(frames)
        await frames.aclose()
    assert (first["ts"], second["ts"]) == (1775801092453559, 1775801092453560)
    assert client.connections == 2
    assert fake.received[1][1]["type"] == "subscribe"


async def test_silence_longer_than_the_heartbeat_allowance_forces_a_reconnect() -> None:
    async def handler(connection: ServerConnection, index: int) -> None:
        await fake.next_frame(connection, index)
        await fake.next_frame(connection, index)
        if index > 0:
            await connection.send(json.dumps(TICKER))
        await connection.wait_closed()  # the first connection never speaks

    fake = FakeDeltaSocket(handler)
    async with running(fake) as url, asyncio.timeout(5):
        client = socket(url, heartbeat_timeout_seconds=0.2)
        frames = client.frames()
        frame = await anext(frames)
        await frames.aclose()
    assert frame["type"] == "ticker"
    assert len(fake.received) == 2


async def test_private_socket_authenticates_before_subscribing() -> None:
    async def handler(connection: ServerConnection, index: int) -> None:
        await fake.next_frame(connection, index)
        auth = await fake.next_frame(connection, index)
        payload = auth["payload"]
        valid = payload["signature"] == sign("test_secret", prehash("GET", payload["timestamp"], "/live"))
        await connection.send(json.dumps({"type": "key-auth", "success": valid, "status": "authenticated"}))
        await fake.next_frame(connection, index)
        await connection.send((FIXTURES / "ws/private/orders__update.json").read_text())
        await connection.wait_closed()

    fake = FakeDeltaSocket(handler)
    auth = lambda: ws_auth_frame(api_key="k", secret="test_secret", timestamp="1700000000")  # noqa: E731
    async with running(fake) as url, asyncio.timeout(5):
        frames = socket(url, auth_frame=auth).frames()
        frame = await anext(frames)
        await frames.aclose()
    assert frame["type"] == "orders"
    assert [f["type"] for f in fake.received[0]] == ["enable_heartbeat", "key-auth", "subscribe"]


async def test_refused_key_auth_raises_instead_of_reconnecting_forever() -> None:
    refusal = load_fixture("ws/private/key-auth__error_invalid_signature.json")

    async def handler(connection: ServerConnection, index: int) -> None:
        await fake.next_frame(connection, index)
        await fake.next_frame(connection, index)
        await connection.send(json.dumps(refusal))
        await connection.wait_closed()

    fake = FakeDeltaSocket(handler)
    auth = lambda: ws_auth_frame(api_key="k", secret="wrong", timestamp="1700000000")  # noqa: E731
    async with running(fake) as url, asyncio.timeout(5):
        frames = socket(url, auth_frame=auth).frames()
        with pytest.raises(AuthError):
            await anext(frames)
    assert len(fake.received) == 1


async def test_freshness_names_symbols_not_heard_from_in_time(clock: ReplayClock) -> None:
    freshness = Freshness(clock)
    freshness.touch("C-BTC-1-010125")
    await clock.advance(5)
    freshness.touch("P-BTC-1-010125")
    assert freshness.age("C-BTC-1-010125") == timedelta(seconds=5)
    assert freshness.stale(["C-BTC-1-010125", "P-BTC-1-010125", "NEVER"], timedelta(seconds=3)) == [
        "C-BTC-1-010125",
        "NEVER",
    ]
