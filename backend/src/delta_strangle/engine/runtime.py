"""The runtime snapshot: everything the operator sees live, built from engine state without changing it.

The payoff ladder and spot levels are not repeated here: `GET /api/trading/risk-snapshot` draws them from the
same session (see `engine/views.py`). Limits and their distances come from `engine/limits.py`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from delta_strangle.domain.entry_limits import entries_stopped
from delta_strangle.domain.exits import fresh_mark
from delta_strangle.domain.pnl import leg_pnl
from delta_strangle.domain.session import SessionState
from delta_strangle.domain.strikes import distance_from_spot_pct
from delta_strangle.domain.trailing import giveback_armed
from delta_strangle.engine.limits import LimitView, session_limits
from delta_strangle.engine.log_context import on_current_session
from delta_strangle.engine.records import LegRecord, SessionRecord

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine

logger = logging.getLogger(__name__)
PCT = Decimal("0.01")


class ScheduleView(BaseModel):
    trading_date: str | None = None
    entry_at: datetime | None = None
    time_to_entry_seconds: float | None = None
    latest_entry_at: datetime | None = None
    time_to_latest_entry_seconds: float | None = None
    exit_at: datetime | None = None
    time_to_exit_seconds: float | None = None
    settlement_at: datetime | None = None
    time_to_settlement_seconds: float | None = None
    expiry_guard_at: datetime | None = None
    time_to_expiry_guard_seconds: float | None = None


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
    pnl_pct_of_premium: Decimal | None = None
    fees_usd: Decimal
    distance_from_spot_pct: Decimal | None
    entry_delta: float | None
    delta: float | None = None
    mark_iv: float | None = None


class AlertView(BaseModel):
    """Something the operator should know now: `code` is stable, `message` is for people, `details` for both."""

    code: str
    level: str
    message: str
    details: dict[str, Any] = {}


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
    alerts: list[AlertView] = []
    job_running: bool
    last_session_id: int | None


def _seconds(until: datetime | None, now: datetime) -> float | None:
    return None if until is None else round((until - now).total_seconds(), 3)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def build_snapshot(engine: TradingEngine) -> RuntimeSnapshot:
    """Describe the engine now (read-only: nothing here writes to engine or session state)."""
    try:
        return _build(engine)
    except Exception as exc:
        # The engine publishes inside state transitions: a display bug must never interrupt trading.
        with on_current_session(engine):  # also when a request asked for it: the line is about the session
            logger.exception("runtime snapshot failed", extra={"event": "runtime_snapshot_failed"})
        session = engine.session
        return RuntimeSnapshot(
            generated_at=engine.clock.now(), engine_running=engine.running,
            status=session.state.value if session else "idle", mode=engine.mode, armed=session is not None,
            session_id=session.id if session else None, profile_name=None, profile_id=None, config_version=None,
            schedule=ScheduleView(), legs=[], totals={}, limits=[], trailing={}, spot={}, quotes_fresh=False,
            max_quote_age_seconds=None, exit_reason=None, exit_detail=None, halt_reason=None, halt_views=None,
            warnings=[f"runtime snapshot unavailable: {type(exc).__name__}"],
            alerts=[AlertView(code="snapshot_error", level="error", message="runtime snapshot unavailable: see logs")],
            job_running=False, last_session_id=None,
        )


def _build(engine: TradingEngine) -> RuntimeSnapshot:
    now = engine.clock.now()
    session = engine.session or engine.last_session
    current = engine.session
    if session is None:
        return RuntimeSnapshot(
            generated_at=now, engine_running=engine.running, status="idle", mode=engine.mode, armed=False,
            session_id=None, profile_name=None, profile_id=None, config_version=None, schedule=ScheduleView(),
            legs=[], totals={}, limits=[], trailing={}, spot=_spot({}, engine, now), quotes_fresh=True,
            max_quote_age_seconds=None, exit_reason=None, exit_detail=None, halt_reason=None, halt_views=None,
            warnings=list(engine.warnings.values()), job_running=False, last_session_id=None,
        )
    exits = session.config.exits
    max_age = timedelta(seconds=exits.stale_quote_seconds)
    ordered = sorted(session.legs.values(), key=lambda leg: leg.kind.value)
    marks = {leg.symbol: fresh_mark(engine.quotes.get(leg.symbol), now, max_age) for leg in ordered}
    legs = [_leg_view(engine, leg, marks[leg.symbol], now) for leg in ordered]
    ages = [leg.quote_age_seconds for leg in legs if leg.size != 0 and leg.quote_age_seconds is not None]
    fresh = all(leg.quote_fresh for leg in legs if leg.size != 0)
    plan = session.plan
    guard_at = session.settlement_at - timedelta(minutes=exits.expiry_guard_minutes) if session.settlement_at else None
    # Earlier sessions' net today, as the engine read it when this one went live (the daily loss cap's base).
    prior_today = engine.prior_today if current is not None else Decimal(0)
    alerts = _alerts(engine, session, legs) if current is not None else []
    alerts.extend(_failed_entry_alerts(session, current=current is not None))
    return RuntimeSnapshot(
        generated_at=now, engine_running=engine.running,
        status=session.state.value if current is not None else "idle", mode=session.mode,
        armed=current is not None and session.rearm, session_id=session.id, profile_name=session.profile_name,
        profile_id=session.profile_id, config_version=session.config_version,
        schedule=ScheduleView(
            trading_date=plan.trading_date.isoformat() if plan else None,
            entry_at=plan.entry_at if plan else None,
            time_to_entry_seconds=_seconds(plan.entry_at, now) if plan else None,
            latest_entry_at=plan.latest_entry_at if plan else None,
            time_to_latest_entry_seconds=_seconds(plan.latest_entry_at, now) if plan else None,
            exit_at=plan.exit_at if plan else None,
            time_to_exit_seconds=_seconds(plan.exit_at, now) if plan else None, settlement_at=session.settlement_at,
            time_to_settlement_seconds=_seconds(session.settlement_at, now),
            expiry_guard_at=guard_at, time_to_expiry_guard_seconds=_seconds(guard_at, now),
        ),
        legs=legs, totals=dict(session.pnl),
        limits=session_limits(session, now, marks, prior_today) if current is not None else [],
        trailing=_trailing(session),
        spot=_spot(session.spot, engine, now),
        quotes_fresh=fresh, max_quote_age_seconds=max(ages) if ages else None,
        exit_reason=session.exit_reason, exit_detail=session.exit_detail, halt_reason=session.halt_reason,
        halt_views=session.halt_views, warnings=_warnings(engine, alerts), alerts=alerts,
        job_running=engine.job_active, last_session_id=engine.last_session.id if engine.last_session else None,
    )


def _leg_view(engine: TradingEngine, leg: LegRecord, mark: Decimal | None, now: datetime) -> LegView:
    quote = engine.quotes.get(leg.symbol)
    pnl = leg_pnl(leg.position, mark) if (mark is not None or not leg.position.is_open) else None
    pct = None if pnl is None or pnl.net_pct_of_premium is None else pnl.net_pct_of_premium.quantize(PCT)
    spot = engine.quotes.spot
    greeks = quote.greeks if quote else None
    return LegView(
        kind=leg.kind.value, symbol=leg.symbol, strike=leg.contract.strike, expiry=leg.contract.expiry.isoformat(),
        target_size=leg.target_size, size=leg.position.size, entry_price=leg.position.avg_entry_price,
        exit_price=leg.exit_price, bid=quote.best_bid if quote else None, ask=quote.best_ask if quote else None,
        mark=quote.mark_price if quote else None, quote_age_seconds=engine.quotes.age_seconds(leg.symbol, now),
        quote_fresh=mark is not None, pnl_usd=None if pnl is None else pnl.net_usd,
        pnl_pct_of_premium=pct,
        fees_usd=leg.position.fees_usd,
        distance_from_spot_pct=(distance_from_spot_pct(leg.contract.strike, spot).quantize(PCT)
                                if spot else leg.distance_from_spot_pct),
        entry_delta=leg.entry_delta, delta=greeks.delta if greeks else None, mark_iv=quote.mark_iv if quote else None,
    )


def _trailing(session: SessionRecord) -> dict[str, str | bool | None]:
    exits, risk = session.config.exits, session.risk
    peak = risk.peak_net_pct
    upcoming = [s for s in exits.trailing_steps if peak is None or s.trigger_profit_pct > peak]
    step = upcoming[0] if upcoming else None
    return {
        "peak_net_pct": _text(peak), "floor_pct": _text(risk.floor_pct),
        "max_drawdown_pct": _text(risk.max_drawdown_pct), "giveback_armed": giveback_armed(risk, exits),
        "next_step_trigger_pct": _text(step.trigger_profit_pct) if step else None,
        "next_step_lock_pct": _text(step.lock_profit_pct) if step else None,
    }


def _spot(recorded: dict[str, Any], engine: TradingEngine, now: datetime) -> dict[str, str | None]:
    spot_at = engine.quotes.spot_at
    return {
        **{key: (None if value is None else str(value)) for key, value in recorded.items()},
        "now": _text(engine.quotes.spot),
        "as_of": spot_at.isoformat() if spot_at else None,
        "age_seconds": None if spot_at is None else str(round(max(0.0, (now - spot_at).total_seconds()), 3)),
    }


def _alerts(engine: TradingEngine, session: SessionRecord, legs: list[LegView]) -> list[AlertView]:
    alerts: list[AlertView] = []
    state = session.state
    if state is SessionState.HALTED:
        views = session.halt_views or {}
        alerts.append(AlertView(
            code="halted", level="error",
            message=f"halted: {session.halt_reason}; engine {views.get('journal')} vs exchange {views.get('exchange')}",
            details={"reason": session.halt_reason, "engine": views.get("journal"),
                     "exchange": views.get("exchange"), "previous_state": views.get("previous_state")},
        ))
    done = [leg for leg in legs if abs(leg.size) >= abs(leg.target_size) > 0]
    if state is SessionState.ENTERING and done and len(done) < len(legs):
        # One leg complete, the other not: it has the legging timeout to catch up, else the filled part unwinds.
        filled = ", ".join(f"{leg.symbol} {abs(leg.size)}/{abs(leg.target_size)}" for leg in legs)
        timeout = session.config.execution.legging_timeout_seconds
        alerts.append(AlertView(
            code="legging", level="warning",
            message=f"legging: one leg is filled and the other is not ({filled}); unwind after {timeout} s",
            details={"filled": {leg.symbol: abs(leg.size) for leg in legs}, "legging_timeout_seconds": timeout},
        ))
    stale = [leg.symbol for leg in legs if leg.size != 0 and not leg.quote_fresh]
    if stale:
        alerts.append(AlertView(code="stale_quotes", level="warning",
                                message=f"no fresh quote for {', '.join(stale)}: price exits are paused",
                                details={"symbols": stale}))
    if state.may_hold_positions and engine.quotes.spot is None:
        alerts.append(AlertView(code="spot_unknown", level="warning", message="no spot price received yet"))
    if not session.rearm and state is SessionState.LIVE:
        alerts.append(AlertView(code="disarmed_monitoring", level="info",
                                message="stopped with keep-monitoring: exits still run; no new cycle afterwards"))
    return alerts


def _failed_entry_alerts(session: SessionRecord, *, current: bool) -> list[AlertView]:
    """Failed entries in a row: a warning while the profile is armed, an error once they stopped it."""
    limits, count = session.config.entry_limits, session.failed_entries_in_row
    limit = limits.max_consecutive_failed_entries
    if count == 0 or limit is None:
        return []
    details: dict[str, Any] = {"failed_entries_in_row": count, "max_consecutive_failed_entries": limit}
    if not current:
        details["last_exit_reason"] = session.exit_reason
        if not (entries_stopped(limits, count) and not session.rearm and session.config.schedule.repeat_daily):
            return []
        return [AlertView(
            code="entries_stopped", level="error",
            message=(f"{session.profile_name} is no longer armed: {count} failed entries in a row (limit {limit}), "
                     f"the last {session.exit_reason}: {session.exit_detail}. Arm it again to resume."),
            details=details,
        )]
    if not session.rearm:
        return []
    return [AlertView(
        code="failed_entries", level="warning",
        message=(f"{count} failed {'entry' if count == 1 else 'entries'} in a row: the profile stops being armed "
                 f"after {limit}"),
        details=details,
    )]


def _warnings(engine: TradingEngine, alerts: list[AlertView]) -> list[str]:
    """The engine's own warnings, then each alert the engine did not already state."""
    messages = list(engine.warnings.values())
    messages.extend(alert.message for alert in alerts if alert.code not in engine.warnings)
    return messages
