"""A trading process for the crash test: the engine and the simulator on files, under a fast replay clock.

    python -m tests.acceptance.crash_child run DIR       trade until killed
    python -m tests.acceptance.crash_child stop-and-die DIR
        enter, go live, stop with flatten, and SIGKILL itself between the two legs' closing-intent writes
        (the first leg's closing order already on the exchange, the second leg's intent not yet written)
    python -m tests.acceptance.crash_child enter-and-die DIR
        enter and SIGKILL itself between the two legs' entry-intent writes (the first leg already sold)
    python -m tests.acceptance.crash_child recover DIR   restart, reconcile, run a while, print a JSON verdict

The simulator saves its whole state synchronously after every change, in the same event-loop step as the
change, so a SIGKILL never leaves the simulated exchange behind what the engine could have seen.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from datetime import time
from decimal import Decimal
from pathlib import Path

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.config import ExecutionConfig, ScheduleConfig
from delta_strangle.domain.session import Arm, Disarm, OrderPurpose, StopMode
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.engine.records import IntentRecord, SessionRecord
from delta_strangle.exchange.sim.exchange import SimulatedExchange, build_simulated_exchange
from delta_strangle.exchange.sim.state import JsonFileStateStore, core_to_state
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.intent_writer import DedicatedIntentStore
from delta_strangle.store.migrate import upgrade_to_head
from tests.engine.harness import START, profile, sim_config

SPEED_SECONDS_PER_TICK = 1.0
RECOVER_DEADLINE_SECONDS = 900.0
SETTLED = frozenset({"live", "done", "halted"})


class DurableSim(SimulatedExchange):
    def _sync(self) -> None:
        super()._sync()
        self._save_now()

    async def _persist(self) -> None:
        self._save_now()

    def _save_now(self) -> None:
        assert isinstance(self._store, JsonFileStateStore)
        path = self._store.path
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(core_to_state(self.core)), encoding="utf-8")
        tmp.replace(path)


class DiesBetweenTheLegs(DedicatedIntentStore):
    """Kills its own process (SIGKILL) when the second leg's intent of `purpose` is about to be written.

    Before dying it lets the first leg's order reach the simulator (saved to its file at once; with `filled`,
    until it has filled), so the crash leaves one leg's order on the exchange and the other leg with no intent.
    """

    purpose: OrderPurpose
    filled: bool
    exchange: DurableSim

    async def record_intent(self, intent: IntentRecord, session: SessionRecord | None = None) -> int:
        if intent.purpose is self.purpose:
            earlier = [i for i in await self.intents(intent.session_id) if i.purpose is self.purpose]
            if earlier:
                await _until(lambda: any(o.client_order_id == earlier[0].client_order_id
                                         and (o.unfilled_size == 0 or not self.filled)
                                         for o in self.exchange.account.orders.values()))
                os.kill(os.getpid(), signal.SIGKILL)
        return await super().record_intent(intent, session)


class DiesBetweenClosingIntents(DiesBetweenTheLegs):
    purpose, filled = OrderPurpose.EXIT, False


class DiesBetweenEntryIntents(DiesBetweenTheLegs):
    purpose, filled = OrderPurpose.ENTRY, True


async def _until(condition: Callable[[], bool], turns: int = 100_000) -> None:
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the first leg's order never reached the exchange")


async def _setup(directory: Path, store_class: type[DedicatedIntentStore] = DedicatedIntentStore
                 ) -> tuple[ReplayClock, DurableSim, TradingEngine]:
    url = f"sqlite+aiosqlite:///{directory / 'journal.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    store = store_class(create_session_factory(create_engine(url)))
    state_store = JsonFileStateStore(directory / "sim.json")
    saved = await state_store.load()
    clock = ReplayClock(START if saved is None else max(START, _saved_now(saved)))
    plain = await build_simulated_exchange(clock, seed=11, state_store=state_store, config=sim_config())
    exchange = DurableSim(plain.core, plain.account, clock, state_store)
    if isinstance(store, DiesBetweenTheLegs):
        store.exchange = exchange
    engine = TradingEngine(exchange, clock, Journal(store, clock, flush_seconds=1.0), account="sim:crash", mode="sim")
    return clock, exchange, engine


def _saved_now(saved: dict[str, object]) -> object:
    from datetime import datetime

    return datetime.fromisoformat(str(saved["now"]))


async def _drive(clock: ReplayClock, seconds: float | None) -> None:
    elapsed = 0.0
    while seconds is None or elapsed < seconds:
        await clock.advance(SPEED_SECONDS_PER_TICK)
        await asyncio.sleep(0.002)
        elapsed += SPEED_SECONDS_PER_TICK


async def run(directory: Path) -> None:
    clock, _exchange, engine = await _setup(directory)
    await engine.start()
    config = profile(
        schedule=ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(9, 32), exit_time=time(9, 35),
                                repeat_daily=False),
        execution=ExecutionConfig(limit_attempts=4, attempt_seconds=20, legging_timeout_seconds=120,
                                  max_slippage_pct=Decimal(50), market_fallback=True),
    )
    await engine.arm(Arm(config=config))
    await _drive(clock, None)


async def stop_and_die(directory: Path) -> None:
    clock, _exchange, engine = await _setup(directory, DiesBetweenClosingIntents)
    await engine.start()
    await engine.arm(Arm(config=profile(), enter_now=True))  # the day's exit time is hours away
    while engine.session is None or engine.session.state.value != "live":
        await _drive(clock, SPEED_SECONDS_PER_TICK)
    await engine.disarm(Disarm(mode=StopMode.FLATTEN))
    await _drive(clock, None)  # the store kills the process while the two legs' closing orders go out


async def enter_and_die(directory: Path) -> None:
    _clock, _exchange, engine = await _setup(directory, DiesBetweenEntryIntents)
    await engine.start()
    crossing = ExecutionConfig(limit_attempts=1, attempt_seconds=20, legging_timeout_seconds=120,
                               max_slippage_pct=Decimal(50), market_fallback=False)
    await engine.arm(Arm(config=profile(execution=crossing), enter_now=True))  # each sale fills on arrival
    # Replayed time stands still, so the book the legs are priced on is the book they reach; the store kills
    # the process while the two legs' sell orders go out.
    await asyncio.Event().wait()


def _settled(engine: TradingEngine) -> bool:
    session = engine.session or engine.last_session
    return session is not None and session.state.value in SETTLED and not engine.job_active


async def recover(directory: Path) -> None:
    clock, exchange, engine = await _setup(directory)
    await engine.start()
    # Drive until the session has settled (or a deadline). A fixed span is not enough: the replay clock restarts
    # at the simulator's last saved instant, so a waiting session may only reach its entry time at the very end.
    elapsed = 0.0
    while not _settled(engine) and elapsed < RECOVER_DEADLINE_SECONDS:
        await _drive(clock, SPEED_SECONDS_PER_TICK)
        elapsed += SPEED_SECONDS_PER_TICK
    session = engine.session or engine.last_session
    held = await exchange.list_positions(list(exchange.account.positions))
    exchange_positions = {p.symbol: p.size for p in held}
    cids = [o.client_order_id for o in exchange.account.orders.values() if o.client_order_id]
    verdict = {
        "state": session.state.value if session else None,
        "halt_reason": session.halt_reason if session else None,
        "exit_reason": session.exit_reason if session else None,
        "journal": {k: v for k, v in (session.sizes if session else {}).items() if v != 0},
        "exchange": {k: v for k, v in exchange_positions.items() if v != 0},
        "order_count": len(cids),
        "recovered_after_seconds": elapsed,
        "unique_client_order_ids": len(set(cids)),
    }
    await engine.stop()
    print(json.dumps(verdict))


if __name__ == "__main__":
    action, folder = sys.argv[1], Path(sys.argv[2])
    actions = {"run": run, "stop-and-die": stop_and_die, "enter-and-die": enter_and_die, "recover": recover}
    asyncio.run(actions[action](folder))
