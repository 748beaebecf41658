"""Full cycles on a replayed market whose leg prices follow a script: each exit rule, and partial fills only.

Each cycle enters at once (both legs sold near 498), the script moves the marks, and the test checks that the
named rule closed the position, that the exchange ends flat as journaled, and what the journal recorded.
"""

from datetime import time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from delta_strangle.domain.config import (
    ExecutionConfig,
    ExitConfig,
    NearestExpiry,
    ScheduleConfig,
    SurvivorPolicy,
    TrailingStep,
)
from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.orders import Side
from delta_strangle.domain.session import Arm, Disarm, SessionState, StopMode
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.store.db import create_session_factory
from delta_strangle.store.session_queries import session_detail
from tests.acceptance.paths import CALL, PUT, Curve, strangle_market
from tests.engine.harness import START, Harness, build_harness, profile, sim_config

FLAT: Curve = ((0, 500),)


async def _harness(tmp_path: Path, call: Curve, put: Curve, seconds: float = 1200) -> Harness:
    config = sim_config()
    return await build_harness(tmp_path, config=config,
                               market=strangle_market(config, START, call=call, put=put, seconds=seconds))


async def _cycle(h: Harness, exits: ExitConfig, **overrides: Any) -> None:
    before = h.engine.last_session
    await h.engine.arm(Arm(config=profile(exits=exits, **overrides), enter_now=True))
    await h.run_until(lambda: h.engine.last_session is not before, max_seconds=1200, step=1.0)


async def _ended_flat(h: Harness) -> None:
    session = h.engine.last_session
    assert session is not None
    assert session.state is SessionState.DONE
    assert set(session.sizes) == {CALL, PUT}
    assert all(size == 0 for size in session.sizes.values())
    held = await h.exchange.list_positions(session.product_ids)
    assert [p for p in held if p.size != 0] == []


async def _events(h: Harness, session_id: int) -> list[Any]:
    async with create_session_factory(h.db)() as db:
        detail = await session_detail(db, session_id)
    assert detail is not None
    return list(detail["events"])


async def test_max_profit_closes_both_legs_once_the_premium_has_decayed_enough(tmp_path: Path) -> None:
    h = await _harness(tmp_path, call=((0, 500), (60, 500), (180, 150)), put=((0, 500), (60, 500), (180, 150)))
    try:
        await _cycle(h, ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=Decimal(50)))
        session = h.engine.last_session
        assert session.exit_reason == "max_profit"
        assert Decimal(session.pnl["net_usd"]) > 0
        assert session.risk.peak_net_pct >= Decimal(50)
        await _ended_flat(h)
    finally:
        await h.close()


async def test_a_step_trailing_floor_locks_profit_and_exits_when_the_profit_falls_back_to_it(tmp_path: Path) -> None:
    path: Curve = ((0, 500), (60, 500), (120, 300), (180, 300), (330, 520))
    h = await _harness(tmp_path, call=path, put=path)
    try:
        steps = (TrailingStep(trigger_profit_pct=Decimal(30), lock_profit_pct=Decimal(10)),)
        await _cycle(h, ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=None, trailing_steps=steps))
        session = h.engine.last_session
        assert session.exit_reason == "trailing_floor"
        assert session.risk.floor_pct == Decimal(10)
        assert session.risk.peak_net_pct >= Decimal(30)
        triggered = [e for e in await _events(h, session.id) if e.kind == "exit_triggered"]
        assert [e.details["reason"] for e in triggered] == ["trailing_floor"]
        await _ended_flat(h)
    finally:
        await h.close()


async def test_the_giveback_trail_exits_when_profit_falls_its_points_below_the_peak(tmp_path: Path) -> None:
    path: Curve = ((0, 500), (60, 500), (120, 280), (180, 280), (330, 520))
    h = await _harness(tmp_path, call=path, put=path)
    try:
        exits = ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=None, giveback_activate_pct=Decimal(30),
                           giveback_points_pct=Decimal(15))
        await _cycle(h, exits)
        session = h.engine.last_session
        assert session.exit_reason == "giveback"
        assert session.risk.peak_net_pct >= Decimal(30)
        assert session.risk.floor_pct is None
        await _ended_flat(h)
    finally:
        await h.close()


async def test_the_expiry_guard_exits_before_settlement_even_when_the_exit_time_is_later(tmp_path: Path) -> None:
    h = await _harness(tmp_path, call=FLAT, put=FLAT)
    try:
        # Settlement 12:00 UTC; exit time 17:00 IST = 11:30 UTC; a 470-minute guard fires at 04:10 UTC.
        schedule = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(10, 30), exit_time=time(17, 0),
                                  repeat_daily=False)
        exits = ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=None, expiry_guard_minutes=470)
        await _cycle(h, exits, schedule=schedule, expiry=NearestExpiry(min_minutes_after_exit=10))
        session = h.engine.last_session
        assert session.exit_reason == "expiry_guard"
        assert session.settlement_at is not None
        guard_at = session.settlement_at - timedelta(minutes=470)
        assert guard_at <= session.ended_at < session.plan.exit_at
        await _ended_flat(h)
    finally:
        await h.close()


async def test_the_daily_loss_cap_counts_earlier_sessions_of_the_profile_and_then_blocks_entry(tmp_path: Path) -> None:
    # Session 1 loses on a rally to 800 (max loss); session 2 enters at 800 and the rally goes on to 1000.
    path: Curve = ((0, 500), (60, 500), (120, 800), (400, 800), (700, 1000))
    h = await _harness(tmp_path, call=path, put=path)
    try:
        await _cycle(h, ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=None))
        first = h.engine.last_session
        assert first.exit_reason == "max_loss"
        first_net = Decimal(first.pnl["net_usd"])
        assert first_net < 0
        # The cap leaves 0.30 USD of room: far less than session 2's 40 % max loss.
        cap = -first_net + Decimal("0.30")
        exits = ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=None, daily_loss_cap_usd=cap)
        await _cycle(h, exits)
        second = h.engine.last_session
        assert second.id != first.id
        assert second.exit_reason == "daily_loss_cap"
        second_net = Decimal(second.pnl["net_usd"])
        assert -second_net < Decimal("0.40") * Decimal(second.pnl["premium_collected_usd"])
        await _ended_flat(h)
        await _cycle(h, exits)
        third = h.engine.last_session
        assert third.exit_reason == "no_trade"
        assert "daily loss cap" in (third.exit_detail or "")
        assert third.legs == {}
    finally:
        await h.close()


async def test_a_leg_stop_closes_one_leg_and_the_survivor_exits_at_break_even(tmp_path: Path) -> None:
    call: Curve = ((0, 500), (60, 500), (120, 800))
    put: Curve = ((0, 500), (60, 500), (120, 300), (200, 300), (330, 560))
    h = await _harness(tmp_path, call=call, put=put)
    try:
        exits = ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=None, leg_stop_pct=Decimal(150),
                           leg_stop_survivor=SurvivorPolicy.BREAK_EVEN)
        await _cycle(h, exits)
        session = h.engine.last_session
        assert session.exit_reason == "break_even_stop"
        assert session.risk.stopped_legs == (CALL,)
        events = await _events(h, session.id)
        triggered = [(e.details["reason"], e.details["symbols"]) for e in events if e.kind == "exit_triggered"]
        assert triggered == [("leg_stop", [CALL]), ("break_even_stop", [PUT])]
        moves = [e.message.split(":")[0] for e in events if e.kind == "state_changed"]
        assert moves[-4:] == ["live -> exiting", "exiting -> live", "live -> exiting", "exiting -> done"]
        call_leg, put_leg = session.legs[OptionKind.CALL], session.legs[OptionKind.PUT]
        assert call_leg.exit_price is not None
        assert call_leg.exit_price >= call_leg.position.avg_entry_price * Decimal("1.5") - 5
        assert put_leg.exit_price is not None
        assert put_leg.exit_price >= put_leg.position.avg_entry_price - 5
        await _ended_flat(h)
    finally:
        await h.close()


async def test_partial_fills_only_complete_entry_and_exit_through_several_children_and_never_overfill(
    tmp_path: Path,
) -> None:
    h = await _harness(tmp_path, call=FLAT, put=FLAT, seconds=2400)
    try:
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.PARTIAL_FILL_ONLY, max_fill_contracts=1),)))
        execution = ExecutionConfig(limit_attempts=3, attempt_seconds=10, legging_timeout_seconds=120,
                                    max_slippage_pct=Decimal(50), market_fallback=True)
        await h.engine.arm(Arm(config=profile(contracts_per_leg=3, execution=execution), enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=1200)
        assert h.state() == "live"
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=1200)
        session = h.engine.last_session
        assert session.exit_reason == "operator_stop"
        fills = await h.store.fills(session.id)
        assert all(f.size == 1 for f in fills)
        for symbol in (CALL, PUT):
            sold = sum(f.size for f in fills if f.symbol == symbol and f.side is Side.SELL)
            bought = sum(f.size for f in fills if f.symbol == symbol and f.side is Side.BUY)
            assert (sold, bought) == (3, 3)
        intents = await h.store.intents(session.id)
        for purpose in ("entry", "exit"):
            children = [i for i in intents if i.purpose.value == purpose and i.filled_size > 0]
            assert len(children) >= 2, f"{purpose} should have needed several child orders"
        # One live child at a time per leg: each child's window ends before the next one starts.
        for symbol in (CALL, PUT):
            orders = sorted((o for o in h.exchange.account.orders.values() if o.symbol == symbol),
                            key=lambda o: o.created_at)
            assert sum(o.size - o.unfilled_size for o in orders if o.side is Side.SELL) == 3
            assert sum(o.size - o.unfilled_size for o in orders if o.side is Side.BUY) == 3
            assert all(not o.is_open for o in orders)
            for earlier, later in pairwise(orders):
                assert later.created_at >= earlier.updated_at, f"{later.client_order_id} overlapped its predecessor"
        await _ended_flat(h)
    finally:
        await h.close()
