"""Start-up (and restart) reconciliation of the journal with the exchange, on our own products only.

For the account's newest open session: settle every unsettled order intent by client order id (cancel and
confirm any still open), pull fills we have not journaled, compare positions; then resume, finish an
interrupted entry or exit, or halt with both views. Older open sessions are halted: one engine runs one
session at a time, so two open ones mean something went wrong. With no open session, the account's most
recently ended session in the engine's mode becomes `last_session` (only shown: how the last cycle ended, and
whether failed entries stopped its profile), unless the engine already holds one.

Recovery runs under the engine's current-session log view (`log_context`): its lines name the session it
reconciles, lines about a superseded session name that one, and each order it settles adds its ids.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from delta_strangle.domain.exits import ExitReason
from delta_strangle.domain.session import ENTRY_INCOMPLETE, LEGGING_UNWIND, OrderPurpose, SessionState
from delta_strangle.engine import lifecycle
from delta_strangle.engine.log_context import about
from delta_strangle.engine.records import IntentRecord, IntentStatus, SessionRecord
from delta_strangle.exchange.errors import ExchangeError
from delta_strangle.logs.context import bind, bound

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine

logger = logging.getLogger(__name__)
INTERRUPTED_EXIT = "interrupted_exit"  # the reason of an exit finished by recovery when its trigger was not journaled


async def recover(engine: TradingEngine, *, resume_halted: bool = False) -> None:
    """Load the account's open sessions and reconcile the newest with the exchange (none open: load the last ended).

    A halted session stays halted on start-up; only the operator's Restart (`resume_halted`) lets a clean
    reconciliation carry it on.
    """
    sessions = await engine.journal.store.open_sessions(engine.account)
    engine.session = None
    if not sessions:
        if engine.last_session is None:  # a new process: show how the last cycle ended (read-only, nothing re-armed)
            engine.last_session = await engine.journal.store.last_ended_session(engine.account, engine.mode)
        return
    *older, current = sessions
    for stale in older:
        with about(stale, engine.mode):
            await engine.halt(stale, f"superseded by session {current.id}: two open sessions for one account")
    engine.session = current
    await engine.journal.event(current.id, "recovery_started", f"reconciling session {current.id} ({current.state})")
    if current.mode != engine.mode:
        await engine.halt(current, f"session ran in {current.mode} mode; this engine runs in {engine.mode}: "
                                   "modes never switch silently")
        return
    if current.state is SessionState.WAITING:
        return
    settled, exiting = await _settle_intents(engine, current)
    await engine.fills.collect_since(current, (current.started_at or current.created_at) - timedelta(minutes=1))
    exchange_view = await _exchange_sizes(engine, current)
    if not settled or exchange_view is None:
        await engine.halt(current, "could not settle orders or read positions during recovery",
                          exchange_view=exchange_view)
        return
    if exchange_view != current.sizes:
        await engine.halt(current, "journal and exchange disagree after recovery", exchange_view=exchange_view)
        return
    if current.state is SessionState.HALTED and not resume_halted:
        await engine.journal.event(current.id, "still_halted", "session stays halted until the operator acts",
                                   level="warning", journal=current.sizes, exchange=exchange_view)
        return
    await _resume(engine, current, exiting)


async def _settle_intents(engine: TradingEngine, session: SessionRecord) -> tuple[bool, tuple[str, ...]]:
    """Settle unsettled intents by client order id; say whether all settled, and which legs had an exit in flight.

    Today the first closing intent carries the move to `exiting` in its own transaction. Journals written by
    earlier versions could hold unsettled exit intents on a session still journaled `live` (the move was written
    after the orders went out): those mean an exit was under way when the process stopped.
    """
    intents = await engine.journal.store.intents(session.id)  # type: ignore[arg-type]
    counters: dict[str, int] = {}
    for intent in intents:
        key = f"{_kind_of(session, intent.product_id)}:{intent.purpose.value}"
        counters[key] = max(counters.get(key, 0), intent.attempt + 1)
    engine.seed_attempts(session.id, counters)  # type: ignore[arg-type]
    session.known_order_ids.update(i.exchange_order_id for i in intents if i.exchange_order_id)
    exiting = {intent.symbol for intent in intents
               if intent.status in IntentStatus.UNSETTLED and intent.purpose is OrderPurpose.EXIT}
    for intent in intents:
        if intent.status not in IntentStatus.UNSETTLED:
            continue
        with bound(client_order_id=intent.client_order_id, order_id=intent.exchange_order_id):
            if not await _settle(engine, session, intent):
                return False, ()
    return True, tuple(sorted(exiting))


async def _settle(engine: TradingEngine, session: SessionRecord, intent: IntentRecord) -> bool:
    """Settle one intent by its client order id; False when the exchange cannot say or cannot confirm a cancel."""
    try:
        order = await engine.exchange.find_order_by_client_id(intent.client_order_id)
    except ExchangeError:
        return False
    if order is None:
        intent.status = IntentStatus.NOT_PLACED
        await engine.journal.update_intent(intent)
        return True
    bind(order_id=order.order_id)  # within the caller's `bound`
    if not order.state.is_terminal:
        final = await engine.executor.cancel_confirmed(intent, order)
        if final is None:
            return False
    else:
        intent.exchange_order_id, intent.exchange_state = order.order_id, order.state.value
        intent.filled_size, intent.status = order.filled_size, IntentStatus.TERMINAL
        await engine.journal.update_intent(intent)
    await engine.journal.event(session.id, "intent_settled", f"{intent.client_order_id} settled on recovery",
                               filled=intent.filled_size, state=intent.status)
    return True


def exit_symbols(session: SessionRecord) -> tuple[str, ...]:
    """The open legs an interrupted exit was closing.

    A per-leg stop closes only the legs it stopped (the risk state names them, written with the exit's first
    intent); every other exit closes all open legs.
    """
    open_symbols = tuple(leg.symbol for leg in session.open_legs)
    if session.exit_reason == ExitReason.LEG_STOP.value:
        return tuple(symbol for symbol in open_symbols if symbol in session.risk.stopped_legs)
    return open_symbols


def _kind_of(session: SessionRecord, product_id: int) -> str:
    leg = session.leg_for_product(product_id)
    return leg.kind.value if leg else "unknown"


async def _exchange_sizes(engine: TradingEngine, session: SessionRecord) -> dict[str, int] | None:
    if not session.product_ids:
        return {}
    try:
        positions = await engine.exchange.list_positions(session.product_ids)
    except ExchangeError:
        return None
    view = {leg.symbol: 0 for leg in session.legs.values()}
    view.update({p.symbol: p.size for p in positions if p.symbol in view})
    return view


async def _resume(engine: TradingEngine, session: SessionRecord, exiting: tuple[str, ...] = ()) -> None:
    state = session.state
    if state is SessionState.HALTED:
        # A clean reconciliation lets a halted session carry on from what it holds.
        session.halt_reason = None
        if session.open_legs:
            await engine.move(session, SessionState.LIVE, "reconciled: journal and exchange agree")
        else:
            await engine.finish(session)
        return
    if state is SessionState.ENTERING:
        if all(leg.position.size == -leg.target_size for leg in session.legs.values()) and len(session.legs) == 2:
            await engine.move(session, SessionState.LIVE, "recovered: both legs had filled before the restart")
            return
        filled = any(leg.position.is_open for leg in session.legs.values())
        session.exit_reason = LEGGING_UNWIND if filled else ENTRY_INCOMPLETE
        session.exit_detail = "entry interrupted by a restart"
        await engine.journal.event(session.id, "legging_unwind", "entry interrupted by a restart: unwinding",
                                   level="error", alert=True, journal=session.sizes)
        engine.start_job(lambda abort: lifecycle.unwind(engine, session, session.exit_reason or LEGGING_UNWIND))
        return
    if state is SessionState.EXITING:
        symbols = exit_symbols(session)
        reason = session.exit_reason or "resumed_exit"
        await engine.journal.event(
            session.id, "exit_resumed", f"an exit ({reason}) was under way when the process stopped: finishing it",
            level="warning", journal=session.sizes, symbols=list(symbols),
        )
        engine.start_job(lambda abort: lifecycle.run_exit(engine, session, reason, session.exit_detail or "",
                                                          symbols, abort))
        return
    # A journal of an earlier version (see _settle_intents): finish the exit for the legs that had closing intents.
    if state is SessionState.LIVE and (exiting or not session.open_legs):
        symbols = tuple(leg.symbol for leg in session.open_legs if leg.symbol in exiting)
        if symbols or not session.open_legs:
            await engine.journal.event(
                session.id, "exit_resumed", "an exit was under way when the process stopped: finishing it",
                level="warning", journal=session.sizes, symbols=list(symbols),
            )
            session.exit_reason = session.exit_reason or INTERRUPTED_EXIT
            session.exit_detail = session.exit_detail or "exit interrupted by a restart"
        if symbols or not session.open_legs:  # with nothing left open, the exit only confirms flat and ends
            engine.start_job(lambda abort: lifecycle.run_exit(engine, session, INTERRUPTED_EXIT,
                                                              "exit interrupted by a restart", symbols, abort))
            return
    if state is SessionState.LIVE:
        engine.prior_today = await engine.prior_net_today(session)
        await engine.journal.event(session.id, "resumed", "resumed monitoring after restart", journal=session.sizes)
