"""The runtime snapshot: schedule countdowns, leg figures, every limit with its distance to trigger, alerts."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.config import ExitConfig, TrailingStep
from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.market import Greeks, Quote
from delta_strangle.domain.orders import Fill, Side
from delta_strangle.domain.pnl import strangle_pnl
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.schedule import DayPlan
from delta_strangle.domain.session import Arm, SessionState
from delta_strangle.domain.trailing import RiskState
from delta_strangle.engine.limits import LimitView, session_limits
from delta_strangle.engine.quotes import QuoteBook
from delta_strangle.engine.records import LegRecord, SessionRecord, pnl_figures
from delta_strangle.engine.runtime import build_snapshot
from tests.domain.builders import contract
from tests.engine.harness import build_harness, profile

NOW = datetime(2025, 1, 31, 4, 0, tzinfo=UTC)
SPOT = Decimal("100000")


@dataclass
class FakeEngine:
    """The engine's read surface that the snapshot uses, with no loop and no exchange behind it."""

    session: SessionRecord | None
    clock: ReplayClock = field(default_factory=lambda: ReplayClock(NOW))
    quotes: QuoteBook = field(default_factory=QuoteBook)
    last_session: SessionRecord | None = None
    running: bool = True
    mode: str = "sim"
    warnings: dict[str, str] = field(default_factory=dict)
    prior_today: Decimal = Decimal(0)
    job_active: bool = False


def _leg(kind: OptionKind, strike: int, entry: str, *, size: int = 2, target: int = 2, fee: str = "0.5") -> LegRecord:
    c = contract(kind, strike)
    position = LegPosition.for_contract(c)
    if size:
        sell = Fill(fill_id=f"f-{kind.value}", order_id="o", product_id=c.product_id, symbol=c.symbol, side=Side.SELL,
                    size=size, price=Decimal(entry), commission=Decimal(fee), created_at=NOW)
        position = apply_fill(position, sell, FeeCharge(amount=Decimal(fee), source=FeeSource.EXCHANGE))
    return LegRecord(contract=c, target_size=target, position=position)


def _session(exits: ExitConfig, *legs: LegRecord, state: SessionState = SessionState.LIVE,
             risk: RiskState | None = None, marks: dict[str, Decimal] | None = None) -> SessionRecord:
    config = profile(exits=exits)
    plan = DayPlan(trading_date=NOW.date(), entry_at=NOW - timedelta(minutes=5),
                   latest_entry_at=NOW + timedelta(minutes=55), exit_at=NOW + timedelta(hours=5))
    session = SessionRecord(account="sim:test", mode="sim", token="abcd", profile_name=config.name, config=config,
                            state=state, created_at=NOW, updated_at=NOW, id=7, plan=plan,
                            settlement_at=legs[0].contract.settlement_time if legs else None,
                            risk=risk or RiskState())
    session.legs = {leg.kind: leg for leg in legs}
    if marks is not None:
        session.pnl = pnl_figures(strangle_pnl([leg.position for leg in legs], marks))
    return session


def _quote(leg: LegRecord, mark: str, *, at: datetime = NOW, delta: float = -0.2) -> Quote:
    m = Decimal(mark)
    return Quote(symbol=leg.symbol, best_bid=m - 5, best_ask=m + 5, mark_price=m, spot_price=SPOT, mark_iv=0.5,
                 greeks=Greeks(delta=delta, gamma=0.0001), timestamp=at)


def _by_name(limits: list[LimitView]) -> dict[str, LimitView]:
    return {limit.name if limit.symbol is None else f"{limit.name}:{limit.symbol}": limit for limit in limits}


def test_net_limits_state_the_trigger_in_percent_and_usd_with_room_left_positive() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    # Premium 2 x 2 x 500 x 0.001 = 2 USD; fees 1 USD; marks 400 each: gross +0.4, net -0.6 = -30 %.
    marks = {call.symbol: Decimal(400), put.symbol: Decimal(400)}
    session = _session(ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=Decimal(80)), call, put, marks=marks)
    limits = _by_name(session_limits(session, NOW, marks, Decimal(0)))
    max_loss, max_profit = limits["max_loss"], limits["max_profit"]
    assert max_loss.current_pct == Decimal("-30.0000")
    assert max_loss.trigger_pct == Decimal(-40)
    assert max_loss.distance_pct == Decimal(10)
    assert max_loss.trigger_usd == Decimal("-0.8")
    assert max_loss.distance_usd == Decimal("0.2")
    assert not max_loss.breached
    assert max_profit.distance_pct == Decimal(110)
    assert max_profit.distance_usd == Decimal("2.2")


def test_a_leg_stop_is_a_mark_price_per_short_leg_and_breaches_at_the_trigger() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    marks: dict[str, Decimal | None] = {call.symbol: Decimal(1000), put.symbol: Decimal(120)}
    session = _session(ExitConfig(leg_stop_pct=Decimal(200)), call, put)
    limits = _by_name(session_limits(session, NOW, marks, Decimal(0)))
    call_stop, put_stop = limits[f"leg_stop:{call.symbol}"], limits[f"leg_stop:{put.symbol}"]
    assert call_stop.trigger_price == Decimal(1000)
    assert call_stop.distance_price == Decimal(0)
    assert call_stop.breached
    assert put_stop.distance_price == Decimal(880)
    assert put_stop.current_pct == Decimal(24)
    assert put_stop.distance_pct == Decimal(176)
    assert not put_stop.breached


def test_a_stale_leg_has_no_current_mark_so_its_stop_has_no_distance() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    session = _session(ExitConfig(leg_stop_pct=Decimal(200)), call, put)
    limits = _by_name(session_limits(session, NOW, {call.symbol: None, put.symbol: Decimal(100)}, Decimal(0)))
    assert limits[f"leg_stop:{call.symbol}"].distance_price is None
    assert not limits[f"leg_stop:{call.symbol}"].breached


def test_after_a_leg_stop_the_survivor_shows_its_break_even_stop_and_the_stopped_leg_none() -> None:
    put = _leg(OptionKind.PUT, 97000, "500")
    call = _leg(OptionKind.CALL, 103000, "500")
    exits = ExitConfig(leg_stop_pct=Decimal(200), leg_stop_survivor="break_even")
    session = _session(exits, call, put, risk=RiskState(stopped_legs=(call.symbol,)))
    session.legs[OptionKind.CALL].position = session.legs[OptionKind.CALL].position.model_copy(update={"size": 0})
    limits = _by_name(session_limits(session, NOW, {put.symbol: Decimal(450)}, Decimal(0)))
    assert f"leg_stop:{call.symbol}" not in limits
    assert limits[f"break_even_stop:{put.symbol}"].trigger_price == Decimal(500)
    assert limits[f"break_even_stop:{put.symbol}"].distance_price == Decimal(50)


def test_the_daily_loss_cap_counts_earlier_sessions_today_and_converts_to_this_sessions_percent() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    marks = {call.symbol: Decimal(500), put.symbol: Decimal(500)}  # net -1 USD (the fees), premium 2 USD
    session = _session(ExitConfig(daily_loss_cap_usd=Decimal(3)), call, put, marks=marks)
    cap = _by_name(session_limits(session, NOW, marks, Decimal("-1.5")))["daily_loss_cap"]
    assert cap.basis == "day_net_usd"
    assert cap.current_usd == Decimal("-2.5")
    assert cap.trigger_usd == Decimal(-3)
    assert cap.distance_usd == Decimal("0.5")
    # The day reaches -3 USD when this session nets -1.5 USD: -75 % of its 2 USD premium.
    assert cap.trigger_pct == Decimal("-75.0000")
    assert cap.distance_pct == Decimal("25.0000")


def test_trailing_and_giveback_are_listed_unarmed_until_the_peak_reaches_them() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    exits = ExitConfig(trailing_steps=(TrailingStep(trigger_profit_pct=Decimal(20), lock_profit_pct=Decimal(5)),),
                       giveback_activate_pct=Decimal(30), giveback_points_pct=Decimal(10))
    marks = {call.symbol: Decimal(300), put.symbol: Decimal(300)}  # gross 0.8, net -0.2
    early = _by_name(session_limits(_session(exits, call, put, marks=marks), NOW, marks, Decimal(0)))
    assert not early["trailing_floor"].armed
    assert early["trailing_floor"].trigger_pct is None
    assert not early["giveback"].armed
    assert "arms once the peak reaches 30" in early["giveback"].detail
    risk = RiskState(peak_net_pct=Decimal(35), floor_pct=Decimal(5))
    late = _by_name(session_limits(_session(exits, call, put, risk=risk, marks=marks), NOW, marks, Decimal(0)))
    assert late["trailing_floor"].armed
    assert late["trailing_floor"].trigger_pct == Decimal(5)
    assert late["trailing_floor"].distance_pct == Decimal(-15)
    assert late["trailing_floor"].breached
    assert late["giveback"].trigger_pct == Decimal(25)


def test_time_limits_count_down_to_the_expiry_guard_and_the_planned_exit() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    session = _session(ExitConfig(expiry_guard_minutes=30), call, put)
    limits = session_limits(session, NOW, {}, Decimal(0))
    assert [limit.name for limit in limits[:2]] == ["expiry_guard", "time_exit"]
    guard, exit_ = limits[0], limits[1]
    assert guard.trigger_at == call.contract.settlement_time - timedelta(minutes=30)
    assert guard.distance_seconds == (guard.trigger_at - NOW).total_seconds()
    assert exit_.distance_seconds == 5 * 3600


def test_the_snapshot_shows_leg_quotes_greeks_fees_distance_and_quote_age() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    engine = FakeEngine(session=_session(ExitConfig(), call, put))
    engine.quotes.update(_quote(call, "450", at=NOW - timedelta(seconds=4), delta=0.21))
    engine.quotes.update(_quote(put, "480", delta=-0.19))
    snap = build_snapshot(engine)  # type: ignore[arg-type]
    legs = {leg.kind: leg for leg in snap.legs}
    c = legs["call"]
    assert (c.bid, c.ask, c.mark) == (Decimal(445), Decimal(455), Decimal(450))
    assert c.delta == 0.21
    assert c.quote_age_seconds == 4.0
    assert c.distance_from_spot_pct == Decimal("3.00")
    assert c.fees_usd == Decimal("0.5")
    assert c.pnl_usd == Decimal("-0.4")  # (500 - 450) x 2 x 0.001 - 0.5
    assert legs["put"].distance_from_spot_pct == Decimal("-3.00")
    assert snap.spot["now"] == "100000"
    assert snap.spot["age_seconds"] == "0.0"
    assert snap.schedule.time_to_exit_seconds == 5 * 3600
    assert snap.schedule.time_to_expiry_guard_seconds == snap.limits[0].distance_seconds
    assert snap.alerts == []


def test_a_halted_session_is_an_alert_with_the_engines_and_the_exchanges_views() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    session = _session(ExitConfig(), call, put, state=SessionState.HALTED)
    session.halt_reason = "journal and exchange disagree"
    session.halt_views = {"previous_state": "live", "journal": session.sizes, "exchange": {call.symbol: -3}}
    snap = build_snapshot(FakeEngine(session=session))  # type: ignore[arg-type]
    halted = next(alert for alert in snap.alerts if alert.code == "halted")
    assert halted.level == "error"
    assert halted.details["engine"] == {call.symbol: -2, put.symbol: -2}
    assert halted.details["exchange"] == {call.symbol: -3}
    assert halted.message in snap.warnings
    assert any(alert.code == "stale_quotes" for alert in snap.alerts)  # no quote at all for either leg


def test_legging_is_flagged_only_when_one_leg_is_complete_and_the_other_is_not() -> None:
    call = _leg(OptionKind.CALL, 103000, "500", size=2)
    put = _leg(OptionKind.PUT, 97000, "500", size=1)
    engine = FakeEngine(session=_session(ExitConfig(), call, put, state=SessionState.ENTERING))
    for leg in (call, put):
        engine.quotes.update(_quote(leg, "500"))
    legging = [alert for alert in build_snapshot(engine).alerts if alert.code == "legging"]  # type: ignore[arg-type]
    assert len(legging) == 1
    assert legging[0].details["filled"] == {call.symbol: 2, put.symbol: 1}
    both_partial = FakeEngine(session=_session(ExitConfig(), _leg(OptionKind.CALL, 103000, "500", size=1),
                                               put, state=SessionState.ENTERING))
    assert all(alert.code != "legging" for alert in build_snapshot(both_partial).alerts)  # type: ignore[arg-type]


async def test_a_live_sim_session_snapshot_has_every_configured_limit_in_rule_order(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        exits = ExitConfig(max_loss_pct=Decimal(300), max_profit_pct=Decimal(90), leg_stop_pct=Decimal(500),
                           daily_loss_cap_usd=Decimal(1000), stale_quote_seconds=30,
                           trailing_steps=(TrailingStep(trigger_profit_pct=Decimal(20), lock_profit_pct=Decimal(5)),),
                           giveback_activate_pct=Decimal(60), giveback_points_pct=Decimal(10))
        await h.engine.arm(Arm(config=profile(exits=exits), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=900)
        session = h.engine.session
        assert session is not None
        # The first PnL reading needs a fresh quote on both legs after the entry job has ended.
        await h.run_until(lambda: "net_pct_of_premium" in session.pnl, max_seconds=60)
        snap = build_snapshot(h.engine)
        assert snap.status == "live"
        assert [limit.name for limit in snap.limits] == [
            "expiry_guard", "time_exit", "daily_loss_cap", "max_loss", "leg_stop", "leg_stop", "max_profit",
            "trailing_floor", "giveback",
        ]
        limits = _by_name(snap.limits)
        assert limits["max_loss"].current_pct == Decimal(session.pnl["net_pct_of_premium"])
        assert limits["daily_loss_cap"].current_usd == Decimal(session.pnl["net_usd"])
        for leg in snap.legs:
            stop = limits[f"leg_stop:{leg.symbol}"]
            assert stop.trigger_price == leg.entry_price * 5
            assert stop.distance_price == stop.trigger_price - leg.mark  # type: ignore[operator]
            assert leg.bid is not None
            assert leg.ask is not None
            assert leg.delta is not None
            assert leg.fees_usd > 0
            assert leg.quote_fresh
        assert snap.quotes_fresh
        assert snap.trailing["next_step_trigger_pct"] == "20"
        assert snap.spot["now"] == format(h.engine.quotes.spot, "f")
        assert snap.spot["entry"] is not None
        assert snap.schedule.time_to_expiry_guard_seconds is not None
        assert snap.schedule.time_to_expiry_guard_seconds > 0
    finally:
        await h.close()


def test_a_snapshot_that_cannot_be_built_is_an_error_alert_never_an_exception() -> None:
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    session = _session(ExitConfig(), call, put)
    session.pnl = {"net_usd": "not a number"}  # a corrupted figure must not break the engine's publish
    snap = build_snapshot(FakeEngine(session=session))  # type: ignore[arg-type]
    assert snap.status == "live"
    assert [alert.code for alert in snap.alerts] == ["snapshot_error"]


def test_reading_the_snapshot_never_changes_what_the_engine_decides_with() -> None:
    # The predecessor's runtime GET wrote its trailing level and profit peak back into the engine's risk state.
    call, put = _leg(OptionKind.CALL, 103000, "500"), _leg(OptionKind.PUT, 97000, "500")
    steps = (TrailingStep(trigger_profit_pct=Decimal(20), lock_profit_pct=Decimal(5)),
             TrailingStep(trigger_profit_pct=Decimal(40), lock_profit_pct=Decimal(15)))
    risk = RiskState(peak_net_pct=Decimal(40), floor_pct=Decimal(15))
    marks = {call.symbol: Decimal(100), put.symbol: Decimal(100)}  # net 30 %: 10 points below the stored peak
    session = _session(ExitConfig(trailing_steps=steps), call, put, risk=risk, marks=marks)
    engine = FakeEngine(session=session)
    for leg in (call, put):
        engine.quotes.update(_quote(leg, "100"))
    before = (session.risk, dict(session.pnl), session.state, session.updated_at, dict(engine.warnings))
    first = build_snapshot(engine)  # type: ignore[arg-type]
    second = build_snapshot(engine)  # type: ignore[arg-type]
    assert (session.risk, session.pnl, session.state, session.updated_at, engine.warnings) == before
    assert session.risk.max_drawdown_pct == 0  # folding the 30 % reading in would have recorded a 10-point drawdown
    assert first == second
    assert first.trailing["floor_pct"] == "15"
