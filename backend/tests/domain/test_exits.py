"""Exit rules, as a trader's notebook: a price path in, the exit reason and its moment out.

Every scenario sells 10 calls and 10 puts at 250 each on BTC (0.001 per contract): 5.00 USD of premium.
So with no fees, net % of premium = (500 - call mark - put mark) / 5. Times are IST on expiry day 2025-01-31;
settlement is 17:30 IST. After an exit the notebook buys the closed legs back at their mark and reads on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from delta_strangle.domain.config import ExitConfig
from delta_strangle.domain.exits import ExitReason, daily_cap_blocks_entry, evaluate_exits
from delta_strangle.domain.instruments import OptionKind, settlement_instant
from delta_strangle.domain.orders import Side
from delta_strangle.domain.outcomes import NoTradeReason
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.trailing import RiskState
from tests.domain.builders import EXPIRY, fee, fill, quote, short_leg

IST = ZoneInfo("Asia/Kolkata")
SETTLEMENT = settlement_instant(EXPIRY)


def ist(hhmm: str) -> datetime:
    return datetime.combine(EXPIRY, time.fromisoformat(hhmm), tzinfo=IST).astimezone(UTC)


@dataclass(frozen=True)
class Tick:
    at: str
    call: int | None
    put: int | None
    stale: bool = False  # the quotes carry a timestamp a minute old


@dataclass
class Scenario:
    name: str
    exits: dict[str, Any]
    path: list[Tick]
    expected: list[tuple[str, ExitReason, str]]  # (time, reason, "call" | "put" | "both")
    exit_time: str = "15:20"
    entry_fee: str = "0"
    prior_net_today_usd: str = "0"
    also: dict[str, tuple[ExitReason, ...]] = field(default_factory=dict)


def run(scenario: Scenario) -> tuple[list[tuple[str, ExitReason, str]], dict[str, tuple[ExitReason, ...]]]:
    exits = ExitConfig.model_validate({"max_loss_pct": None, "max_profit_pct": None, **scenario.exits})
    legs = {
        "call": short_leg(OptionKind.CALL, 104000, 250, size=10, entry_fee=scenario.entry_fee),
        "put": short_leg(OptionKind.PUT, 96000, 250, size=10, entry_fee=scenario.entry_fee),
    }
    state = RiskState()
    seen: list[tuple[str, ExitReason, str]] = []
    also: dict[str, tuple[ExitReason, ...]] = {}
    marks: dict[str, int] = {"call": 250, "put": 250}
    for tick in scenario.path:
        now = ist(tick.at)
        stamp = now - timedelta(minutes=1) if tick.stale else now
        for side in ("call", "put"):
            value = getattr(tick, side)
            if value is not None:
                marks[side] = value
        quotes = {leg.symbol: quote(leg.symbol, None, None, mark=marks[side], at=stamp) for side, leg in legs.items()}
        evaluation = evaluate_exits(
            list(legs.values()),
            quotes,
            now,
            exits,
            state,
            exit_at=ist(scenario.exit_time),
            settlement_at=SETTLEMENT,
            prior_net_today_usd=Decimal(scenario.prior_net_today_usd),
        )
        state = evaluation.state
        decision = evaluation.decision
        if decision is None:
            continue
        sides = [side for side, leg in legs.items() if leg.symbol in decision.close_symbols]
        seen.append((tick.at, decision.reason, "both" if len(sides) == 2 else sides[0]))
        also[tick.at] = decision.also_triggered
        for side in sides:
            leg = legs[side]
            legs[side] = apply_fill(leg, fill(leg, Side.BUY, abs(leg.size), marks[side]), fee(0))
        if not any(leg.is_open for leg in legs.values()):
            break
    return seen, also


STEPS = [
    {"trigger_profit_pct": 20, "lock_profit_pct": 0},
    {"trigger_profit_pct": 30, "lock_profit_pct": 10},
    {"trigger_profit_pct": 40, "lock_profit_pct": 15},
]

SCENARIOS = [
    Scenario(
        "max loss: both legs rally against us until the loss is 40 % of premium",
        {"max_loss_pct": 40},
        [Tick("10:00", 250, 250), Tick("10:05", 320, 280), Tick("10:10", 400, 300)],
        [("10:10", ExitReason.MAX_LOSS, "both")],
    ),
    Scenario(
        "max loss is not hit one cent early",
        {"max_loss_pct": 40},
        [Tick("10:00", 399, 300), Tick("10:05", 400, 300)],
        [("10:05", ExitReason.MAX_LOSS, "both")],
    ),
    Scenario(
        "max profit: premium decays to 20 % of what we sold",
        {"max_profit_pct": 80},
        [Tick("11:00", 150, 150), Tick("13:00", 60, 41), Tick("14:00", 50, 50)],
        [("14:00", ExitReason.MAX_PROFIT, "both")],
    ),
    Scenario(
        "max profit counts fees: 85 % gross is 75 % net after 0.25 USD of fees per leg",
        {"max_profit_pct": 75},
        [Tick("11:00", 50, 50), Tick("12:00", 40, 35)],
        [("12:00", ExitReason.MAX_PROFIT, "both")],
        entry_fee="0.25",
    ),
    Scenario(
        "step trailing: the peak of 40 % locks 15 %, the fall to 15 % exits",
        {"trailing_steps": STEPS},
        [Tick("10:00", 175, 175), Tick("10:30", 150, 150), Tick("11:00", 200, 220), Tick("11:30", 210, 215)],
        [("11:30", ExitReason.TRAILING_FLOOR, "both")],
    ),
    Scenario(
        "step trailing: a floor of 0 % exits at break-even after a 20 % peak",
        {"trailing_steps": STEPS[:1]},
        [Tick("10:00", 200, 200), Tick("10:30", 240, 250), Tick("11:00", 250, 250)],
        [("11:00", ExitReason.TRAILING_FLOOR, "both")],
    ),
    Scenario(
        "give-back: armed at 30 %, exits 10 points below the 40 % peak",
        {"giveback_activate_pct": 30, "giveback_points_pct": 10},
        [Tick("10:00", 160, 180), Tick("10:30", 150, 150), Tick("11:00", 160, 170), Tick("11:30", 175, 175)],
        [("11:30", ExitReason.GIVEBACK, "both")],
    ),
    Scenario(
        "give-back never fires before it is armed",
        {"giveback_activate_pct": 30, "giveback_points_pct": 10},
        [Tick("10:00", 190, 190), Tick("10:30", 240, 250), Tick("15:20", 250, 250)],
        [("15:20", ExitReason.TIME_EXIT, "both")],
    ),
    Scenario(
        "time exit at the configured exit time even when nothing else fires",
        {},
        [Tick("15:19", 240, 240), Tick("15:20", 240, 240)],
        [("15:20", ExitReason.TIME_EXIT, "both")],
    ),
    Scenario(
        "expiry guard before time exit: exit planned 17:20, guard 30 min before 17:30 settlement",
        {"expiry_guard_minutes": 30},
        [Tick("16:59", 100, 100), Tick("17:00", 100, 100), Tick("17:20", 100, 100)],
        [("17:00", ExitReason.EXPIRY_GUARD, "both")],
        exit_time="17:20",
    ),
    Scenario(
        "stale quotes never fire a price exit; the first fresh tick does",
        {"max_loss_pct": 40},
        [Tick("10:00", 500, 500, stale=True), Tick("10:01", 500, 500)],
        [("10:01", ExitReason.MAX_LOSS, "both")],
    ),
    Scenario(
        "stale quotes do not hold back the time exit",
        {"max_loss_pct": 40},
        [Tick("15:20", 240, 240, stale=True)],
        [("15:20", ExitReason.TIME_EXIT, "both")],
    ),
    Scenario(
        "trailing floor vs max loss on the same tick: a gap from +45 % to -60 % is a max-loss exit",
        {"max_loss_pct": 40, "trailing_steps": STEPS},
        [Tick("10:00", 140, 135), Tick("10:01", 400, 400)],
        [("10:01", ExitReason.MAX_LOSS, "both")],
        also={"10:01": (ExitReason.TRAILING_FLOOR,)},
    ),
    Scenario(
        "per-leg stop then break-even on the survivor",
        {"leg_stop_pct": 200, "leg_stop_survivor": "break_even"},
        [Tick("10:00", 400, 200), Tick("10:30", 500, 150), Tick("11:00", None, 100), Tick("12:00", None, 250)],
        [("10:30", ExitReason.LEG_STOP, "call"), ("12:00", ExitReason.BREAK_EVEN_STOP, "put")],
    ),
    Scenario(
        "per-leg stop, survivor keeps its own rules and leaves at the time exit",
        {"leg_stop_pct": 200},
        [Tick("10:30", 500, 150), Tick("12:00", None, 260), Tick("15:20", None, 240)],
        [("10:30", ExitReason.LEG_STOP, "call"), ("15:20", ExitReason.TIME_EXIT, "put")],
    ),
    Scenario(
        "per-leg stop yields to max loss when both fire on one tick",
        {"leg_stop_pct": 200, "max_loss_pct": 40},
        [Tick("10:30", 600, 200)],
        [("10:30", ExitReason.MAX_LOSS, "both")],
        also={"10:30": (ExitReason.LEG_STOP,)},
    ),
    Scenario(
        "daily loss cap: 3 USD lost earlier today, a further 2 USD reaches the 5 USD cap",
        {"daily_loss_cap_usd": 5, "max_loss_pct": 60},
        [Tick("10:00", 300, 300), Tick("10:30", 350, 350)],
        [("10:30", ExitReason.DAILY_LOSS_CAP, "both")],
        prior_net_today_usd="-3",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_exit_scenario(scenario: Scenario) -> None:
    seen, also = run(scenario)
    assert seen == scenario.expected
    for moment, reasons in scenario.also.items():
        assert also[moment] == reasons


def test_an_exit_time_cannot_slip_to_tomorrow() -> None:
    # The predecessor never enforced exit_time_ist (weakness 1): any tick after it must exit.
    seen, _ = run(Scenario("late", {}, [Tick("23:00", 250, 250)], []))
    assert seen == [("23:00", ExitReason.EXPIRY_GUARD, "both")]


def test_percent_rules_never_fire_without_premium_to_measure_against() -> None:
    # With no premium the predecessor compared max_loss_pct to dollars (weakness 17).
    base = short_leg(OptionKind.CALL, 104000, 250)
    free = LegPosition(
        symbol=base.symbol, product_id=base.product_id, kind=base.kind, contract_value=base.contract_value, size=-1
    )
    now = ist("10:00")
    evaluation = evaluate_exits(
        [free],
        {free.symbol: quote(free.symbol, None, None, mark=100000, at=now)},
        now,
        ExitConfig(max_loss_pct=Decimal(1), max_profit_pct=Decimal(1)),
        RiskState(),
        exit_at=ist("15:20"),
        settlement_at=SETTLEMENT,
    )
    assert evaluation.decision is None
    assert evaluation.pnl is not None
    assert evaluation.pnl.net_pct_of_premium is None


def test_stale_evaluation_names_the_stale_leg_and_keeps_the_risk_state() -> None:
    leg = short_leg(OptionKind.CALL, 104000, 250)
    now = ist("10:00")
    state = RiskState(peak_net_pct=Decimal(30), floor_pct=Decimal(10))
    evaluation = evaluate_exits(
        [leg],
        {leg.symbol: quote(leg.symbol, None, None, mark=10, at=now - timedelta(seconds=11))},
        now,
        ExitConfig(),
        state,
        exit_at=ist("15:20"),
        settlement_at=SETTLEMENT,
    )
    assert evaluation.decision is None
    assert evaluation.stale_symbols == (leg.symbol,)
    assert evaluation.state == state


def test_a_missing_quote_counts_as_stale() -> None:
    leg = short_leg(OptionKind.CALL, 104000, 250)
    now = ist("10:00")
    evaluation = evaluate_exits(
        [leg], {}, now, ExitConfig(), RiskState(), exit_at=ist("15:20"), settlement_at=SETTLEMENT
    )
    assert evaluation.stale_symbols == (leg.symbol,)


def test_daily_cap_blocks_a_new_entry_once_reached() -> None:
    exits = ExitConfig(daily_loss_cap_usd=Decimal(5))
    assert daily_cap_blocks_entry(exits, Decimal("-4.99")) is None
    blocked = daily_cap_blocks_entry(exits, Decimal(-5))
    assert blocked is not None
    assert blocked.reason is NoTradeReason.DAILY_LOSS_CAP_REACHED
