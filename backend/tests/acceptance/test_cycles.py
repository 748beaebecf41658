"""Whole cycles against the simulated exchange under a replay clock: each ends flat on the exchange, as journaled."""

from datetime import time
from decimal import Decimal
from pathlib import Path

from delta_strangle.domain.config import EntryLimits, ExitConfig, ScheduleConfig
from delta_strangle.domain.session import Arm, Disarm, SessionState, StopMode
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from tests.engine.harness import Harness, build_harness, profile, sim_config

SHORT_DAY = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(9, 32), exit_time=time(9, 38),
                           repeat_daily=False)


async def _ends_flat_as_journaled(h: Harness) -> None:
    session = h.engine.last_session
    assert session is not None
    assert session.state is SessionState.DONE
    assert all(size == 0 for size in session.sizes.values())
    exchange = await h.exchange.list_positions(session.product_ids)
    assert [p for p in exchange if p.size != 0] == []


async def test_a_full_cycle_exits_at_the_exit_time_and_ends_flat(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(schedule=SHORT_DAY)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=3600)
        assert h.engine.last_session.exit_reason == "time_exit"
        await _ends_flat_as_journaled(h)
        fills = await h.store.fills(h.engine.last_session.id)
        assert sum(f.size for f in fills if f.side.value == "sell") == 4
        assert all(f.commission > 0 for f in fills)
    finally:
        await h.close()


async def test_a_price_gap_fires_max_loss_and_the_position_is_bought_back(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        config = profile(exits=ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=Decimal(90)))
        await h.engine.arm(Arm(config=config))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.PRICE_GAP, gap_fraction=0.06),)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=1800)
        assert h.engine.last_session.exit_reason in {"max_loss", "leg_stop"}
        await _ends_flat_as_journaled(h)
    finally:
        await h.close()


async def test_one_rejected_leg_unwinds_the_filled_leg_and_alerts(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.ORDER_REJECT, max_count=1),)))
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=1800)
        session = h.engine.last_session
        assert session.exit_reason in {"legging_unwind", "entry_incomplete"}
        await _ends_flat_as_journaled(h)
    finally:
        await h.close()


async def test_insufficient_margin_refuses_entry_without_leaving_anything_open(tmp_path: Path) -> None:
    h = await build_harness(tmp_path, config=sim_config(starting_balance=Decimal("1")))
    try:
        # The profile's own margin estimate would refuse this entry before any order (test_entry_limits.py); with
        # it switched off, the exchange's refusal is the last line of defence and still ends the entry cleanly.
        unchecked = profile(entry_limits=EntryLimits(check_margin=False))
        await h.engine.arm(Arm(config=unchecked, enter_now=True))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=600)
        assert h.engine.last_session.exit_reason in {"entry_incomplete", "legging_unwind"}
        await _ends_flat_as_journaled(h)
    finally:
        await h.close()


async def test_an_unknown_order_outcome_is_looked_up_and_never_resent(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.TIMEOUT_AFTER_EXECUTE, max_count=2),)))
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=900)
        session = h.engine.session or h.engine.last_session
        intents = await h.store.intents(session.id)
        names = [i.client_order_id for i in intents]
        assert len(names) == len(set(names))
        orders = h.exchange.account.orders.values()
        assert len({o.client_order_id for o in orders if o.client_order_id}) == len(
            [o for o in orders if o.client_order_id]
        )
        if h.state() == "live":
            assert await h.positions() == session.sizes
    finally:
        await h.close()


async def test_a_rate_limit_storm_delays_entry_but_never_duplicates_an_order(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        storm = FaultRule(kind=FaultKind.RATE_LIMIT_STORM, duration_seconds=4, probability=0.7)
        h.exchange.set_faults(FaultPlan(rules=(storm,)))
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=900)
        session = h.engine.session or h.engine.last_session
        assert h.state() == "live", session.exit_detail  # delayed by the storm, not given up for the day
        exchange_ids = [o.client_order_id for o in h.exchange.account.orders.values() if o.client_order_id]
        assert len(exchange_ids) == len(set(exchange_ids))
        assert await h.positions() == {k: v for k, v in session.sizes.items() if v != 0}
    finally:
        await h.close()


async def test_panic_during_entry_ends_flat_and_is_idempotent(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: any(leg.position.is_open for leg in (h.engine.session.legs.values()
                                                                          if h.engine.session else [])),
                          max_seconds=600, step=0.5)
        first = await h.until_awaited(h.engine.panic())
        assert first.status == "stopped"
        second = await h.until_awaited(h.engine.panic())
        assert second.status == "idle"
        await _ends_flat_as_journaled(h)
        assert h.engine.last_session.exit_reason == "panic"
    finally:
        await h.close()


async def test_stop_with_flatten_closes_now_and_stop_keep_monitoring_waits_for_the_rules(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(schedule=SHORT_DAY)))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        kept = await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.KEEP_MONITORING)))
        assert kept.status == "live"
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=3600)
        assert h.engine.last_session.exit_reason == "time_exit"
        assert h.engine.session is None  # disarmed: no next cycle
        await _ends_flat_as_journaled(h)
    finally:
        await h.close()
    h = await build_harness(tmp_path / "second")
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=900)
        assert h.engine.last_session.exit_reason == "operator_stop"
        await _ends_flat_as_journaled(h)
    finally:
        await h.close()


async def test_stale_quotes_pause_price_exits_and_raise_a_warning(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.STALE_QUOTES, duration_seconds=600),)))
        await h.run_until(lambda: "stale_quotes" in h.engine.warnings, max_seconds=600)
        assert h.state() == "live"
    finally:
        await h.close()
