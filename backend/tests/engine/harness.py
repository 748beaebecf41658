"""A trading engine on the in-process simulated exchange, a temporary database and a replay clock."""

from __future__ import annotations

import asyncio
import time as time_module
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.config import (
    DistanceSelection,
    ExecutionConfig,
    ExitConfig,
    ScheduleConfig,
    StrategyConfig,
)
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.sim.config import ExpiryListing, SimConfig, UnderlyingModel
from delta_strangle.exchange.sim.exchange import SimulatedExchange, build_core, build_simulated_exchange
from delta_strangle.exchange.sim.market import MarketModel
from delta_strangle.exchange.sim.state import InMemoryStateStore
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.intent_writer import DedicatedIntentStore
from delta_strangle.store.migrate import upgrade_to_head

QUIET_TURNS = 4
# A Wednesday 03:58 UTC = 09:28 IST: two minutes before a 09:30 IST entry.
START = datetime(2026, 11, 25, 3, 58, tzinfo=UTC)


def sim_config(**overrides: Any) -> SimConfig:
    btc = UnderlyingModel(
        symbol="BTC", index_symbol=".DEXBTUSD", start_price=Decimal("95000"), annual_vol=0.5, jumps_per_day=0,
        strike_step=Decimal("500"), strikes_each_side=16, contract_value=Decimal("0.001"),
        tick_size=Decimal("0.1"), atm_vol=0.5, min_half_spread=Decimal("2"), quote_size=50,
    )
    values: dict[str, Any] = {
        "seed": 11, "step_seconds": 5.0, "underlyings": (btc,),
        "expiries": ExpiryListing(daily_count=3, weekly_count=0, monthly_count=0),
    }
    values.update(overrides)
    return SimConfig.model_validate(values)


def profile(**overrides: Any) -> StrategyConfig:
    values: dict[str, Any] = {
        "name": "test-strangle",
        "schedule": ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(10, 30), exit_time=time(15, 20),
                                   repeat_daily=False),
        "strikes": DistanceSelection(call_distance_pct=Decimal(3), put_distance_pct=Decimal(3)),
        "contracts_per_leg": 2,
        "exits": ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=Decimal(90), stale_quote_seconds=30),
        "execution": ExecutionConfig(limit_attempts=3, attempt_seconds=10, legging_timeout_seconds=60,
                                     max_slippage_pct=Decimal(50), market_fallback=True),
    }
    values.update(overrides)
    return StrategyConfig.model_validate(values)


class SettlingJournalStore(DedicatedIntentStore):
    """The journal the app uses (intents on their own connection), counting calls in flight so the harness moves replayed time only once they have finished.

    Database writes run in a worker thread; a replay clock advanced meanwhile would outrun the engine (an exit
    decided at one price but sent minutes of replayed time later), more so on a loaded machine.
    """

    def __init__(self, factory: Any) -> None:
        super().__init__(factory)
        self.in_flight = 0


def _counted(name: str) -> Callable[..., Awaitable[Any]]:
    method = getattr(DedicatedIntentStore, name)

    async def call(self: SettlingJournalStore, *args: Any, **kwargs: Any) -> Any:
        self.in_flight += 1
        try:
            return await method(self, *args, **kwargs)
        finally:
            self.in_flight -= 1

    return call


for _name in ("create_session", "save_session", "record_intent", "update_intent", "record_fill", "record_event",
              "open_sessions", "last_ended_session", "intents", "fills", "net_usd_on"):
    setattr(SettlingJournalStore, _name, _counted(_name))


@dataclass
class Harness:
    clock: ReplayClock
    exchange: SimulatedExchange
    engine: TradingEngine
    db: AsyncEngine
    store: SettlingJournalStore
    sim_store: InMemoryStateStore
    traded: Exchange  # what the engine trades through: the simulator, or a test's wrapper around it

    async def run_until(self, predicate: Callable[[], bool], *, max_seconds: float = 4 * 3600, step: float = 1.0
                        ) -> None:
        """Advance the replay clock until the predicate holds (or fail after max_seconds of simulated time)."""
        waited = 0.0
        while not predicate():
            if waited >= max_seconds:
                raise AssertionError(f"condition not reached within {max_seconds} simulated seconds")
            await self.clock.advance(step)
            await self.quiesce()
            waited += step

    async def quiesce(self, *, real_seconds: float = 10.0) -> None:
        await settle(self.store, real_seconds=real_seconds)

    async def turn_until(self, predicate: Callable[[], bool], *, turns: int = 10_000) -> None:
        """Let the event loop run, without moving replayed time, until the predicate holds (or fail)."""
        for _ in range(turns):
            if predicate():
                return
            await asyncio.sleep(0)
        raise AssertionError(f"condition not reached within {turns} event-loop turns")

    async def settle(self, seconds: float = 30.0) -> None:
        """Let `seconds` of replayed time pass."""
        for _ in range(int(seconds)):
            await self.clock.advance(1.0)
            await self.quiesce()

    async def until_awaited(self, awaitable: Awaitable[Any], *, max_seconds: float = 600) -> Any:
        """Drive the clock while a command runs (commands that work orders need time to pass)."""
        task = asyncio.ensure_future(awaitable)
        await self.run_until(task.done, max_seconds=max_seconds, step=0.5)
        return task.result()

    def state(self) -> str | None:
        session = self.engine.session or self.engine.last_session
        return None if session is None else session.state.value

    async def positions(self) -> dict[str, int]:
        session = self.engine.session or self.engine.last_session
        assert session is not None
        return {p.symbol: p.size for p in await self.exchange.list_positions(session.product_ids)}

    async def restart_engine(self, *, mode: str = "sim") -> None:
        """Throw away the engine object (as a crash would) and start a new one on the same journal and exchange."""
        await self.engine.stop()
        self.engine = new_engine(self.traded, self.clock, self.store, mode=mode)
        await self.engine.start()

    async def close(self) -> None:
        await self.engine.stop()
        await self.exchange.aclose()
        await self.store.close()
        await self.db.dispose()


def new_engine(exchange: Exchange, clock: ReplayClock, store: DedicatedIntentStore, *, mode: str = "sim"
               ) -> TradingEngine:
    return TradingEngine(exchange, clock, Journal(store, clock), account="sim:test", mode=mode)


class ChainReadFails:
    """The simulator, except that reading the option chain raises an error no exchange code anticipates (a bug)."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def get_option_chain(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unexpected failure inside strike selection")


async def build_harness(
    tmp_path: Path, *, start: datetime = START, config: SimConfig | None = None, market: MarketModel | None = None,
    wrap: Callable[[SimulatedExchange], Exchange] | None = None,
) -> Harness:
    """Build the engine on a fresh journal and simulator (random walk, or the given market, e.g. a replay).

    `wrap` puts a test's exchange between the engine and the simulator (to hold or alter one call).
    """
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = create_engine(url)
    store = SettlingJournalStore(create_session_factory(db))
    clock = ReplayClock(start)
    sim_store = InMemoryStateStore()
    if market is None:
        exchange = await build_simulated_exchange(clock, seed=11, state_store=sim_store, config=config or sim_config())
    else:
        core = build_core(config or sim_config(), start, market)
        exchange = SimulatedExchange(core, next(iter(core.accounts.values())), clock, sim_store)
    traded = exchange if wrap is None else wrap(exchange)
    engine = new_engine(traded, clock, store)
    await engine.start()
    return Harness(clock, exchange, engine, db, store, sim_store, traded)


async def settle(store: SettlingJournalStore, *, real_seconds: float = 10.0) -> None:
    """Wait (real time, bounded) until no journal call is in flight for a few consecutive loop turns,
    so replayed time never outruns a write."""
    deadline = time_module.monotonic() + real_seconds
    calm = 0
    while calm < QUIET_TURNS and time_module.monotonic() < deadline:
        busy = store.in_flight > 0
        await asyncio.sleep(0.0005 if busy else 0)
        calm = 0 if busy else calm + 1
