"""A simulator app on a replay clock, and a signing httpx client against it through ASGITransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from tests.exchange.sim.builders import START, make_core

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.exchange.sim.signing import prehash, sign


class SignedClient:
    """Signs requests exactly as §3.1 says, with the seed's credentials."""

    def __init__(self, client: httpx.AsyncClient, clock: ReplayClock, key: str, secret: str) -> None:
        self.client = client
        self.clock = clock
        self.key = key
        self.secret = secret

    async def request(self, method: str, path: str, *, query: str = "", body: Any = None,
                      sign_with: str | None = None, timestamp: int | None = None) -> httpx.Response:
        payload = "" if body is None else json.dumps(body, separators=(",", ":"))
        ts = str(timestamp if timestamp is not None else int(self.clock.now().timestamp()))
        signature = sign(sign_with or self.secret, prehash(method, ts, path, query, payload))
        headers = {"api-key": self.key, "timestamp": ts, "signature": signature, "User-Agent": "sim-tests",
                   "Content-Type": "application/json"}
        url = path + ("?" + query if query else "")
        return await self.client.request(method, url, content=payload or None, headers=headers)


@pytest.fixture
def clock() -> ReplayClock:
    return ReplayClock(START)


@pytest.fixture
def core() -> SimulatedExchangeCore:
    return make_core()


@pytest.fixture
async def http(core: SimulatedExchangeCore, clock: ReplayClock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_sim_app(core, clock, drive=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim",
                                 headers={"User-Agent": "sim-tests"}) as client:
        yield client


@pytest.fixture
def signed(http: httpx.AsyncClient, clock: ReplayClock) -> SignedClient:
    key, secret = default_credentials(7)
    return SignedClient(http, clock, key, secret)
