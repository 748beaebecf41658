"""The simulator's WebSocket over real loopback (uvicorn + websockets), market time on a replay clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from tests.exchange.sim.builders import nearest_product, params
from tests.exchange.sim.server.shapes import load, shape_mismatches

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.orders import Side
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.exchange.sim.signing import prehash, sign

DEADLINE = 5.0


@pytest.fixture
async def ws_url(core: SimulatedExchangeCore, clock: ReplayClock) -> AsyncIterator[str]:
    app = create_sim_app(core, clock, drive=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(DEADLINE):
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes no start event: poll with a deadline
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    """Return the next frame of a type, within the deadline."""
    async with asyncio.timeout(DEADLINE):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame


def _auth(clock: ReplayClock, *, secret: str | None = None) -> dict[str, Any]:
    key, real_secret = default_credentials(7)
    ts = str(int(clock.now().timestamp()))
    return {"type": "key-auth", "payload": {"api-key": key, "timestamp": ts,
                                            "signature": sign(secret or real_secret, prehash("GET", ts, "/live", "", ""))}}


async def test_ticker_frames_follow_market_steps_in_the_compact_format(
    ws_url: str, core: SimulatedExchangeCore, clock: ReplayClock
) -> None:
    symbol = nearest_product(core).symbol
    async with websockets.connect(ws_url + "/public") as ws:
        await ws.send(json.dumps({"type": "subscribe", "payload": {"channels": [{"name": "ticker", "symbols": [symbol]}]}}))
        ack = await _next(ws, "subscriptions")
        assert shape_mismatches(ack, load("ws/common/subscriptions_ack__success.json")) == []
        first = await _next(ws, "ticker")
        await clock.advance(60)
        second = await _next(ws, "ticker")
    assert shape_mismatches(first, load("ws/public/ticker.json"), nullable=frozenset({"$.d[].ohlc"})) == []
    assert second["ts"] > first["ts"]
    assert first["d"][0]["s"] == symbol


async def test_public_channels_match_their_documented_frames(
    ws_url: str, core: SimulatedExchangeCore, clock: ReplayClock
) -> None:
    symbol = nearest_product(core).symbol
    channels = [{"name": "ob_l1", "symbols": [symbol]}, {"name": "ob_l2", "symbols": [symbol]},
                {"name": "mark_price", "symbols": [f"MARK:{symbol}"]}, {"name": "spot_price", "symbols": [".DEXBTUSD"]}]
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "payload": {"channels": channels}}))
        for kind, fixture in [("ob_l1", "ws/public/ob_l1.json"), ("ob_l2", "ws/public/ob_l2.json"),
                              ("mark_price", "ws/public/mark_price.json"), ("spot_price", "ws/public/spot_price.json")]:
            frame = await _next(ws, kind)
            assert shape_mismatches(frame, load(fixture)) == [], kind


async def test_private_channels_need_key_auth_and_then_report_orders_fills_and_positions(
    ws_url: str, core: SimulatedExchangeCore, clock: ReplayClock
) -> None:
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "payload": {"channels": [{"name": "orders", "symbols": ["all"]}]}}))
        refused = await _next(ws, "subscriptions")
        assert "Unauthorized" in refused["channels"][0]["error"]
        await ws.send(json.dumps(_auth(clock, secret="wrong")))
        assert shape_mismatches(await _next(ws, "key-auth"), load("ws/private/key-auth__error_invalid_signature.json")) == []
        await ws.send(json.dumps(_auth(clock)))
        assert await _next(ws, "key-auth") == load("ws/private/key-auth__success.json")
        channels = [{"name": n, "symbols": ["all"]} for n in ("orders", "positions", "v2/user_trades")]
        await ws.send(json.dumps({"type": "subscribe", "payload": {"channels": [*channels, {"name": "margins"}]}}))
        await _next(ws, "subscriptions")
        account = next(iter(core.accounts.values()))
        product = nearest_product(core, "call_options", 1)
        trading.place_order(core, account, params(product, Side.SELL, 2, core.ticker(product).best_bid))
        order = await _next(ws, "orders")
        while order.get("action") == "snapshot":
            order = await _next(ws, "orders")
        trade = await _next(ws, "v2/user_trades")
        position = await _next(ws, "positions")
        while position.get("action") == "snapshot":
            position = await _next(ws, "positions")
        margins = await _next(ws, "margins")
    assert shape_mismatches(order, load("ws/private/orders__update.json")) == []
    assert shape_mismatches(trade, load("ws/private/v2_user_trades.json")) == []
    assert shape_mismatches(position, load("ws/private/positions__update.json"),
                            nullable=frozenset({"$.liquidation_price", "$.bankruptcy_price"})) == []
    assert shape_mismatches(margins, load("ws/private/margins.json")) == []
    assert position["size"] == -2
    assert trade["po"] == -2


async def test_ping_heartbeat_and_a_disconnect_fault(ws_url: str, core: SimulatedExchangeCore, clock: ReplayClock) -> None:
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert await _next(ws, "pong") == {"type": "pong"}
        await ws.send(json.dumps({"type": "enable_heartbeat"}))
        await ws.send(json.dumps({"type": "ping"}))
        await _next(ws, "pong")  # the server has handled enable_heartbeat before this pong
        await clock.advance(60)
        assert await _next(ws, "heartbeat") == {"type": "heartbeat"}
        core.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.WS_DISCONNECT, max_count=1),)), core.now)
        await clock.advance(60)
        with pytest.raises(websockets.ConnectionClosed):
            await _next(ws, "never")


async def test_a_stalled_socket_stays_open_but_silent(ws_url: str, core: SimulatedExchangeCore, clock: ReplayClock) -> None:
    async with websockets.connect(ws_url) as ws:
        core.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.WS_STALL, duration_seconds=120),)), core.now)
        await ws.send(json.dumps({"type": "ping"}))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await ws.recv()
        await clock.advance(180)
        await ws.send(json.dumps({"type": "ping"}))
        assert await _next(ws, "pong") == {"type": "pong"}
