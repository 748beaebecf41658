"""Benchmark the simulator server over loopback, against a plain echo on the same stack (uvicorn + Starlette).

    cd /work/main/backend && .venv/bin/python ../bench/sim_server/run.py [--orders 1000] [--seconds 5]

Measures, in one run:
  - order round-trips/s: signed POST /v2/orders (IOC far from the market: validated, matched, cancelled),
    one request at a time, vs. POST /echo with the same body on the same server;
  - quote messages/s: WebSocket `ticker` frames for every live product (market stepping every 50 ms),
    vs. a WebSocket route on the same server that sends a pre-built ticker frame in a loop.
The server runs in a child process so client and server do not share one event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time
from typing import Any

import httpx
import uvicorn
import websockets
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from delta_strangle.clock import WallClock
from delta_strangle.exchange.sim.config import RateLimitModel, SimConfig
from delta_strangle.exchange.sim.core import default_credentials
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.exchange.sim.signing import prehash, sign

SEED = 7
TICKER_FRAME = json.dumps({"type": "ticker", "sy": "C-BTC-96000-251126", "sp": "95000.0", "ts": 1, "d": [{
    "s": "C-BTC-96000-251126", "i": 1, "m": "812.4", "q": ["825.0", "35", "800.1", "40", None],
    "g": ["0.41", "0.0001", "0.1", "-900", "20"]}]})


async def _echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/json")


async def _ws_baseline(websocket: WebSocket) -> None:
    await websocket.accept()
    # Like the simulator's hub, notice the client leaving through a concurrent receive.
    gone = asyncio.ensure_future(websocket.receive())
    try:
        while not gone.done():
            await websocket.send_text(TICKER_FRAME)
            await asyncio.sleep(0)
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        gone.cancel()


def _serve(port: int) -> None:
    config = SimConfig(seed=SEED, step_seconds=0.05, ws_ticker_interval_seconds=0.05,
                       rate_limit=RateLimitModel(quota=10**9))
    clock = WallClock()
    core = build_core(config, clock.now())
    app = create_sim_app(core, clock, extra_routes=[Route("/echo", _echo, methods=["POST"]),
                                                    WebSocketRoute("/ws-baseline", _ws_baseline)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", ws="websockets-sansio", loop="asyncio")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(base + "/v2/settings", headers={"User-Agent": "bench"})
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("simulator did not start")


async def _order_body(client: httpx.AsyncClient, base: str) -> dict[str, Any]:
    tickers = (await client.get(base + "/v2/tickers", params={"contract_types": "call_options"},
                                headers={"User-Agent": "bench"})).json()["result"]
    ticker = next(t for t in tickers if t["quotes"]["best_bid"])
    far = format(float(ticker["quotes"]["best_bid"]) / 2, ".1f")
    return {"product_id": ticker["product_id"], "size": 1, "side": "buy", "order_type": "limit_order",
            "limit_price": far, "time_in_force": "ioc"}


async def bench_orders(base: str, count: int) -> tuple[float, float]:
    key, secret = default_credentials(SEED)
    async with httpx.AsyncClient(base_url=base, headers={"User-Agent": "bench"}) as client:
        body = json.dumps(await _order_body(client, base), separators=(",", ":"))

        async def one_order() -> None:
            ts = str(int(time.time()))
            signature = sign(secret, prehash("POST", ts, "/v2/orders", "", body))
            headers = {"api-key": key, "timestamp": ts, "signature": signature, "Content-Type": "application/json"}
            response = await client.post("/v2/orders", content=body, headers=headers)
            assert response.status_code == 200, response.text

        async def one_echo() -> None:
            response = await client.post("/echo", content=body, headers={"Content-Type": "application/json"})
            assert response.status_code == 200

        rates = []
        for action in (one_order, one_echo):
            for _ in range(20):
                await action()  # warm up connections and caches
            start = time.perf_counter()
            for _ in range(count):
                await action()
            rates.append(count / (time.perf_counter() - start))
        return rates[0], rates[1]


async def _count_frames(url: str, seconds: float, subscribe: dict[str, Any] | None) -> float:
    async with websockets.connect(url, max_size=None) as ws:
        if subscribe is not None:
            await ws.send(json.dumps(subscribe))
        frames = 0
        start = time.perf_counter()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.perf_counter()))
            except TimeoutError:
                break
            if isinstance(message, str) and message.startswith('{"type": "ticker"'):
                frames += 1
        return frames / (time.perf_counter() - start)


async def bench_quotes(ws_base: str, seconds: float) -> tuple[float, float]:
    subscribe = {"type": "subscribe", "payload": {"channels": [{"name": "ticker", "symbols": ["all"]}]}}
    sim = await _count_frames(ws_base + "/public", seconds, subscribe)
    baseline = await _count_frames(ws_base + "/ws-baseline", seconds, None)
    return sim, baseline


async def main(orders: int, seconds: float) -> None:
    port = _free_port()
    # spawn, not fork: a forked child would inherit this process's running event loop.
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    process.start()
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_up(base)
        order_rate, echo_rate = await bench_orders(base, orders)
        quote_rate, ws_baseline = await bench_quotes(f"ws://127.0.0.1:{port}", seconds)
    finally:
        process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
    print(f"order round-trips/s   simulator {order_rate:9.0f}   echo baseline {echo_rate:9.0f}   "
          f"ratio {order_rate / echo_rate:5.2f}")
    print(f"quote messages/s      simulator {quote_rate:9.0f}   ws baseline   {ws_baseline:9.0f}   "
          f"ratio {quote_rate / ws_baseline:5.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.seconds))
