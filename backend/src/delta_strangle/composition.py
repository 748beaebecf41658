"""The trading composition root: picks the Exchange for TRADING_MODE and builds the engine's runner.

This is one of the few modules allowed to name concrete adapters. Each mode is a different implementation
plugged in here; there is never a fall-back from one mode to another: a mode that cannot be built fails
loudly (the runner reports the problem on /api/ready and refuses commands).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle import __version__
from delta_strangle.clock import Clock
from delta_strangle.engine.lock import InstanceLock
from delta_strangle.engine.runner import ExchangeFactory, TradingRunner
from delta_strangle.exchange.base import Exchange
from delta_strangle.settings import Settings, TradingMode
from delta_strangle.store.db import transaction
from delta_strangle.store.instance_lock import SqlLockStore
from delta_strangle.store.intent_writer import DedicatedIntentStore
from delta_strangle.store.tables import SimStateRow

SIM_STATE_NAME = "default"


class ModeUnavailableError(RuntimeError):
    """The configured trading mode cannot be built; nothing else is used in its place."""


class DbSimStateStore:
    """A simulated account's saved state in the `sim_state` table (one row per name: sim, paper-<environment>),
    so simulated and paper positions survive a restart."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], clock: Clock, name: str = SIM_STATE_NAME) -> None:
        self.factory, self.clock, self.name = factory, clock, name
        self._lock = asyncio.Lock()  # both legs' orders save at once; the row is written one save at a time

    async def load(self) -> dict[str, Any] | None:
        async with transaction(self.factory) as db:
            row = await db.get(SimStateRow, self.name)
            return None if row is None else dict(row.state)

    async def save(self, state: dict[str, Any]) -> None:
        async with self._lock, transaction(self.factory) as db:
            row = await db.get(SimStateRow, self.name)
            if row is None:
                db.add(SimStateRow(name=self.name, saved_at=self.clock.now(), state=state))
            else:
                row.saved_at, row.state = self.clock.now(), state


def account_key(settings: Settings) -> str:
    """Name the account one engine may trade (the instance lock's key); never contains a secret."""
    if settings.trading_mode is TradingMode.SIM:
        return f"sim:seed-{settings.sim_seed}"
    key = settings.delta_api_key.get_secret_value() if settings.delta_api_key else ""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12] if key else "no-key"
    return f"{settings.trading_mode.value}:{settings.delta_environment.value}:{digest}"


def exchange_factory(settings: Settings, clock: Clock, session_factory: async_sessionmaker[AsyncSession]
                     ) -> ExchangeFactory:
    """Return the coroutine that builds this mode's Exchange (called once the instance lock is held)."""
    mode = settings.trading_mode

    async def build_sim() -> Exchange:
        from delta_strangle.exchange.sim.exchange import build_simulated_exchange
        from delta_strangle.exchange.sim.state import InMemoryStateStore, SimStateStore

        store: SimStateStore = (
            DbSimStateStore(session_factory, clock) if settings.sim_state_persist else InMemoryStateStore()
        )
        return await build_simulated_exchange(clock, seed=settings.sim_seed, state_store=store)

    async def build_live() -> Exchange:
        from delta_strangle.exchange.delta.exchange import DeltaExchange
        from delta_strangle.exchange.delta.urls import endpoints_for

        if settings.delta_api_key is None or settings.delta_api_secret is None:
            raise ModeUnavailableError("TRADING_MODE=live needs DELTA_API_KEY and DELTA_API_SECRET")
        endpoints = endpoints_for(settings.delta_environment.value)
        return DeltaExchange(
            base_url=endpoints.rest, public_ws_url=endpoints.public_ws, private_ws_url=endpoints.private_ws,
            user_agent=f"delta-strangle/{__version__}", clock=clock,
            api_key=settings.delta_api_key.get_secret_value(), api_secret=settings.delta_api_secret.get_secret_value(),
            debug_verbose=settings.delta_debug_verbose,
        )

    async def build_paper() -> Exchange:
        # Paper = Delta's public market data + simulated matching: no API keys are read.
        from delta_strangle.exchange.delta.urls import endpoints_for
        from delta_strangle.exchange.paper.exchange import connect_paper_exchange

        # The paper account is kept in the database (its own row), so a restart recovers an open paper session.
        environment = settings.delta_environment.value
        return await connect_paper_exchange(
            endpoints_for(environment), clock,
            user_agent=f"delta-strangle/{__version__}", debug_verbose=settings.delta_debug_verbose,
            state_store=DbSimStateStore(session_factory, clock, name=f"paper-{environment}"),
        )

    return {TradingMode.SIM: build_sim, TradingMode.LIVE: build_live, TradingMode.PAPER: build_paper}[mode]


def build_trading_runner(settings: Settings, clock: Clock, session_factory: async_sessionmaker[AsyncSession]
                         ) -> TradingRunner:
    """Build the engine's runner for the configured mode (started by the app's lifespan)."""
    account = account_key(settings)
    return TradingRunner(
        exchange_factory=exchange_factory(settings, clock, session_factory),
        # Order intents sit on the exit path: they get a connection and a thread of their own.
        journal_store=DedicatedIntentStore(session_factory),
        lock=InstanceLock(SqlLockStore(session_factory), clock, account),
        clock=clock,
        account=account,
        mode=settings.trading_mode.value,
    )
