"""The engine trading through the real Delta client against the simulator's server, over loopback sockets.

REST and both WebSockets go through uvicorn on 127.0.0.1, on a replay clock shared by server and client.
uvicorn's wall-clock `Date` header is switched off (the client would take it as the server's clock while the
server lives on replayed time). Replayed time moves only once no HTTP request and no journal call is in flight,
so faults that make the client back off (sleeping on the same clock) are replayed, not waited out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn

from delta_strangle.clock import ReplayClock
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.exchange.delta.exchange import DeltaExchange
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.faults import FaultPlan
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.migrate import upgrade_to_head
from tests.engine.harness import START, SettlingJournalStore, sim_config

T = TypeVar("T")
QUIET_TURNS = 4
STEP_REAL_SECONDS = 0.001  # loopback frames need the loop for a moment after each step


class CountingTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that counts requests in flight (the harness waits for them before moving time)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.requests = 0
        self.server_errors = 0  # 5xx answers, the simulated 504 of a timeout after execute included

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.requests += 1
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()  # count the body too: the caller's await ends only once it has it
            self.server_errors += response.status_code >= 500
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class LoopbackHarness:
    clock: ReplayClock
    core: SimulatedExchangeCore
    account: Account
    exchange: DeltaExchange
    transport: CountingTransport
    engine: TradingEngine
    store: SettlingJournalStore
    server: uvicorn.Server
    server_task: asyncio.Task[None]

    async def quiesce(self, *, real_seconds: float = 10.0) -> None:
        """Wait (real time, bounded) until no HTTP request or journal call is in flight for a few loop turns."""
        deadline = time.monotonic() + real_seconds
        calm = 0
        await asyncio.sleep(STEP_REAL_SECONDS)
        while calm < QUIET_TURNS and time.monotonic() < deadline:
            busy = self.transport.in_flight > 0 or self.store.in_flight > 0
            await asyncio.sleep(0.0005 if busy else 0)
            calm = 0 if busy else calm + 1

    async def run_until(self, predicate: Callable[[], bool], *, max_seconds: float = 1800, step: float = 1.0
                        ) -> None:
        """Advance replayed time until the predicate holds (fail after max_seconds of it)."""
        waited = 0.0
        while not predicate():
            if waited >= max_seconds:
                raise AssertionError(f"condition not reached within {max_seconds} simulated seconds")
            await self.clock.advance(step)
            await self.quiesce()
            waited += step

    async def until_awaited(self, awaitable: Awaitable[T], *, max_seconds: float = 600) -> T:
        """Drive replayed time while a command runs (commands that work orders need time to pass)."""
        task = asyncio.ensure_future(awaitable)
        await self.run_until(task.done, max_seconds=max_seconds, step=0.5)
        return task.result()

    def set_faults(self, plan: FaultPlan) -> None:
        self.core.faults.arm(plan, self.clock.now())

    def state(self) -> str | None:
        session = self.engine.session or self.engine.last_session
        return None if session is None else session.state.value

    def exchange_sizes(self) -> dict[str, int]:
        """Signed non-zero sizes per symbol, read straight from the simulator's books (no request)."""
        sizes = {}
        for product_id, position in self.account.positions.items():
            product = self.core.market.product(product_id)
            if position.size != 0 and product is not None:
                sizes[product.symbol] = position.size
        return sizes

    def client_order_ids(self) -> list[str]:
        return [o.client_order_id for o in self.account.orders.values() if o.client_order_id]

    async def close(self) -> None:
        await self.engine.stop()
        await self.exchange.aclose()
        await self.store.close()
        self.server.should_exit = True
        await self.clock.advance(0)
        await self.server_task


async def build_loopback(tmp_path: Path, *, ws_heartbeat_timeout_seconds: float = 35.0) -> LoopbackHarness:
    """Start the simulator server on loopback and an engine on DeltaExchange pointed at it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    store = SettlingJournalStore(create_session_factory(create_engine(url)))
    clock = ReplayClock(START)
    config = sim_config()
    core = build_core(config, START)
    app = create_sim_app(core, clock, drive=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", date_header=False,
                                           ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes no start event: poll with a deadline
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    key, secret = default_credentials(config.seed)
    transport = CountingTransport(httpx.AsyncHTTPTransport())
    backoff = Backoff(base_seconds=0.2, cap_seconds=2.0, attempts=4)
    exchange = DeltaExchange(
        base_url=f"http://127.0.0.1:{port}", public_ws_url=f"ws://127.0.0.1:{port}/public",
        private_ws_url=f"ws://127.0.0.1:{port}/", user_agent="delta-strangle-acceptance", clock=clock,
        api_key=key, api_secret=secret, transport=transport, ws_backoff=backoff, rest_backoff=backoff,
        heartbeat_timeout_seconds=ws_heartbeat_timeout_seconds,
    )
    engine = TradingEngine(exchange, clock, Journal(store, clock), account="sim:loopback", mode="sim")
    await engine.start()
    account = next(iter(core.accounts.values()))
    return LoopbackHarness(clock, core, account, exchange, transport, engine, store, server, task)
