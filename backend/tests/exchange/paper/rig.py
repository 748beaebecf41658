"""A paper exchange on a stand-in for the real Delta: the simulator's Delta-protocol server on a replay clock."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx
from tests.exchange.contract.conftest import Venue, fast_backoff, run_on, serve_loopback
from tests.exchange.sim.builders import START, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.exchange.delta.urls import DeltaEndpoints
from delta_strangle.exchange.paper.exchange import PaperExchange, connect_paper_exchange
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.exchange.sim.state import SimStateStore


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on and remembers them, so a test can say what paper mode sent to "Delta".

    `instead` scripts "Delta"'s answer for a path (a failure, a settlement not published yet) in place of the
    server's.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []
        self.instead: dict[str, Callable[[], httpx.Response]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        scripted = self.instead.get(request.url.path)
        if scripted is not None:
            return scripted()
        return await self.inner.handle_async_request(request)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


@dataclass
class Rig:
    paper: PaperExchange
    real: SimulatedExchangeCore
    clock: ReplayClock
    sent: Recording
    endpoints: DeltaEndpoints

    def venue(self) -> Venue:
        return Venue("paper", self.paper, self.clock, self.real, lambda: True)

    async def open_paper(self, state_store: SimStateStore | None = None) -> PaperExchange:
        """Start a paper exchange on the same "Delta" (what a restart of the backend does).

        Replayed time moves while it starts: a read that "Delta" rate-limits waits on the clock.
        """
        return await run_on(self.clock, connect_paper_exchange(
            self.endpoints, self.clock, user_agent="delta-strangle-paper-tests", transport=self.sent,
            ws_backoff=fast_backoff(), config=small_config(starting_balance=Decimal("5000")),
            underlyings=(Underlying.BTC,), refresh_seconds=3600, state_store=state_store,
        ))


@contextlib.asynccontextmanager
async def paper_rig(state_store: SimStateStore | None = None) -> AsyncIterator[Rig]:
    """Serve a "real" market on loopback and open a paper exchange on it; close both afterwards."""
    clock = ReplayClock(START)
    # A calm "real" market (almost no drift), so in the tests only an armed price gap moves it far.
    calm = small_config().underlyings[0].model_copy(update={"annual_vol": 1e-6})
    real = build_core(small_config(underlyings=(calm,)), START)
    app = create_sim_app(real, clock, drive=True)
    server, task, port = await serve_loopback(app)
    sent = Recording(httpx.ASGITransport(app=app))  # type: ignore[arg-type]
    endpoints = DeltaEndpoints(rest="http://delta", private_ws="ws://unused", public_ws=f"ws://127.0.0.1:{port}/public")
    rig = Rig(None, real, clock, sent, endpoints)  # type: ignore[arg-type]
    try:
        rig.paper = await rig.open_paper(state_store)
        yield rig
        await rig.paper.aclose()
    finally:
        server.should_exit = True
        await clock.advance(0)
        await task
