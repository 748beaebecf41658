"""Exit rules as one pure function over the legs, fresh quotes, the time and the risk state.

Rules are checked in this order and the first that fires names the exit; every other rule that fired on the
same tick is listed too. Time rules come first and need no prices; every price rule needs a fresh mark on
every open leg, and none of them fires on a stale one.

    expiry_guard > time_exit > [stale gate] > daily_loss_cap > max_loss > leg_stop > break_even_stop
    > max_profit > trailing_floor > giveback
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import ExitConfig, SurvivorPolicy
from delta_strangle.domain.market import Quote
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason
from delta_strangle.domain.pnl import StranglePnl, strangle_pnl
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.trailing import RiskState, advance, giveback_armed

HUNDRED = Decimal(100)


class ExitReason(StrEnum):
    EXPIRY_GUARD = "expiry_guard"
    TIME_EXIT = "time_exit"
    DAILY_LOSS_CAP = "daily_loss_cap"
    MAX_LOSS = "max_loss"
    LEG_STOP = "leg_stop"
    BREAK_EVEN_STOP = "break_even_stop"
    MAX_PROFIT = "max_profit"
    TRAILING_FLOOR = "trailing_floor"
    GIVEBACK = "giveback"


class ExitDecision(BaseModel):
    """Close `close_symbols` because of `reason`; `also_triggered` lists other rules that fired on this tick."""

    model_config = ConfigDict(frozen=True)

    reason: ExitReason
    close_symbols: tuple[str, ...]
    detail: str
    also_triggered: tuple[ExitReason, ...] = ()


class Evaluation(BaseModel):
    """What one tick decided, the risk state to persist, the PnL seen, and which legs lacked a fresh mark."""

    model_config = ConfigDict(frozen=True)

    decision: ExitDecision | None
    state: RiskState
    pnl: StranglePnl | None
    stale_symbols: tuple[str, ...] = ()


def fresh_mark(quote: Quote | None, now: datetime, max_age: timedelta) -> Decimal | None:
    """Return the quote's mark (or mid when no mark) if it is fresh, else None."""
    if quote is None or not quote.is_fresh(now, max_age):
        return None
    return quote.mark_price if quote.mark_price is not None else quote.mid


def daily_cap_blocks_entry(exits: ExitConfig, prior_net_today_usd: Decimal) -> NoTrade | None:
    """Refuse a new entry once the profile's earlier sessions today have lost the daily cap."""
    cap = exits.daily_loss_cap_usd
    if cap is not None and prior_net_today_usd <= -cap:
        return NoTrade(
            reason=NoTradeReason.DAILY_LOSS_CAP_REACHED,
            detail=f"today's net {prior_net_today_usd} USD has reached the daily loss cap of {cap} USD",
        )
    return None


def evaluate_exits(
    legs: Sequence[LegPosition],
    quotes: Mapping[str, Quote],
    now: datetime,
    exits: ExitConfig,
    state: RiskState,
    *,
    exit_at: datetime,
    settlement_at: datetime,
    prior_net_today_usd: Decimal = Decimal(0),
) -> Evaluation:
    """Decide whether to close anything now, and return the updated risk state."""
    open_legs = [leg for leg in legs if leg.is_open]
    all_open = tuple(leg.symbol for leg in open_legs)
    if not open_legs:
        return Evaluation(decision=None, state=state, pnl=None)
    fired: list[tuple[ExitReason, tuple[str, ...], str]] = []
    guard_at = settlement_at - timedelta(minutes=exits.expiry_guard_minutes)
    if now >= guard_at:
        detail = f"{exits.expiry_guard_minutes} min before settlement at {settlement_at.isoformat()}"
        fired.append((ExitReason.EXPIRY_GUARD, all_open, detail))
    if now >= exit_at:
        fired.append((ExitReason.TIME_EXIT, all_open, f"planned exit time {exit_at.isoformat()} reached"))

    max_age = timedelta(seconds=exits.stale_quote_seconds)
    marks = {leg.symbol: fresh_mark(quotes.get(leg.symbol), now, max_age) for leg in open_legs}
    stale = tuple(symbol for symbol, mark in marks.items() if mark is None)
    if stale:
        return Evaluation(decision=_decide(fired), state=state, pnl=None, stale_symbols=stale)

    fresh = {symbol: mark for symbol, mark in marks.items() if mark is not None}
    pnl = strangle_pnl(legs, fresh)
    net_pct = pnl.net_pct_of_premium
    if net_pct is not None:
        state = advance(state, net_pct, exits)
    fired.extend(_price_rules(open_legs, fresh, exits, state, pnl, prior_net_today_usd))
    decision = _decide(fired)
    if decision is not None and decision.reason is ExitReason.LEG_STOP:
        state = state.with_stopped_legs(decision.close_symbols)
    return Evaluation(decision=decision, state=state, pnl=pnl)


def _price_rules(
    open_legs: Sequence[LegPosition],
    marks: Mapping[str, Decimal],
    exits: ExitConfig,
    state: RiskState,
    pnl: StranglePnl,
    prior_net_today_usd: Decimal,
) -> list[tuple[ExitReason, tuple[str, ...], str]]:
    all_open = tuple(leg.symbol for leg in open_legs)
    fired: list[tuple[ExitReason, tuple[str, ...], str]] = []
    cap = exits.daily_loss_cap_usd
    if cap is not None and prior_net_today_usd + pnl.net_usd <= -cap:
        day_net = prior_net_today_usd + pnl.net_usd
        fired.append((ExitReason.DAILY_LOSS_CAP, all_open, f"day net {day_net} USD reached -{cap} USD"))
    net_pct = pnl.net_pct_of_premium
    # Percent rules need a premium to be a percent of; they never compare a percent with dollars.
    if net_pct is not None and exits.max_loss_pct is not None and net_pct <= -exits.max_loss_pct:
        fired.append((ExitReason.MAX_LOSS, all_open, f"net {net_pct:.2f} % <= -{exits.max_loss_pct} %"))
    fired.extend(_leg_stops(open_legs, marks, exits, state))
    if net_pct is not None and exits.max_profit_pct is not None and net_pct >= exits.max_profit_pct:
        fired.append((ExitReason.MAX_PROFIT, all_open, f"net {net_pct:.2f} % >= {exits.max_profit_pct} %"))
    if net_pct is not None and state.floor_pct is not None and net_pct <= state.floor_pct:
        fired.append((ExitReason.TRAILING_FLOOR, all_open, f"net {net_pct:.2f} % <= floor {state.floor_pct} %"))
    if net_pct is not None and giveback_armed(state, exits) and state.peak_net_pct is not None:
        points = exits.giveback_points_pct or Decimal(0)
        if net_pct <= state.peak_net_pct - points:
            detail = f"net {net_pct:.2f} % fell {points} points below peak {state.peak_net_pct:.2f} %"
            fired.append((ExitReason.GIVEBACK, all_open, detail))
    return fired


def _leg_stops(
    open_legs: Sequence[LegPosition], marks: Mapping[str, Decimal], exits: ExitConfig, state: RiskState
) -> list[tuple[ExitReason, tuple[str, ...], str]]:
    if exits.leg_stop_pct is None:
        return []
    fired: list[tuple[ExitReason, tuple[str, ...], str]] = []
    stopped = [
        leg.symbol
        for leg in open_legs
        if leg.is_short
        and leg.symbol not in state.stopped_legs
        and marks[leg.symbol] >= leg.avg_entry_price * exits.leg_stop_pct / HUNDRED
    ]
    if stopped:
        fired.append((ExitReason.LEG_STOP, tuple(stopped), f"mark >= {exits.leg_stop_pct} % of entry"))
    if exits.leg_stop_survivor is SurvivorPolicy.BREAK_EVEN and state.stopped_legs:
        survivors = [
            leg.symbol
            for leg in open_legs
            if leg.is_short and leg.symbol not in state.stopped_legs and marks[leg.symbol] >= leg.avg_entry_price
        ]
        if survivors:
            fired.append((ExitReason.BREAK_EVEN_STOP, tuple(survivors), "survivor's mark is back at its entry price"))
    return fired


def _decide(fired: Sequence[tuple[ExitReason, tuple[str, ...], str]]) -> ExitDecision | None:
    if not fired:
        return None
    order = list(ExitReason)
    ranked = sorted(fired, key=lambda item: order.index(item[0]))
    reason, symbols, detail = ranked[0]
    others = tuple(dict.fromkeys(item[0] for item in ranked[1:] if item[0] is not reason))
    return ExitDecision(reason=reason, close_symbols=symbols, detail=detail, also_triggered=others)
