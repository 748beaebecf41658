"""The runtime snapshot: everything the operator sees live, built from engine state without changing it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel

from delta_strangle.domain.exits import fresh_mark
from delta_strangle.domain.pnl import leg_pnl
from delta_strangle.domain.strikes import distance_from_spot_pct
from delta_strangle.domain.trailing import giveback_armed
from delta_strangle.engine.records import SessionRecord

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine


class ScheduleView(BaseModel):
    trading_date: str | None = None
    entry_at: datetime | None = None
    time_to_entry_seconds: float | None = None
    latest_entry_at: datetime | None = None
    exit_at: datetime | None = None
    time_to_exit_seconds: float | None = None
    settlement_at: datetime | None = None
    expiry_guard_at: datetime | None = None


class LegView(BaseModel):
    kind: str
    symbol: str
    strike: Decimal
    expiry: str
    target_size: int
    size: int
    entry_price: Decimal
    exit_price: Decimal | None
    bid: Decimal | None
    ask: Decimal | None
    mark: Decimal | None
    quote_age_seconds: float | None
    quote_fresh: bool
    pnl_usd: Decimal | None
    fees_usd: Decimal
    distance_from_spot_pct: Decimal | None
    entry_delta: float | None


class LimitView(BaseModel):
    name: str
    trigger_pct: Decimal | None
    current_pct: Decimal | None
    distance_pct: Decimal | None


class RuntimeSnapshot(BaseModel):
    """GET /api/trading/runtime and every message of the stream."""

    generated_at: datetime
    engine_running: bool
    status: str
    mode: str
    armed: bool
    session_id: int | None
    profile_name: str | None
    profile_id: int | None
    config_version: int | None
    schedule: ScheduleView
    legs: list[LegView]
    totals: dict[str, str | None]
    limits: list[LimitView]
    trailing: dict[str, str | bool | None]
    spot: dict[str, str | None]
    quotes_fresh: bool
    max_quote_age_seconds: float | None
    exit_reason: str | None
    exit_detail: str | None
    halt_reason: str | None
    halt_views: dict[str, object] | None
    warnings: list[str]
    job_running: bool
    last_session_id: int | None


def _seconds(until: datetime | None, now: datetime) -> float | None:
    return None if until is None else round((until - now).total_seconds(), 3)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def build_snapshot(engine: TradingEngine) -> RuntimeSnapshot:
    """Describe the engine now (read-only: nothing here writes to engine or session state)."""
    now = engine.clock.now()
    session = engine.session or engine.last_session
    current = engine.session
    if session is None:
        return RuntimeSnapshot(
            generated_at=now, engine_running=engine.running, status="idle", mode=engine.mode, armed=False,
            session_id=None, profile_name=None, profile_id=None, config_version=None, schedule=ScheduleView(),
            legs=[], totals={}, limits=[], trailing={}, spot={}, quotes_fresh=True, max_quote_age_seconds=None,
            exit_reason=None, exit_detail=None, halt_reason=None, halt_views=None,
            warnings=list(engine.warnings.values()), job_running=False, last_session_id=None,
        )
    exits = session.config.exits
    max_age = timedelta(seconds=exits.stale_quote_seconds)
    legs = [_leg_view(engine, session, kind, now, max_age) for kind in sorted(session.legs, key=lambda k: k.value)]
    ages = [leg.quote_age_seconds for leg in legs if leg.size != 0 and leg.quote_age_seconds is not None]
    fresh = all(leg.quote_fresh for leg in legs if leg.size != 0)
    plan = session.plan
    guard_at = session.settlement_at - timedelta(minutes=exits.expiry_guard_minutes) if session.settlement_at else None
    net_pct = session.pnl.get("net_pct_of_premium")
    current_pct = Decimal(net_pct) if net_pct is not None else None
    risk = session.risk
    return RuntimeSnapshot(
        generated_at=now, engine_running=engine.running,
        status=session.state.value if current is not None else "idle", mode=session.mode,
        armed=current is not None and session.rearm, session_id=session.id, profile_name=session.profile_name,
        profile_id=session.profile_id, config_version=session.config_version,
        schedule=ScheduleView(
            trading_date=plan.trading_date.isoformat() if plan else None,
            entry_at=plan.entry_at if plan else None,
            time_to_entry_seconds=_seconds(plan.entry_at, now) if plan else None,
            latest_entry_at=plan.latest_entry_at if plan else None, exit_at=plan.exit_at if plan else None,
            time_to_exit_seconds=_seconds(plan.exit_at, now) if plan else None, settlement_at=session.settlement_at,
            expiry_guard_at=guard_at,
        ),
        legs=legs, totals=dict(session.pnl),
        limits=_limits(session, current_pct),
        trailing={
            "peak_net_pct": _text(risk.peak_net_pct), "floor_pct": _text(risk.floor_pct),
            "max_drawdown_pct": _text(risk.max_drawdown_pct), "giveback_armed": giveback_armed(risk, exits),
        },
        spot={**{k: (None if v is None else str(v)) for k, v in session.spot.items()},
              "now": _text(engine.quotes.spot)},
        quotes_fresh=fresh, max_quote_age_seconds=max(ages) if ages else None,
        exit_reason=session.exit_reason, exit_detail=session.exit_detail, halt_reason=session.halt_reason,
        halt_views=session.halt_views, warnings=list(engine.warnings.values()),
        job_running=engine._job is not None, last_session_id=engine.last_session.id if engine.last_session else None,
    )


def _leg_view(engine: TradingEngine, session: SessionRecord, kind: object, now: datetime,
              max_age: timedelta) -> LegView:
    leg = session.legs[kind]  # type: ignore[index]
    quote = engine.quotes.get(leg.symbol)
    mark = fresh_mark(quote, now, max_age)
    pnl = leg_pnl(leg.position, mark).net_usd if (mark is not None or not leg.position.is_open) else None
    spot = engine.quotes.spot
    return LegView(
        kind=leg.kind.value, symbol=leg.symbol, strike=leg.contract.strike, expiry=leg.contract.expiry.isoformat(),
        target_size=leg.target_size, size=leg.position.size, entry_price=leg.position.avg_entry_price,
        exit_price=leg.exit_price, bid=quote.best_bid if quote else None, ask=quote.best_ask if quote else None,
        mark=quote.mark_price if quote else None, quote_age_seconds=engine.quotes.age_seconds(leg.symbol, now),
        quote_fresh=mark is not None, pnl_usd=pnl, fees_usd=leg.position.fees_usd,
        distance_from_spot_pct=(distance_from_spot_pct(leg.contract.strike, spot).quantize(Decimal("0.01"))
                                if spot else leg.distance_from_spot_pct),
        entry_delta=leg.entry_delta,
    )


def _limits(session: SessionRecord, current: Decimal | None) -> list[LimitView]:
    exits = session.config.exits
    rows: list[tuple[str, Decimal | None, bool]] = [
        ("max_loss", -exits.max_loss_pct if exits.max_loss_pct is not None else None, False),
        ("max_profit", exits.max_profit_pct, True),
        ("trailing_floor", session.risk.floor_pct, False),
    ]
    if exits.giveback_points_pct is not None and session.risk.peak_net_pct is not None:
        rows.append(("giveback", session.risk.peak_net_pct - exits.giveback_points_pct, False))
    views = []
    for name, trigger, upward in rows:
        distance = None
        if trigger is not None and current is not None:
            distance = (trigger - current) if upward else (current - trigger)
        views.append(LimitView(name=name, trigger_pct=trigger, current_pct=current, distance_pct=distance))
    return views
