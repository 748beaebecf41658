"""Every exit limit of a session with its distance to trigger, as the runtime snapshot shows it (read-only).

Limits are listed in the exit rules' precedence (`domain/exits.py`). Each is stated in the unit its rule
compares: net % of premium (with the same level in USD), the day's net in USD, a leg's mark against its entry
price, or an instant. A distance is signed so that a positive value is room left and zero or less means the
rule fires (the rules compare inclusively); `breached` says so. Nothing here decides an exit: the domain does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel

from delta_strangle.domain.config import ExitConfig, SurvivorPolicy
from delta_strangle.domain.trailing import giveback_armed
from delta_strangle.engine.records import LegRecord, SessionRecord

HUNDRED = Decimal(100)
PCT = Decimal("0.0001")


class LimitView(BaseModel):
    """One exit limit; `basis` names its unit: net_pct_of_premium, day_net_usd, leg_mark or time."""

    name: str
    basis: str
    symbol: str | None = None
    armed: bool = True
    breached: bool = False
    trigger_pct: Decimal | None = None
    current_pct: Decimal | None = None
    distance_pct: Decimal | None = None
    trigger_usd: Decimal | None = None
    current_usd: Decimal | None = None
    distance_usd: Decimal | None = None
    trigger_price: Decimal | None = None
    current_price: Decimal | None = None
    distance_price: Decimal | None = None
    trigger_at: datetime | None = None
    distance_seconds: float | None = None
    detail: str = ""


def _figure(pnl: Mapping[str, object], key: str) -> Decimal | None:
    value = pnl.get(key)
    return None if value is None else Decimal(str(value))


def _signed(trigger: Decimal | None, current: Decimal | None, *, upward: bool) -> Decimal | None:
    if trigger is None or current is None:
        return None
    return trigger - current if upward else current - trigger


def _net_limit(name: str, trigger_pct: Decimal | None, pnl: Mapping[str, object], *, upward: bool, detail: str,
               armed: bool = True) -> LimitView:
    current_pct, current_usd = _figure(pnl, "net_pct_of_premium"), _figure(pnl, "net_usd")
    premium = _figure(pnl, "premium_collected_usd")
    trigger_usd = None if trigger_pct is None or not premium else trigger_pct * premium / HUNDRED
    distance = _signed(trigger_pct, current_pct, upward=upward)
    return LimitView(
        name=name, basis="net_pct_of_premium", armed=armed, breached=armed and distance is not None and distance <= 0,
        trigger_pct=trigger_pct, current_pct=current_pct, distance_pct=distance, trigger_usd=trigger_usd,
        current_usd=current_usd, distance_usd=_signed(trigger_usd, current_usd, upward=upward), detail=detail,
    )


def _time_limit(name: str, at: datetime, now: datetime, detail: str) -> LimitView:
    seconds = round((at - now).total_seconds(), 3)
    return LimitView(name=name, basis="time", breached=seconds <= 0, trigger_at=at, distance_seconds=seconds,
                     detail=detail)


def _mark_limit(name: str, leg: LegRecord, trigger_pct: Decimal, mark: Decimal | None, detail: str) -> LimitView:
    entry = leg.position.avg_entry_price
    trigger_price = entry * trigger_pct / HUNDRED
    current_pct = None if mark is None or not entry else (mark / entry * HUNDRED).quantize(PCT)
    distance_price = _signed(trigger_price, mark, upward=True)
    return LimitView(
        name=name, basis="leg_mark", symbol=leg.symbol, breached=distance_price is not None and distance_price <= 0,
        trigger_pct=trigger_pct, current_pct=current_pct, distance_pct=_signed(trigger_pct, current_pct, upward=True),
        trigger_price=trigger_price, current_price=mark, distance_price=distance_price, detail=detail,
    )


def _daily_cap(cap: Decimal, pnl: Mapping[str, object], prior_net_today_usd: Decimal) -> LimitView:
    net_usd, premium = _figure(pnl, "net_usd"), _figure(pnl, "premium_collected_usd")
    current = None if net_usd is None else prior_net_today_usd + net_usd
    distance = _signed(-cap, current, upward=False)
    # The same level as a percent of this session's premium: the session net at which the day reaches -cap.
    trigger_pct = ((-cap - prior_net_today_usd) / premium * HUNDRED).quantize(PCT) if premium else None
    current_pct = _figure(pnl, "net_pct_of_premium")
    return LimitView(
        name="daily_loss_cap", basis="day_net_usd", breached=distance is not None and distance <= 0,
        trigger_usd=-cap, current_usd=current, distance_usd=distance, trigger_pct=trigger_pct,
        current_pct=current_pct, distance_pct=_signed(trigger_pct, current_pct, upward=False),
        detail=f"earlier sessions today netted {prior_net_today_usd} USD; the day may lose at most {cap} USD",
    )


def session_limits(session: SessionRecord, now: datetime, marks: Mapping[str, Decimal | None],
                   prior_net_today_usd: Decimal) -> list[LimitView]:
    """List the session's limits with their distance to trigger; `marks` holds each leg's fresh mark or None."""
    exits: ExitConfig = session.config.exits
    risk, pnl = session.risk, session.pnl
    views: list[LimitView] = []
    if session.settlement_at is not None:
        guard_at = session.settlement_at - timedelta(minutes=exits.expiry_guard_minutes)
        views.append(_time_limit("expiry_guard", guard_at, now,
                                 f"{exits.expiry_guard_minutes} min before settlement"))
    if session.plan is not None:
        views.append(_time_limit("time_exit", session.plan.exit_at, now, "planned exit time"))
    if exits.daily_loss_cap_usd is not None:
        views.append(_daily_cap(exits.daily_loss_cap_usd, pnl, prior_net_today_usd))
    if exits.max_loss_pct is not None:
        views.append(_net_limit("max_loss", -exits.max_loss_pct, pnl, upward=False,
                                detail=f"net loss of {exits.max_loss_pct} % of premium"))
    shorts = [leg for leg in sorted(session.open_legs, key=lambda leg: leg.kind.value) if leg.position.is_short]
    if exits.leg_stop_pct is not None:
        views.extend(
            _mark_limit("leg_stop", leg, exits.leg_stop_pct, marks.get(leg.symbol),
                        f"mark at {exits.leg_stop_pct} % of the leg's entry price")
            for leg in shorts if leg.symbol not in risk.stopped_legs
        )
    if exits.leg_stop_survivor is SurvivorPolicy.BREAK_EVEN and risk.stopped_legs:
        views.extend(
            _mark_limit("break_even_stop", leg, HUNDRED, marks.get(leg.symbol),
                        "the other leg was stopped: this one closes back at its entry price")
            for leg in shorts if leg.symbol not in risk.stopped_legs
        )
    if exits.max_profit_pct is not None:
        views.append(_net_limit("max_profit", exits.max_profit_pct, pnl, upward=True,
                                detail=f"net profit of {exits.max_profit_pct} % of premium"))
    if exits.trailing_steps or risk.floor_pct is not None:
        detail = "floor locked by the trailing steps" if risk.floor_pct is not None else "no step reached yet"
        views.append(_net_limit("trailing_floor", risk.floor_pct, pnl, upward=False, detail=detail,
                                armed=risk.floor_pct is not None))
    if exits.giveback_activate_pct is not None and exits.giveback_points_pct is not None:
        armed = giveback_armed(risk, exits) and risk.peak_net_pct is not None
        trigger = risk.peak_net_pct - exits.giveback_points_pct if armed and risk.peak_net_pct is not None else None
        detail = (f"{exits.giveback_points_pct} points below the peak" if armed
                  else f"arms once the peak reaches {exits.giveback_activate_pct} %")
        views.append(_net_limit("giveback", trigger, pnl, upward=False, detail=detail, armed=armed))
    return views
