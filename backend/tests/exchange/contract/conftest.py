"""The venues the contract suite runs against: the same tests, every implementation of `Exchange`.

- `sim`: the in-process `SimulatedExchange` on a replay clock.
- `delta-over-sim`: `DeltaExchange` talking to the simulator's Delta-protocol server built on the same
  kind of core: REST through `httpx.ASGITransport`, both WebSockets over a loopback uvicorn. The REST side
  skips uvicorn because uvicorn stamps a wall-clock `Date` header, which the client would (rightly) take
  as the server's clock, while this server lives on a replay clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest
import uvicorn
from tests.exchange.sim.builders import START, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.delta.exchange import DeltaExchange
from delta_strangle.exchange.delta.retry import Backoff
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.exchange import build_core, build_simulated_exchange
from delta_strangle.exchange.sim.faults import FaultPlan
from delta_strangle.exchange.sim.server.app import create_sim_app

T = TypeVar("T")
DEADLINE_SECONDS = 10.0


async def run_on(clock: ReplayClock, call: Awaitable[T], step_seconds: float = 1.0) -> T:
    """Await a call that may sleep on a replay clock, advancing the clock until the call finishes."""
    task = asyncio.ensure_future(call)
    async with asyncio.timeout(DEADLINE_SECONDS):
        while not task.done():
            await clock.advance(step_seconds)
            await asyncio.sleep(0.001)  # real I/O (loopback sockets) needs the loop for a moment
    return task.result()


@dataclass
class Venue:
    """One exchange under test plus the knobs the suite needs (time, faults)."""

    name: str
    exchange: Exchange
    clock: ReplayClock
    core: SimulatedExchangeCore
    account_listening: Callable[[], bool]

    async def advance(self, seconds: float) -> None:
        await self.clock.advance(seconds)

    def arm(self, plan: FaultPlan) -> None:
        self.core.faults.arm(plan, self.clock.now())

    async def run(self, call: Awaitable[T], step_seconds: float = 1.0) -> T:
        """Await a call that may sleep on the clock (backoff, reconnect), advancing time until it finishes."""
        return await run_on(self.clock, call, step_seconds)

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Poll a condition with a deadline (real I/O on loopback is involved, so the loop must turn)."""
        async with asyncio.timeout(DEADLINE_SECONDS):
            while not condition():  # noqa: ASYNC110 - the conditions are other objects' state: poll with a deadline
                await asyncio.sleep(0.005)


async def serve_loopback(app: object) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    """Start uvicorn on an ephemeral loopback port; return the server, its task and the port."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", ws="websockets-sansio"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(DEADLINE_SECONDS):
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes no start event: poll with a deadline
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


def fast_backoff() -> Backoff:
    """Backoff small enough that tests advance through it in a step or two of replay time."""
    return Backoff(base_seconds=0.1, cap_seconds=0.5, attempts=4)


@pytest.fixture(params=["sim", "delta-over-sim"])
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    clock = ReplayClock(START)
    if request.param == "sim":
        sim = await build_simulated_exchange(clock, seed=7, config=small_config())
        # The in-process account stream listens once it has subscribed to the core's event bus.
        yield Venue("sim", sim, clock, sim.core, lambda: bool(sim.core.bus._subscriptions))
        await sim.aclose()
        return
    core = build_core(small_config(), START)
    app = create_sim_app(core, clock, drive=True)
    server, task, port = await serve_loopback(app)
    key, secret = default_credentials(7)
    exchange = DeltaExchange(
        base_url="http://sim", public_ws_url=f"ws://127.0.0.1:{port}/public", private_ws_url=f"ws://127.0.0.1:{port}",
        user_agent="delta-strangle-contract-tests", clock=clock, api_key=key, api_secret=secret,
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        ws_backoff=fast_backoff(), rest_backoff=fast_backoff(),
    )
    hub = app.state.sim_server.hub  # type: ignore[attr-defined]

    def private_socket_subscribed() -> bool:
        return any(c.account is not None and "orders" in c.subs for c in hub.connections)

    yield Venue("delta-over-sim", exchange, clock, core, private_socket_subscribed)
    await exchange.aclose()
    server.should_exit = True
    await clock.advance(0)
    await task
