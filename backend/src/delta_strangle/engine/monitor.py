"""What watches the current session between commands: clock ticks and exit evaluation.

A tick flushes coalesced journal figures, beats the exchange's deadman while positions are open, starts the
entry at its time (or rolls a missed one to the next day) and, while live, refreshes quotes by REST when the
stream has nothing fresh. Exits are evaluated on every fresh quote and every tick; a decision starts the exit job.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from delta_strangle.domain.exits import evaluate_exits
from delta_strangle.domain.session import SessionState
from delta_strangle.engine import entry, lifecycle
from delta_strangle.engine.records import SessionRecord, pnl_figures
from delta_strangle.engine.scheduling import plan_after, wants_entry
from delta_strangle.exchange.errors import ExchangeError

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine


async def on_tick(engine: TradingEngine) -> None:
    """Handle one clock tick (see the module docstring)."""
    session, now = engine.session, engine.clock.now()
    await engine.journal.flush_if_due()
    if session is None:
        return
    await engine.deadman.beat(bool(session.open_legs) or engine.job_active)
    if session.state is SessionState.WAITING and not engine.job_active:
        decision = wants_entry(session, now)
        if decision == "enter":
            engine.start_job(lambda abort: entry.run_entry(engine, session, abort))
        elif decision == "missed":
            await _roll_to_next_day(engine, session, "entry window closed before entry (late-entry guard)")
    elif session.state is SessionState.LIVE:
        await _rest_fallback(engine, session)
        await evaluate(engine)


async def evaluate(engine: TradingEngine) -> None:
    """Run the exit rules on the live session's legs; start the exit job when one fires."""
    session = engine.session
    if session is None or session.state is not SessionState.LIVE or engine.job_active:
        return
    assert session.plan is not None
    assert session.settlement_at is not None
    now = engine.clock.now()
    result = evaluate_exits(
        [leg.position for leg in session.legs.values()], engine.quotes.quotes, now, session.config.exits,
        session.risk, exit_at=session.plan.exit_at, settlement_at=session.settlement_at,
        prior_net_today_usd=engine.prior_today,
    )
    session.risk = result.state
    if result.pnl is not None:
        engine.last_pnl = result.pnl
        session.pnl = pnl_figures(result.pnl)
        _track_spot(engine, session)
    await _note_staleness(engine, session, result.stale_symbols)
    engine.journal.mark_dirty(session)
    if result.decision is not None:
        decision = result.decision
        trigger = lifecycle.Trigger(
            reason=decision.reason.value, detail=decision.detail, symbols=decision.close_symbols,
            also=tuple(r.value for r in decision.also_triggered),
        )
        # Nothing else is written here: the exit job journals the trigger once its closing orders are out.
        engine.start_job(lambda abort: lifecycle.run_exit(engine, session, trigger.reason, trigger.detail,
                                                          trigger.symbols, abort, trigger=trigger))


async def _note_staleness(engine: TradingEngine, session: SessionRecord, stale: tuple[str, ...]) -> None:
    warnings = engine.warnings
    if stale and "stale_quotes" not in warnings:
        warnings["stale_quotes"] = f"no fresh quote for {', '.join(stale)}: price exits are paused"
        await engine.journal.event(session.id, "quotes_stale", warnings["stale_quotes"], level="warning")
    elif not stale and "stale_quotes" in warnings:
        del warnings["stale_quotes"]
        await engine.journal.event(session.id, "quotes_fresh", "quotes are fresh again")


async def _rest_fallback(engine: TradingEngine, session: SessionRecord) -> None:
    max_age = timedelta(seconds=session.config.exits.stale_quote_seconds)
    for leg in session.open_legs:
        if engine.quotes.fresh(leg.symbol, engine.clock.now(), max_age / 2) is None:
            with contextlib.suppress(ExchangeError):
                engine.quotes.update(await engine.exchange.get_quote(leg.symbol))


def _track_spot(engine: TradingEngine, session: SessionRecord) -> None:
    spot = engine.quotes.spot
    if spot is None:
        return
    text = format(spot, "f")
    session.spot["last"] = text
    high, low = session.spot.get("high"), session.spot.get("low")
    session.spot["high"] = text if high is None else format(max(spot, Decimal(high)), "f")
    session.spot["low"] = text if low is None else format(min(spot, Decimal(low)), "f")


async def _roll_to_next_day(engine: TradingEngine, session: SessionRecord, why: str) -> None:
    assert session.plan is not None
    session.plan = plan_after(session.config.schedule, session.plan, engine.clock.now())
    session.enter_now = False
    await engine.journal.save_now(session)
    await engine.journal.event(session.id, "entry_window_missed", f"{why}; next entry {session.plan.entry_at}",
                               level="warning")
