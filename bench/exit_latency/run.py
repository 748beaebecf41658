"""Exit latency: from the simulator publishing the quote that breaches a limit to the closing order reaching it.

Loopback (the figure the target is about): the simulator's Delta-protocol server runs in a child process
(uvicorn, wall clock, market stepping every 0.25 s); this process runs the trading engine on `DeltaExchange`
pointed at it, with its SQLite journal on disk. Each cycle enters a 1-contract strangle, then asks the server
to gap the index by 8 %, which breaches the profile's max loss. Both instants are taken inside the server
process on one clock: when it starts sending the first ticker frame of the gapped step, and when the next
`POST /v2/orders` (the closing order) reaches its ASGI app.

The figure is also split in three (perf_counter is CLOCK_MONOTONIC, shared by both processes on Linux): the wire
to the engine (first quote whose index jumped), the engine (quote in -> `place_order` called), the wire back.

Baseline in the same run: the same cycle in-process (engine -> SimulatedExchange on a replay clock), timed from
the stream yielding the breaching quote to the engine calling place_order (no network, no wire format).

    cd backend && .venv/bin/python ../bench/exit_latency/run.py [--cycles 30] [--baseline-cycles 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))

import httpx
from tests.engine.harness import build_harness, profile, sim_config

from delta_strangle.clock import WallClock
from delta_strangle.domain.config import ExecutionConfig, ExitConfig
from delta_strangle.domain.session import Arm
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.exchange.delta.exchange import DeltaExchange
from delta_strangle.exchange.sim.core import default_credentials
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.intent_writer import DedicatedIntentStore
from delta_strangle.store.migrate import upgrade_to_head

GAP = 0.08
SEED = 11


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_profile() -> Any:
    return profile(
        contracts_per_leg=1,
        exits=ExitConfig(max_loss_pct=Decimal(60), max_profit_pct=None, stale_quote_seconds=30),
        execution=ExecutionConfig(limit_attempts=1, attempt_seconds=1, legging_timeout_seconds=30,
                                  max_slippage_pct=Decimal(50), market_fallback=True),
    )


# ---- the server process -------------------------------------------------------------------------------------


def _serve(port: int) -> None:
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from delta_strangle.exchange.sim.config import RateLimitModel
    from delta_strangle.exchange.sim.exchange import build_core
    from delta_strangle.exchange.sim.server import ws
    from delta_strangle.exchange.sim.server.app import create_sim_app

    clock = WallClock()
    # Tickers go out on every step (an interval below the step), so the gapped step is the one published.
    config = sim_config(step_seconds=0.25, ws_ticker_interval_seconds=0.05, rate_limit=RateLimitModel(quota=10**9))
    core = build_core(config, clock.now())
    marks: dict[str, Any] = {"gap_step": None, "published": None, "order": None}

    original_publish = ws.WsConnection.publish_market

    async def timed_publish(self: ws.WsConnection, *, force: bool = False) -> None:
        gap_step = marks["gap_step"]
        if gap_step is not None and marks["published"] is None and self.core.now >= gap_step and "ticker" in self.subs:
            marks["published"] = time.perf_counter()
        await original_publish(self, force=force)

    ws.WsConnection.publish_market = timed_publish  # type: ignore[method-assign]

    async def gap(request: Request) -> JSONResponse:
        fraction = float((await request.json())["fraction"])
        marks.update(gap_step=core.market.next_step_time(), published=None, order=None)
        core.market.apply_gap("BTC", fraction)
        return JSONResponse({"ok": True})

    async def latency(request: Request) -> JSONResponse:
        return JSONResponse({"published": marks["published"], "order": marks["order"]})

    app = create_sim_app(core, clock, extra_routes=[Route("/bench/gap", gap, methods=["POST"]),
                                                    Route("/bench/latency", latency, methods=["GET"])])

    async def timed_app(scope: Any, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v2/orders"
                and marks["published"] is not None and marks["order"] is None):
            marks["order"] = time.perf_counter()
        await app(scope, receive, send)

    uvicorn.run(timed_app, host="127.0.0.1", port=port, log_level="error", ws="websockets-sansio", loop="asyncio")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def _mark_client(exchange: DeltaExchange) -> dict[str, float]:
    """Note when the first quote after a gap reaches the engine and when it calls place_order to close."""
    marks: dict[str, float] = {}
    original_stream, original_place = exchange.stream_quotes, exchange.place_order

    async def timed_stream(symbols):  # type: ignore[no-untyped-def]
        last_spot: float | None = None
        async for quote in original_stream(symbols):
            spot = float(quote.spot_price) if quote.spot_price else None
            # The gapped quote is the first whose index jumped by more than half the gap.
            jumped = spot is not None and last_spot is not None and abs(spot / last_spot - 1) > GAP / 2
            if "armed" in marks and "quote" not in marks and jumped:
                marks["quote"] = time.perf_counter()
            last_spot = spot or last_spot
            yield quote

    async def timed_place(request):  # type: ignore[no-untyped-def]
        if request.reduce_only and "quote" in marks and "place" not in marks:
            marks["place"] = time.perf_counter()
        return await original_place(request)

    exchange.stream_quotes = timed_stream  # type: ignore[method-assign]
    exchange.place_order = timed_place  # type: ignore[method-assign]
    return marks


PARTS: tuple[str, ...] = ("wire: publish -> engine has quote", "engine: quote -> place_order",
                          "wire: place_order -> server")
parts: dict[str, list[float]] = {name: [] for name in PARTS}


async def loopback(cycles: int, folder: Path) -> list[float]:
    port = _free_port()
    # spawn, not fork: a forked child would inherit this process's running event loop.
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(port,), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=base, headers={"User-Agent": "bench"}) as admin:
            for _ in range(400):
                try:
                    await admin.get("/v2/settings")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            url = f"sqlite+aiosqlite:///{folder / 'loopback.db'}"
            await asyncio.to_thread(upgrade_to_head, url)
            db = create_engine(url)
            store = DedicatedIntentStore(create_session_factory(db))
            clock = WallClock()
            key, secret = default_credentials(SEED)
            exchange = DeltaExchange(
                base_url=base, public_ws_url=f"ws://127.0.0.1:{port}/public", private_ws_url=f"ws://127.0.0.1:{port}/",
                user_agent="delta-strangle-bench", clock=clock, api_key=key, api_secret=secret,
            )
            engine = TradingEngine(exchange, clock, Journal(store, clock),
                                   account="sim:bench", mode="sim")
            client_marks = _mark_client(exchange)
            await engine.start()
            try:
                for cycle in range(cycles):
                    before = engine.last_session
                    await engine.arm(Arm(config=bench_profile(), enter_now=True))
                    await _wait_until(lambda: engine.session is not None and engine.session.state.value != "waiting"
                                      and engine.session.state.value != "entering", 30, "entry")
                    if engine.session is None or engine.session.state.value != "live":
                        raise RuntimeError(f"entry did not go live: {engine.last_session}")
                    await asyncio.sleep(1.0)  # quotes flowing, the exit rules evaluated a few times
                    fraction = GAP if cycle % 2 == 0 else -GAP
                    client_marks.clear()
                    client_marks["armed"] = time.perf_counter()
                    await admin.post("/bench/gap", content=json.dumps({"fraction": fraction}))
                    await _wait_until(lambda b=before: engine.last_session is not b, 30, "the exit")
                    marks = (await admin.get("/bench/latency")).json()
                    if marks["published"] is None or marks["order"] is None:
                        raise RuntimeError(f"cycle {cycle}: no measurement {marks}")
                    latencies.append(marks["order"] - marks["published"])
                    # perf_counter is CLOCK_MONOTONIC, shared by both processes on Linux: split the figure.
                    quote_at, place_at = client_marks.get("quote"), client_marks.get("place")
                    if quote_at is not None and place_at is not None:
                        parts["wire: publish -> engine has quote"].append(quote_at - marks["published"])
                        parts["engine: quote -> place_order"].append(place_at - quote_at)
                        parts["wire: place_order -> server"].append(marks["order"] - place_at)
            finally:
                await engine.stop()
                await exchange.aclose()
                await store.close()
                await db.dispose()
    finally:
        process.terminate()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)
    return latencies


# ---- the in-process baseline ----------------------------------------------------------------------------------


async def in_process(cycles: int, folder: Path) -> list[float]:
    h = await build_harness(folder)
    engine, exchange = h.engine, h.exchange
    marks: dict[str, float] = {}
    exits: list[float] = []
    original_stream, original_place = exchange.stream_quotes, exchange.place_order

    async def timed_stream(symbols):  # type: ignore[no-untyped-def]
        async for quote in original_stream(symbols):
            if marks.get("armed") and "breach" not in marks:
                marks["breach"] = time.perf_counter()
            yield quote

    async def timed_place(request):  # type: ignore[no-untyped-def]
        if request.reduce_only and "breach" in marks:
            exits.append(time.perf_counter() - marks.pop("breach"))
            marks.pop("armed", None)
        return await original_place(request)

    exchange.stream_quotes = timed_stream  # type: ignore[method-assign]
    exchange.place_order = timed_place  # type: ignore[method-assign]
    try:
        for cycle in range(cycles):
            before = engine.last_session
            await engine.arm(Arm(config=bench_profile(), enter_now=True))
            await h.run_until(lambda b=before: h.state() == "live" or engine.last_session is not b, max_seconds=900,
                              step=0.5)
            if h.state() != "live":
                raise RuntimeError(f"cycle {cycle}: entry did not go live: {engine.last_session}")
            await h.settle(5)
            count = len(exits)
            fraction = GAP if cycle % 2 == 0 else -GAP  # alternate, so the index stays near where it started
            exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=fraction),)))
            marks["armed"] = 1.0
            await h.run_until(lambda c=count: len(exits) > c, max_seconds=60, step=1.0)
            await h.run_until(lambda b=before: engine.last_session is not b, max_seconds=900, step=0.5)
            exchange.set_faults(FaultPlan())
    finally:
        await h.close()
    return exits


def _summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"{name:<34} n={len(ms):3d}  p50 {statistics.median(ms):7.2f}  p90 {pct(ms, 0.90):7.2f}  "
            f"p99 {pct(ms, 0.99):7.2f}  max {max(ms):7.2f} ms  (> 50 ms: {sum(v > 50 for v in ms)})")


async def main(cycles: int, baseline_cycles: int) -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        base = await in_process(baseline_cycles, Path(folder) / "in_process")
        wire = await loopback(cycles, Path(folder))
    load_after = os.getloadavg()
    print(f"machine: {os.cpu_count()} cpus, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after")
    print(_summary("loopback (DeltaExchange <-> server)", wire) + "   target p99 < 50 ms")
    for name in PARTS:
        if parts[name]:
            print("  " + _summary(name, parts[name]))
    print(_summary("baseline in-process (replay clock)", base))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--baseline-cycles", type=int, default=10)
    args = parser.parse_args()
    (Path(tempfile.gettempdir())).mkdir(exist_ok=True)
    asyncio.run(main(args.cycles, args.baseline_cycles))
