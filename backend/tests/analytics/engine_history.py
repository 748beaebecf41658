"""A small history the real engine trades over the simulator, on a market scripted so each cycle ends as planned.

The simulator replays flat price plateaus (bid and ask 2 either side of the mark) for a 98000 call and a 92000
put on two daily expiries, so every order fills at a touch known in advance: each profile works its orders
with a single child at the far touch (sell at the bid, buy at the ask). One engine runs the cycles in sim mode,
then the same engine is restarted in paper mode for two more, all written to one journal. (Paper mode matches
against the simulator in production too; only its market data comes from Delta, here it is the same script.)

    cycle  mode   armed (UTC)      IST              30 s after arming (call / put marks)   exit
    W1     sim    25 Nov 04:00:10  09:30 Wed        fall to 20 / 15                         max_profit  (win)
    L1     sim    25 Nov 04:10:10  09:40            rise to 90 / 65                         max_loss
    L2     sim    25 Nov 04:20:10  09:50            rise to 110 / 80                        max_loss
    L3     sim    25 Nov 04:30:10  10:00            rise to 70 / 58; stopped 30 s later     operator_stop (loss)
    Z      sim    25 Nov 04:40:10  10:10            fall to 46 / 38.2                       time_exit at 10:12: net 0
    L4     sim    25 Nov 04:50:10  10:20            rise to 95 / 70                         max_loss
    T      sim    25 Nov 05:00:10  10:30            30 / 25, 30 s later back to 42 / 35     trailing_floor (win)
    N1     sim    25 Nov 18:28:10  23:58 Wed        fall to 20 / 15 at 00:00:30 Thursday    max_profit  (win)
    N2     sim    25 Nov 19:00:10  00:30 Thu        rise to 64 / 55; stopped 30 s later     operator_stop (loss)
    P1     paper  25 Nov 19:20:10  00:50 Thu        fall to 20 / 15                         max_profit  (win)
    P2     paper  25 Nov 19:30:10  01:00 Thu        rise to 90 / 65                         max_loss

Every cycle enters at the same plateau (marks 62 / 53.8, so it sells at the bids 60 and 51.8: 111.8 points).
Z is the zero-PnL session. Fees cannot be turned off without making the history unlike a real one, so Z is
steered so its gross equals its commissions exactly: the simulator charges 0.1 x premium x 1.18 (GST) per fill
while that is below the notional fee, so selling at 111.8 points and buying back at 88.2 (asks 48 / 40.2) makes
(111.8 - 88.2) x 20 x 0.001 = 0.472 USD of gross against 0.1 x 1.18 x (111.8 + 88.2) x 20 x 0.001 = 0.472 USD
of fees.

N1 is armed at 23:58 IST on Wednesday with "enter now" and exits after local midnight; N2 trades entirely in
Thursday's early hours, which are still Wednesday in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from delta_strangle.domain.config import ExitConfig, ScheduleConfig, StrategyConfig, TrailingStep
from delta_strangle.domain.instruments import OptionKind, Underlying, option_symbol
from delta_strangle.domain.session import Arm, Disarm, StopMode
from delta_strangle.engine.records import SessionRecord
from delta_strangle.exchange.sim.replay import ReplayMarket, Snapshot
from tests.engine.harness import build_harness, profile, sim_config

SPOT = Decimal(95000)
CONTRACTS = 20
CONTRACT_VALUE = Decimal("0.001")
HALF_SPREAD = Decimal(2)
ENTRY_MARKS = (Decimal(62), Decimal("53.8"))
STEP = timedelta(seconds=5)
START = datetime(2026, 11, 25, 3, 58, tzinfo=UTC)
EXPIRIES = (date(2026, 11, 25), date(2026, 11, 26))
SYMBOLS = tuple(
    option_symbol(kind, Underlying.BTC, Decimal(strike), expiry)
    for expiry in EXPIRIES
    for kind, strike in ((OptionKind.CALL, 98000), (OptionKind.PUT, 92000))
)
# The market is quoted (and the engine runs second by second) only in these windows; between them the engine is
# idle and the replay clock jumps.
WINDOWS = (
    (START, datetime(2026, 11, 25, 5, 12, tzinfo=UTC)),
    (datetime(2026, 11, 25, 18, 18, tzinfo=UTC), datetime(2026, 11, 25, 19, 42, tzinfo=UTC)),
)


def _profile(*, exits: ExitConfig, exit_time: time = time(15, 20)) -> StrategyConfig:
    """The cycle's profile: 20 contracts a leg, 3 % strikes, one child order at the far touch, no re-arm."""
    schedule = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(10, 0), exit_time=exit_time,
                              repeat_daily=False)  # fmt: skip
    return profile(
        name="edge-strangle", schedule=schedule, contracts_per_leg=CONTRACTS, exits=exits,
        execution={"limit_attempts": 1, "attempt_seconds": 5, "max_slippage_pct": "50", "market_fallback": True},
    )  # fmt: skip


PLAIN = ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=Decimal(50), stale_quote_seconds=30)
TRAILING = PLAIN.model_copy(update={"trailing_steps": (TrailingStep(trigger_profit_pct=Decimal(30),
                                                                    lock_profit_pct=Decimal(20)),)})  # fmt: skip


@dataclass(frozen=True)
class Cycle:
    """One planned cycle: armed (enter now) at `armed_at`; the marks change at `plateaus` (seconds after arming)."""

    name: str
    mode: str
    armed_at: datetime
    plateaus: tuple[tuple[int, str, str], ...]
    exit_reason: str
    config: StrategyConfig = field(default_factory=lambda: _profile(exits=PLAIN))
    stop_after: int | None = None  # seconds after arming at which the operator stops with flatten

    def marks_at(self, instant: datetime) -> tuple[Decimal, Decimal] | None:
        """The (call, put) marks this cycle scripts at an instant, or None outside its slot."""
        if not self.armed_at - timedelta(seconds=70) <= instant < self.armed_at + timedelta(seconds=530):
            return None
        marks = ENTRY_MARKS
        for offset, call, put in self.plateaus:
            if instant >= self.armed_at + timedelta(seconds=offset):
                marks = (Decimal(call), Decimal(put))
        return marks


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 25, hour, minute, 10, tzinfo=UTC)


CYCLES = (
    Cycle("W1", "sim", _at(4, 0), ((30, "20", "15"),), "max_profit"),
    Cycle("L1", "sim", _at(4, 10), ((30, "90", "65"),), "max_loss"),
    Cycle("L2", "sim", _at(4, 20), ((30, "110", "80"),), "max_loss"),
    Cycle("L3", "sim", _at(4, 30), ((30, "70", "58"),), "operator_stop", stop_after=60),
    # 10:12 IST is 04:42 UTC: 110 s after arming, on the 46 / 38.2 plateau.
    Cycle("Z", "sim", _at(4, 40), ((30, "46", "38.2"),), "time_exit",
          config=_profile(exits=PLAIN.model_copy(update={"max_profit_pct": None}), exit_time=time(10, 12))),
    Cycle("L4", "sim", _at(4, 50), ((30, "95", "70"),), "max_loss"),
    Cycle("T", "sim", _at(5, 0), ((30, "30", "25"), (60, "42", "35")), "trailing_floor",
          config=_profile(exits=TRAILING)),
    # Armed at 23:58:10 IST on Wednesday; the marks fall at 18:30:30 UTC, 00:00:30 IST on Thursday.
    Cycle("N1", "sim", _at(18, 28), ((140, "20", "15"),), "max_profit"),
    Cycle("N2", "sim", _at(19, 0), ((30, "64", "55"),), "operator_stop", stop_after=60),
    Cycle("P1", "paper", _at(19, 20), ((30, "20", "15"),), "max_profit"),
    Cycle("P2", "paper", _at(19, 30), ((30, "90", "65"),), "max_loss"),
)  # fmt: skip


def marks_at(instant: datetime, cycles: Sequence[Cycle] = CYCLES) -> tuple[Decimal, Decimal]:
    """The scripted (call, put) marks at an instant: the cycle whose slot holds it, else the entry plateau."""
    for cycle in cycles:
        marks = cycle.marks_at(instant)
        if marks is not None:
            return marks
    return ENTRY_MARKS


def _ticker(mark: Decimal) -> dict[str, Any]:
    return {"mark_price": str(mark), "spot_price": str(SPOT),
            "quotes": {"best_bid": str(mark - HALF_SPREAD), "best_ask": str(mark + HALF_SPREAD),
                       "bid_size": "500", "ask_size": "500"}}  # fmt: skip


def scripted_market() -> ReplayMarket:
    snapshots = []
    for begin, end in WINDOWS:
        instant = begin
        while instant <= end:
            call, put = marks_at(instant)
            tickers = {symbol: _ticker(call if symbol.startswith("C") else put) for symbol in SYMBOLS}
            snapshots.append(Snapshot(time=instant, spot={"BTC": SPOT}, tickers=tickers))
            instant += STEP
    return ReplayMarket(sim_config(), snapshots)


@dataclass
class TradedCycle:
    cycle: Cycle
    session: SessionRecord


async def trade_history(tmp_path: Path) -> list[TradedCycle]:
    """Run every cycle through the engine (journal in tmp_path/engine.db) and return what each produced."""
    h = await build_harness(tmp_path, start=START, market=scripted_market())
    traded = []
    try:
        for cycle in CYCLES:
            if cycle.mode != h.engine.mode:
                await h.restart_engine(mode=cycle.mode)
            # The engine is idle between cycles: jump the replayed clock, then move it second by second.
            await h.clock.advance_to(cycle.armed_at)
            await h.quiesce()
            armed = await h.engine.arm(Arm(config=cycle.config, enter_now=True))
            assert armed.status == "waiting", armed
            if cycle.stop_after is not None:
                stop_at = cycle.armed_at + timedelta(seconds=cycle.stop_after)
                await h.run_until(lambda at=stop_at: h.clock.now() >= at)
                assert h.state() == "live", (cycle.name, h.state())
                await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
            await h.run_until(lambda: h.engine.session is None, max_seconds=900)
            session = h.engine.last_session
            assert session is not None
            assert (cycle.name, session.exit_reason) == (cycle.name, cycle.exit_reason), session.exit_detail
            traded.append(TradedCycle(cycle, session))
    finally:
        await h.close()
    return traded
