"""Engine throughput on a replayed day: events handled per second of real time, with the simulator alone as baseline.

    cd backend && .venv/bin/python ../bench/engine_replay/run.py [hours]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))

from tests.engine.harness import START, build_harness, profile, sim_config

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.session import Arm
from delta_strangle.exchange.sim.exchange import build_simulated_exchange

STEP = 5.0


async def baseline(seconds: float) -> tuple[int, float]:
    clock = ReplayClock(START)
    exchange = await build_simulated_exchange(clock, seed=11, config=sim_config())
    stream = exchange.stream_quotes([p.symbol for p in exchange.core.market.products()][:2])
    count = 0

    async def consume() -> None:
        nonlocal count
        async for _ in stream:
            count += 1

    task = asyncio.create_task(consume())
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        await clock.advance(STEP)
        await asyncio.sleep(0)
        elapsed += STEP
    took = time.perf_counter() - started
    task.cancel()
    await exchange.aclose()
    return count, took


async def engine_day(seconds: float) -> tuple[int, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        h = await build_harness(Path(folder))
        await h.engine.arm(Arm(config=profile()))
        started = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds:
            await h.clock.advance(STEP)
            await asyncio.sleep(0.001)
            elapsed += STEP
        took = time.perf_counter() - started
        events, writes = h.engine.events_handled, h.engine.journal.writes
        await h.close()
    return events, took, writes


async def main(hours: float) -> None:
    seconds = hours * 3600
    quotes, base_took = await baseline(seconds)
    events, took, writes = await engine_day(seconds)
    print(f"baseline: simulator alone streamed {quotes} quotes of {hours} h in {base_took:.2f} s "
          f"({quotes / base_took:,.0f}/s)")
    print(f"engine: handled {events} events of {hours} h in {took:.2f} s ({events / took:,.0f} events/s), "
          f"{writes} journal writes ({writes / max(events, 1):.3f} per event)")


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 24.0))
