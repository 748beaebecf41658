"""Restarts in each state: a new engine on the same journal and exchange resumes, finishes, or halts."""

from pathlib import Path

import pytest

from delta_strangle.domain.session import Arm, Disarm, StopMode
from delta_strangle.engine.runtime import build_snapshot
from tests.engine.harness import build_harness, profile


async def test_a_restart_while_live_resumes_monitoring_with_the_same_risk_state(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        await h.settle(20)
        before = h.engine.session
        await h.restart_engine()
        after = h.engine.session
        assert after is not None
        assert after.id == before.id
        assert after.state.value == "live"
        assert after.sizes == before.sizes
        assert after.risk.peak_net_pct == before.risk.peak_net_pct
        assert await h.positions() == after.sizes
    finally:
        await h.close()


async def test_a_restart_after_a_finished_cycle_shows_how_it_ended_and_arms_nothing(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.engine.last_session is not None and not h.engine.job_active, max_seconds=600)
        ended = h.engine.last_session
        assert ended is not None
        assert ended.exit_reason is not None
        orders_before = len(h.exchange.account.orders)

        await h.restart_engine()
        assert h.engine.session is None
        shown = h.engine.last_session
        assert shown is not None
        assert shown is not ended  # read back from the journal, not carried over in memory
        assert (shown.id, shown.state.value, shown.exit_reason) == (ended.id, "done", ended.exit_reason)
        snapshot = build_snapshot(h.engine)
        assert (snapshot.status, snapshot.armed) == ("idle", False)
        assert (snapshot.session_id, snapshot.last_session_id) == (ended.id, ended.id)
        assert (snapshot.exit_reason, snapshot.exit_detail) == (ended.exit_reason, ended.exit_detail)
        assert sorted((leg.symbol, leg.size) for leg in snapshot.legs) == sorted((s, 0) for s in ended.sizes)
        await h.settle(5)
        assert h.engine.session is None  # read-only: nothing re-armed
        assert len(h.exchange.account.orders) == orders_before  # and no order sent
    finally:
        await h.close()


async def test_a_restart_on_a_fresh_journal_or_in_another_mode_shows_no_last_session(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.restart_engine()
        assert h.engine.last_session is None
        assert build_snapshot(h.engine).session_id is None
        await h.engine.arm(Arm(config=profile()))
        await h.until_awaited(h.engine.disarm(Disarm()))  # stopped before entry: a sim session has ended
        await h.restart_engine(mode="paper")  # sessions are per mode: the sim one is not paper's last cycle
        assert h.engine.last_session is None
        assert build_snapshot(h.engine).session_id is None
    finally:
        await h.close()


async def test_a_restart_in_another_mode_halts_instead_of_switching(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        await h.restart_engine(mode="paper")
        assert h.engine.session is not None
        assert h.engine.session.state.value == "halted"
        assert "modes never switch silently" in (h.engine.session.halt_reason or "")
    finally:
        await h.close()


async def test_a_position_changed_behind_our_back_halts_with_both_views(tmp_path: Path) -> None:
    from delta_strangle.domain.orders import OrderRequest, OrderType, Side, TimeInForce

    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        leg = next(iter(h.engine.session.legs.values()))
        await h.engine.stop()
        await h.exchange.place_order(OrderRequest(product_id=leg.contract.product_id, symbol=leg.symbol,
                                                  side=Side.BUY, size=1, order_type=OrderType.MARKET,
                                                  time_in_force=TimeInForce.IOC, reduce_only=True))
        from tests.engine.harness import new_engine

        h.engine = new_engine(h.exchange, h.clock, h.store)
        await h.engine.start()
        session = h.engine.session
        assert session.state.value == "halted"
        assert session.halt_views["exchange"][leg.symbol] == -1
        assert session.halt_views["journal"][leg.symbol] == -2
    finally:
        await h.close()


async def test_a_waiting_session_restarted_after_its_latest_entry_time_skips_to_the_next_day(tmp_path: Path) -> None:
    from datetime import timedelta

    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        first_entry = h.engine.session.plan.entry_at
        await h.engine.stop()
        await h.clock.advance_to(h.engine.session.plan.latest_entry_at + timedelta(minutes=1))
        from tests.engine.harness import new_engine

        h.engine = new_engine(h.exchange, h.clock, h.store)
        await h.engine.start()
        await h.settle(5)
        session = h.engine.session
        assert session is not None
        assert session.state.value == "waiting"
        assert session.plan.entry_at - first_entry >= timedelta(days=1)
        assert h.exchange.account.orders == {}
    finally:
        await h.close()


async def test_an_exit_whose_orders_were_sent_before_its_move_was_journaled_is_finished_on_restart(
    tmp_path: Path,
) -> None:
    from delta_strangle.domain.orders import OrderRequest, OrderType, Side, TimeInForce
    from delta_strangle.domain.session import OrderPurpose, client_order_id
    from delta_strangle.engine.records import IntentRecord, IntentStatus
    from tests.engine.harness import new_engine

    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        session = h.engine.session
        await h.engine.stop()
        # The process died right after sending both closing orders: intents journaled, the move to exiting not.
        now = h.clock.now()
        for leg in session.legs.values():
            cid = client_order_id(session.id, session.token, leg.kind, OrderPurpose.EXIT, 0)
            await h.store.record_intent(IntentRecord(
                session_id=session.id, leg_id=leg.id, client_order_id=cid, purpose=OrderPurpose.EXIT, attempt=0,
                symbol=leg.symbol, product_id=leg.contract.product_id, side=Side.BUY, size=2,
                order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC, limit_price=None, reference_mid=None,
                reduce_only=True, created_at=now, updated_at=now, status=IntentStatus.SENT,
            ))
            await h.exchange.place_order(OrderRequest(
                product_id=leg.contract.product_id, symbol=leg.symbol, side=Side.BUY, size=2,
                order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC, reduce_only=True, client_order_id=cid,
            ))
        orders_before = len(h.exchange.account.orders)
        h.engine = new_engine(h.exchange, h.clock, h.store)
        await h.engine.start()
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=300)
        finished = h.engine.last_session
        assert finished.id == session.id
        assert finished.state.value == "done"
        assert finished.exit_reason == "interrupted_exit"
        assert all(size == 0 for size in finished.sizes.values())
        assert await h.positions() == {}
        assert len(h.exchange.account.orders) == orders_before  # nothing was sent again
    finally:
        await h.close()


@pytest.mark.parametrize(("reason", "survivor"), [("max_loss", False), ("leg_stop", True)])
async def test_an_exit_journaled_with_only_its_first_closing_intent_is_finished_for_the_legs_it_covers(
    tmp_path: Path, reason: str, survivor: bool
) -> None:
    """The process died after the call's closing intent (which carried the move to exiting) and order, before
    the put's intent: a whole-strangle exit buys back both legs; a per-leg stop only the leg it stopped."""
    from delta_strangle.domain.orders import OrderRequest, OrderType, Side, TimeInForce
    from delta_strangle.domain.session import OrderPurpose, SessionState, client_order_id
    from delta_strangle.engine.records import IntentRecord, IntentStatus
    from tests.engine.harness import new_engine

    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        session = h.engine.session
        await h.engine.stop()
        call = next(leg for leg in session.legs.values() if leg.symbol.startswith("C-"))
        put = next(leg for leg in session.legs.values() if leg.symbol.startswith("P-"))
        session.state, session.exit_reason, session.exit_detail = SessionState.EXITING, reason, "test"
        if reason == "leg_stop":
            session.risk = session.risk.with_stopped_legs([call.symbol])
        now = h.clock.now()
        cid = client_order_id(session.id, session.token, call.kind, OrderPurpose.EXIT, 0)
        await h.store.record_intent(IntentRecord(
            session_id=session.id, leg_id=call.id, client_order_id=cid, purpose=OrderPurpose.EXIT, attempt=0,
            symbol=call.symbol, product_id=call.contract.product_id, side=Side.BUY, size=2,
            order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC, limit_price=None, reference_mid=None,
            reduce_only=True, created_at=now, updated_at=now, status=IntentStatus.INTENDED,
        ), session)
        await h.exchange.place_order(OrderRequest(
            product_id=call.contract.product_id, symbol=call.symbol, side=Side.BUY, size=2,
            order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC, reduce_only=True, client_order_id=cid,
        ))
        h.engine = new_engine(h.exchange, h.clock, h.store)
        await h.engine.start()
        await h.run_until(lambda: h.state() in {"live", "done", "halted"} and not h.engine.job_active,
                          max_seconds=300)
        recovered = h.engine.session or h.engine.last_session
        assert recovered.id == session.id
        if survivor:
            assert recovered.state is SessionState.LIVE
            assert recovered.sizes == {call.symbol: 0, put.symbol: -2}
            assert await h.positions() == {put.symbol: -2}
        else:
            assert recovered.state is SessionState.DONE
            assert recovered.exit_reason == "max_loss"
            assert all(size == 0 for size in recovered.sizes.values())
            assert await h.positions() == {}
        cids = [o.client_order_id for o in h.exchange.account.orders.values() if o.client_order_id]
        assert len(cids) == len(set(cids))  # the call's closing order was looked up, never sent again
    finally:
        await h.close()


class PositionsUnreadable:
    """The exchange after a restart, except that its positions endpoint keeps failing."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def list_positions(self, product_ids: object) -> object:
        from delta_strangle.exchange.errors import TransientError

        raise TransientError("positions endpoint unavailable")


async def test_positions_that_cannot_be_read_on_restart_halt_the_session_with_its_journaled_legs(
    tmp_path: Path,
) -> None:
    # The predecessor took a failed position read for "positions exist", went live with no legs and idled at PnL 0.
    from tests.engine.harness import new_engine

    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=1800)
        before = h.engine.session
        await h.engine.stop()
        h.engine = new_engine(PositionsUnreadable(h.exchange), h.clock, h.store)  # type: ignore[arg-type]
        await h.engine.start()
        session = h.engine.session
        assert session is not None
        assert session.id == before.id
        assert session.state.value == "halted"
        assert "read positions" in (session.halt_reason or "")
        assert session.sizes == before.sizes  # both short legs stay on the books
        assert set(session.sizes.values()) == {-2}
        assert session.halt_views["exchange"] is None  # unknown, not "nothing"
    finally:
        await h.close()
