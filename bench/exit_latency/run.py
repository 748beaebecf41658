"""Exit latency: from the simulator publishing the quote that breaches a limit to the closing order reaching it.

In-process (engine → SimulatedExchange), not yet over loopback through the Delta client. Baseline in the same
run: the bare hop of a quote from the stream into the engine loop (a quote that breaches nothing).

    cd backend && .venv/bin/python ../bench/exit_latency/run.py [cycles]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))

from delta_strangle.domain.config import ExitConfig  # noqa: E402
from delta_strangle.domain.session import Arm  # noqa: E402
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule  # noqa: E402
from tests.engine.harness import build_harness, profile  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(cycles: int) -> None:
    exits: list[float] = []
    hops: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        h = await build_harness(Path(folder))
        engine, exchange = h.engine, h.exchange
        published: dict[str, float] = {}
        original_stream = exchange.stream_quotes

        async def timed_stream(symbols):  # type: ignore[no-untyped-def]
            async for quote in original_stream(symbols):
                published["at"] = time.perf_counter()
                yield quote

        exchange.stream_quotes = timed_stream  # type: ignore[method-assign]
        original_place = exchange.place_order

        async def timed_place(request):  # type: ignore[no-untyped-def]
            if request.reduce_only and "breach" in published:
                exits.append(time.perf_counter() - published.pop("breach"))
            return await original_place(request)

        exchange.place_order = timed_place  # type: ignore[method-assign]
        handled = {"n": 0}
        original_handle = engine._handle

        async def timed_handle(kind, payload):  # type: ignore[no-untyped-def]
            if kind == "quote" and "at" in published and "breach" not in published:
                hops.append(time.perf_counter() - published["at"])
            handled["n"] += 1
            return await original_handle(kind, payload)

        engine._handle = timed_handle  # type: ignore[method-assign]
        config = profile(exits=ExitConfig(max_loss_pct=Decimal(60), max_profit_pct=Decimal(95)))
        for _ in range(cycles):
            await engine.arm(Arm(config=config, enter_now=True))
            await h.run_until(lambda: h.state() == "live", max_seconds=900, step=0.5)
            await h.settle(5)
            exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=0.08),)))
            published.pop("at", None)
            count = len(exits)
            original_stream_mark = published

            while len(exits) == count:
                await h.clock.advance(1.0)
                if "at" in original_stream_mark and "breach" not in original_stream_mark:
                    original_stream_mark["breach"] = original_stream_mark["at"]
                await asyncio.sleep(0.002)
            await h.run_until(lambda: engine.session is None or engine.session.state.value == "waiting",
                              max_seconds=900, step=0.5)
            if engine.session is not None:
                await engine.disarm(__import__("delta_strangle.domain.session", fromlist=["Disarm"]).Disarm())
            exchange.set_faults(FaultPlan())
        await h.close()
    ms = [x * 1000 for x in exits]
    hop_ms = [x * 1000 for x in hops]
    print(f"exit latency over {len(ms)} exits: p50 {statistics.median(ms):.2f} ms, p99 {pct(ms, 0.99):.2f} ms, "
          f"max {max(ms):.2f} ms (target p99 < 50 ms)")
    print(f"baseline quote hop into the loop over {len(hop_ms)} quotes: p50 {statistics.median(hop_ms):.3f} ms, "
          f"p99 {pct(hop_ms, 0.99):.3f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
