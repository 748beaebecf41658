"""The closing jobs of a session: exit, unwind and panic flatten (the entry job is in `entry`).

Each job runs as one task owned by the engine loop; the loop aborts it (an Event) and awaits its end before
anything else touches the same legs, so jobs never overlap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from delta_strangle.domain.config import ExecutionConfig
from delta_strangle.domain.orders import Order
from delta_strangle.domain.session import (
    PANIC,
    OrderPurpose,
    SessionState,
)
from delta_strangle.engine.executor import WorkResult
from delta_strangle.engine.records import IntentRecord, IntentStatus, LegRecord, SessionRecord
from delta_strangle.exchange.errors import ExchangeError

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine

logger = logging.getLogger(__name__)

EXIT_ROUNDS = 3
READ_ATTEMPTS = 6
T = TypeVar("T")
FLAT_CHECKS = 10


def _protective(execution: ExecutionConfig) -> ExecutionConfig:
    # Buying back exposure must finish: the profile's steps first, then a market IOC for any remainder.
    return execution.model_copy(update={"market_fallback": True})


async def close_legs(
    engine: TradingEngine, session: SessionRecord, symbols: tuple[str, ...], purpose: OrderPurpose,
    abort: asyncio.Event | None = None, *, after_first_send: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Buy back the named open legs (reduce-only), in rounds, until flat; False when something remains.

    `after_first_send` runs once every leg's first closing order has been sent (or its work ended): the journal
    writes that need not precede the orders wait until then, so they never delay them.
    """
    abort = abort or asyncio.Event()
    execution = _protective(session.config.execution)
    for _ in range(EXIT_ROUNDS):
        legs = [leg for leg in session.legs.values() if leg.symbol in symbols and leg.position.size < 0]
        if not legs or abort.is_set():
            break
        waiting = {leg.symbol for leg in legs}
        all_sent = asyncio.Event()

        def sent(symbol: str, waiting: set[str] = waiting, all_sent: asyncio.Event = all_sent) -> None:
            waiting.discard(symbol)
            if not waiting:
                all_sent.set()

        async def work(leg: LegRecord, sent: Callable[[str], None] = sent) -> WorkResult:
            try:
                return await engine.executor.work(session, leg, purpose, -leg.position.size, execution, abort,
                                                  engine.attempts_for(session), on_sent=lambda: sent(leg.symbol))
            finally:
                sent(leg.symbol)

        gathered = asyncio.ensure_future(asyncio.gather(*(work(leg) for leg in legs)))
        failure: Exception | None = None
        if after_first_send is not None:
            hook, after_first_send = after_first_send, None
            await all_sent.wait()
            try:
                await hook()
            except Exception as exc:  # the orders in flight are worked to the end before this is raised
                failure = exc
        results = await gathered
        if failure is not None:
            raise failure
        if any(r.uncertain for r in results):
            return False
    if after_first_send is not None:
        await after_first_send()
    return all(not leg.position.is_open for leg in session.legs.values() if leg.symbol in symbols)


@dataclass(frozen=True)
class Trigger:
    """The exit rule that fired, journaled by the exit job once its closing orders are out."""

    reason: str
    detail: str
    symbols: tuple[str, ...]
    also: tuple[str, ...] = ()


async def run_exit(engine: TradingEngine, session: SessionRecord, reason: str, detail: str,
                   symbols: tuple[str, ...], abort: asyncio.Event, *, trigger: Trigger | None = None) -> None:
    """Close the named legs, confirm through positions, and end done, live (one leg left) or halted.

    Latency matters here: only each order's intent is journaled before it is sent. The first closing intent
    carries the move to `exiting` with the exit reason and risk state in its own transaction, so a crash at any
    point after it (even before the other leg's intent is written) leaves an `exiting` session that recovery
    finishes for every leg the exit covers. The `state_changed` and `exit_triggered` events and the full session
    row are written right after the first closing orders are out.
    """
    previous = None
    if session.state is not SessionState.EXITING:
        session.exit_reason, session.exit_detail = reason, detail
        previous = engine.transition(session, SessionState.EXITING)
        engine.journal.carry_with_next_intent(session)

    async def journal_exit() -> None:
        if trigger is not None:
            await engine.journal.event(
                session.id, "exit_triggered", f"exit {trigger.reason}: {trigger.detail}", reason=trigger.reason,
                symbols=list(trigger.symbols), also=list(trigger.also),
            )
        if previous is not None:
            await engine.journal_move(session, previous, SessionState.EXITING, f"exit: {reason}")

    flat = await close_legs(engine, session, symbols, OrderPurpose.EXIT, abort, after_first_send=journal_exit)
    if abort.is_set():
        return
    if not flat:
        await engine.halt(session, f"exit incomplete after {EXIT_ROUNDS} rounds: " + _sizes(session))
        return
    if not await confirm_positions(engine, session):
        return
    if session.open_legs:
        session.exit_reason = session.exit_detail = None
        await engine.move(session, SessionState.LIVE, f"{reason}: closed {', '.join(symbols)}; other leg stays open")
        return
    await engine.finish(session)


async def unwind(engine: TradingEngine, session: SessionRecord, reason: str) -> None:
    """Buy back whatever an unfinished entry sold, confirm flat, and end the session."""
    symbols = tuple(leg.symbol for leg in session.legs.values())
    if session.open_legs and not await close_legs(engine, session, symbols, OrderPurpose.UNWIND):
        await engine.halt(session, f"unwind incomplete: {_sizes(session)}")
        return
    if not await confirm_positions(engine, session):
        return
    session.exit_reason = session.exit_reason or reason
    await engine.finish(session)


async def run_panic(engine: TradingEngine, session: SessionRecord) -> str:
    """Cancel the session's orders and flatten its products now; confirm flat via positions."""
    pids = session.product_ids
    if not pids:
        session.exit_reason = session.exit_reason or PANIC
        await engine.finish(session)
        return "nothing held: session ended"
    if session.state in (SessionState.LIVE, SessionState.ENTERING):
        session.exit_reason, session.exit_detail = PANIC, "panic: flattened by the operator"
        await engine.move(session, SessionState.EXITING, "panic")
    started = engine.clock.now() - timedelta(seconds=5)
    for attempt in range(FLAT_CHECKS):
        try:
            await engine.exchange.cancel_all_orders(pids)
            positions = await engine.exchange.list_positions(pids)
            if all(p.size == 0 for p in positions):
                break
            for order in await engine.exchange.close_positions(pids):
                await _journal_panic_order(engine, session, order)
        except ExchangeError as exc:
            await engine.journal.event(session.id, "panic_retry", f"panic step failed: {exc}", level="warning")
        await engine.clock.sleep(engine.executor.poll_seconds * (attempt + 1))
    await engine.fills.collect_since(session, started)
    if session.state is not SessionState.HALTED:
        session.exit_reason, session.exit_detail = PANIC, "panic: flattened by the operator"
    if not await confirm_positions(engine, session):
        return "not confirmed flat: session halted"
    session.exit_reason = PANIC
    await engine.finish(session)
    return "flat: confirmed through positions"


async def _journal_panic_order(engine: TradingEngine, session: SessionRecord, order: Order) -> None:
    """Remember a close-positions order as ours (journaled), so its fills are attributed even after a crash."""
    assert session.id is not None
    session.known_order_ids.add(order.order_id)
    now = engine.clock.now()
    leg = session.leg_for_product(order.product_id)
    intent = IntentRecord(
        session_id=session.id, leg_id=leg.id if leg else None,
        client_order_id=(order.client_order_id or f"px{session.id}-{order.order_id}")[:32],
        purpose=OrderPurpose.PANIC, attempt=0, symbol=order.symbol, product_id=order.product_id, side=order.side,
        size=order.size, order_type=order.order_type, time_in_force=order.time_in_force, limit_price=order.limit_price,
        reference_mid=None, reduce_only=True, created_at=now, updated_at=now, status=IntentStatus.TERMINAL,
        exchange_order_id=order.order_id, exchange_state=order.state.value, filled_size=order.filled_size,
    )
    await engine.journal.record_intent(intent)


async def confirm_positions(engine: TradingEngine, session: SessionRecord) -> bool:
    """Compare the journal's sizes with the exchange's positions on our products; halt when they differ."""
    exchange_view: dict[str, int] = {}
    for attempt in range(FLAT_CHECKS):
        try:
            positions = await engine.exchange.list_positions(session.product_ids)
        except ExchangeError:
            await engine.clock.sleep(engine.executor.poll_seconds * (attempt + 1))
            continue
        exchange_view = {leg.symbol: 0 for leg in session.legs.values()}
        exchange_view.update({p.symbol: p.size for p in positions if p.symbol in exchange_view})
        if exchange_view == session.sizes:
            return True
        # Fills can trail positions by a moment: pull them once before calling it a mismatch.
        await engine.fills.collect_since(session, session.started_at or session.created_at)
        if exchange_view == session.sizes:
            return True
        await engine.clock.sleep(engine.executor.poll_seconds * (attempt + 1))
    await engine.halt(session, "journal and exchange positions differ", exchange_view=exchange_view)
    return False


def _sizes(session: SessionRecord) -> str:
    return ", ".join(f"{symbol} {size}" for symbol, size in session.sizes.items())
