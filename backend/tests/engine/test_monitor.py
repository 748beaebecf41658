"""Exit rules run on every fresh quote, whatever the clock loop's cadence (the predecessor checked every ~24 s)."""

from decimal import Decimal
from pathlib import Path

import pytest

from delta_strangle.domain.config import ExitConfig
from delta_strangle.domain.session import Arm
from delta_strangle.engine import monitor
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from tests.engine.harness import build_harness, profile


async def test_a_quote_that_breaches_max_loss_exits_without_waiting_for_a_clock_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await build_harness(tmp_path)
    ticks: list[str] = []
    on_tick = monitor.on_tick

    async def counted(engine: TradingEngine) -> None:
        ticks.append(engine.session.state.value if engine.session else "idle")
        await on_tick(engine)

    monkeypatch.setattr(monitor, "on_tick", counted)
    try:
        # The same engine with its clock loop ticking once an hour: only quotes can trigger an exit in between.
        await h.engine.stop()
        h.engine = TradingEngine(h.traded, h.clock, Journal(h.store, h.clock), account="sim:test", mode="sim",
                                 tick_seconds=3600)
        await h.engine.start()
        config = profile(exits=ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=Decimal(90)))
        await h.engine.arm(Arm(config=config, enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        await h.settle(70)  # past the idle loop's last short sleep: from here the next tick is an hour away
        ticks.clear()
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=0.06),)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=600)
        assert h.engine.last_session.exit_reason == "max_loss"
        assert ticks == []  # no clock tick ran between the gap and the finished exit
    finally:
        await h.close()
