"""The long jobs of a session: entry (both legs at once, legging protection), exit, unwind and panic flatten.

Each job runs as one task owned by the engine loop; the loop aborts it (an Event) and awaits its end before
anything else touches the same legs, so jobs never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from delta_strangle.domain.config import ExecutionConfig, StrategyConfig
from delta_strangle.domain.entry_limits import (
    ENTRIES_STOPPED_EVENT,
    EntryOutcome,
    EntryRefusal,
    check_margin,
    check_notional,
    entries_stopped,
    failed_entries_in_row,
    no_trade_outcome,
    wallet_unavailable,
)
from delta_strangle.domain.exits import daily_cap_blocks_entry
from delta_strangle.domain.expiry import choose_expiry
from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.orders import Order
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.session import (
    ENTRY_INCOMPLETE,
    ENTRY_REFUSED,
    LEGGING_UNWIND,
    NO_TRADE,
    PANIC,
    OrderPurpose,
    SessionState,
)
from delta_strangle.domain.strikes import LegChoice, StrangleChoice, select_strangle
from delta_strangle.engine.executor import WorkResult
from delta_strangle.engine.records import IntentRecord, IntentStatus, LegRecord, SessionRecord
from delta_strangle.exchange.errors import ExchangeError, RateLimitedError

if TYPE_CHECKING:
    from delta_strangle.engine.engine import TradingEngine

logger = logging.getLogger(__name__)

EXIT_ROUNDS = 3
READ_ATTEMPTS = 6
T = TypeVar("T")
FLAT_CHECKS = 10


async def run_entry(engine: TradingEngine, session: SessionRecord, abort: asyncio.Event) -> None:
    """Choose the strangle, check the entry limits, sell both legs at once, and end live, unwound, or halted.

    Every ending but a halt moves the profile's count of failed entries in a row (`_count_entry`).
    """
    config = session.config
    assert session.plan is not None
    await engine.move(session, SessionState.ENTERING, "entry time reached")
    session.started_at = engine.clock.now()
    prior = await engine.prior_net_today(session)
    blocked = daily_cap_blocks_entry(config.exits, prior)
    choice = blocked or await _choose(engine, session)
    if isinstance(choice, NoTrade):
        session.exit_reason, session.exit_detail = NO_TRADE, f"{choice.reason.value}: {choice.detail}"
        await engine.journal.event(session.id, "no_trade", f"no trade: {choice.detail}", level="warning")
        await _count_entry(engine, session, no_trade_outcome(choice.reason))
        await engine.finish(session)
        return
    refusal = check_notional(config.entry_limits, choice, config.contracts_per_leg) or await _check_margin(
        engine, config, choice
    )
    if refusal is not None:
        # Refused before any order: nothing was sent, so nothing can be open.
        session.exit_reason, session.exit_detail = ENTRY_REFUSED, refusal.detail
        await engine.journal.event(
            session.id, refusal.event, f"entry refused: {refusal.detail}", level="warning",
            call=choice.call.contract.symbol, put=choice.put.contract.symbol, **refusal.figures,
        )
        await _count_entry(engine, session, EntryOutcome.FAILED)
        await engine.finish(session)
        return
    session.settlement_at = choice.call.contract.settlement_time
    session.spot["entry"] = format(choice.spot, "f")
    for leg_choice in (choice.call, choice.put):
        session.legs[leg_choice.contract.kind] = _leg(leg_choice, config.contracts_per_leg)
    await engine.journal.save_now(session)
    await engine.journal.event(
        session.id, "strangle_selected",
        f"selected {choice.call.contract.symbol} and {choice.put.contract.symbol}",
        call=choice.call.reason, put=choice.put.reason, spot=choice.spot,
    )
    engine.watch_symbols(session)
    results = await _work_both(engine, session, abort)
    if all(r.complete for r in results.values()):
        await _count_entry(engine, session, EntryOutcome.ENTERED)
        await engine.move(session, SessionState.LIVE, "both legs filled")
        return
    if any(r.uncertain for r in results.values()):
        await engine.halt(session, "entry orders in an unknown state: " + _describe(results))
        return
    legging = any(r.complete for r in results.values()) or any(r.filled for r in results.values())
    reason = LEGGING_UNWIND if legging else ENTRY_INCOMPLETE
    operator = engine.abort_reason if abort.is_set() else None
    if operator is not None:
        reason = operator  # the operator stopped the entry (panic or stop), not a legging failure
    session.exit_reason, session.exit_detail = reason, _describe(results)
    if legging and reason == LEGGING_UNWIND:
        await engine.journal.event(
            session.id, "legging_unwind", f"entry incomplete ({_describe(results)}): buying back what filled",
            level="error", alert=True, filled={k.value: r.filled for k, r in results.items()},
        )
    stopped = operator is not None or not engine.running  # the operator's stop or panic, or the engine shutting down
    await _count_entry(engine, session, EntryOutcome.SKIPPED if stopped else EntryOutcome.FAILED)
    await unwind(engine, session, reason)


async def _check_margin(engine: TradingEngine, config: StrategyConfig, choice: StrangleChoice
                        ) -> EntryRefusal | None:
    """Read the wallet and compare its available balance with the margin estimate; an unreadable wallet refuses."""
    limits = config.entry_limits
    if not limits.check_margin:
        return None
    try:
        wallet = await _read(engine, lambda: engine.exchange.get_wallet_balance("USD"))
    except ExchangeError as exc:
        return wallet_unavailable(str(exc) or type(exc).__name__)
    return check_margin(limits, choice, config.contracts_per_leg, wallet.available_balance)


async def _count_entry(engine: TradingEngine, session: SessionRecord, outcome: EntryOutcome) -> None:
    """Move the count of failed entries in a row; at the profile's limit, stop arming it and say why.

    The count is written with the session's next save (its move to live or done) and carried to the next cycle.
    Only a profile that repeats daily is re-armed by the engine, so only there can the count stop anything.
    """
    session.failed_entries_in_row = failed_entries_in_row(session.failed_entries_in_row, outcome)
    limits, count = session.config.entry_limits, session.failed_entries_in_row
    if outcome is not EntryOutcome.FAILED or not entries_stopped(limits, count):
        return
    if not (session.rearm and session.config.schedule.repeat_daily):
        return
    session.rearm = False
    await engine.journal.event(
        session.id, ENTRIES_STOPPED_EVENT,
        f"stopped arming {session.profile_name}: {count} failed entries in a row (limit "
        f"{limits.max_consecutive_failed_entries}), the last {session.exit_reason}: {session.exit_detail}; "
        "arm the profile again to resume",
        level="error", alert=True, failed_entries_in_row=count,
        max_consecutive_failed_entries=limits.max_consecutive_failed_entries, last_exit_reason=session.exit_reason,
    )


async def _choose(engine: TradingEngine, session: SessionRecord) -> StrangleChoice | NoTrade:
    config, plan, now = session.config, session.plan, engine.clock.now()
    assert plan is not None
    try:
        contracts = await _read(engine, lambda: engine.exchange.list_option_contracts(config.underlying))
        expiry = choose_expiry(config.expiry, exit_at=plan.exit_at, listed={c.expiry for c in contracts}, now=now)
        if isinstance(expiry, NoTrade):
            return expiry
        chain = await _read(engine, lambda: engine.exchange.get_option_chain(config.underlying, expiry))
    except ExchangeError as exc:
        return NoTrade(reason=NoTradeReason.MARKET_DATA_UNAVAILABLE, detail=f"market data unavailable: {exc}")
    for quote in chain.quotes.values():
        engine.quotes.update(quote)
    return select_strangle(chain, config, exit_at=plan.exit_at, now=engine.clock.now())


async def _read(engine: TradingEngine, call: Callable[[], Awaitable[T]]) -> T:
    """Run a market-data read, retrying what the error says is retryable (a 429 or 5xx must not cost the day)."""
    for attempt in range(READ_ATTEMPTS):
        try:
            return await call()
        except ExchangeError as exc:
            if not exc.retryable or attempt == READ_ATTEMPTS - 1:
                raise
            wait = exc.retry_after_seconds if isinstance(exc, RateLimitedError) else 0.0
            await engine.clock.sleep(max(wait, engine.executor.poll_seconds * (attempt + 1)))
    raise AssertionError("unreachable")


def _leg(choice: LegChoice, size: int) -> LegRecord:
    return LegRecord(
        contract=choice.contract, target_size=size, position=LegPosition.for_contract(choice.contract),
        entry_delta=choice.delta, entry_mid=choice.mid, distance_from_spot_pct=choice.distance_from_spot_pct,
        selection_reason=choice.reason,
    )


async def _work_both(
    engine: TradingEngine, session: SessionRecord, abort: asyncio.Event
) -> dict[OptionKind, WorkResult]:
    """Work both legs concurrently; once one is done, the other gets the legging timeout to finish."""
    execution = session.config.execution
    stops = {kind: asyncio.Event() for kind in session.legs}
    tasks = {
        kind: asyncio.create_task(
            engine.executor.work(session, leg, OrderPurpose.ENTRY, leg.target_size, execution, stops[kind],
                                 engine.attempts_for(session))
        )
        for kind, leg in session.legs.items()
    }
    relay = asyncio.create_task(_relay(abort, stops.values()))
    watchdog: asyncio.Task[None] | None = None
    try:
        pending = set(tasks.values())
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if not pending:
                break
            finished = next(iter(done)).result()
            if not finished.complete:
                for event in stops.values():  # one leg failed: stop the other at once
                    event.set()
            elif watchdog is None:
                timeout = execution.legging_timeout_seconds
                watchdog = asyncio.create_task(_after(engine, timeout, stops.values()))
        return {kind: task.result() for kind, task in tasks.items()}
    finally:
        # Left early by an unexpected error: stop the other leg too (its live child cancelled and confirmed)
        # before the error halts the session, so a halted session never has a leg still working orders.
        for event in stops.values():
            event.set()
        for task in tasks.values():
            with contextlib.suppress(Exception):
                await task
        for helper in (relay, watchdog):
            if helper is not None:
                helper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await helper


async def _relay(source: asyncio.Event, targets: object) -> None:
    await source.wait()
    for event in targets:  # type: ignore[attr-defined]
        event.set()


async def _after(engine: TradingEngine, seconds: float, targets: object) -> None:
    await engine.clock.sleep(seconds)
    for event in targets:  # type: ignore[attr-defined]
        event.set()


def _describe(results: dict[OptionKind, WorkResult]) -> str:
    return ", ".join(f"{k.value} {r.filled}/{r.target} ({r.reason})" for k, r in results.items())


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
