"""The entry job: choose the strangle, check the entry limits, work both legs at once, unwind on legging.

Runs as one task owned by the engine loop (see `lifecycle` for the exit, unwind and panic jobs).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from delta_strangle.domain.config import StrategyConfig
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
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.session import (
    ENTRY_INCOMPLETE,
    ENTRY_REFUSED,
    LEGGING_UNWIND,
    NO_TRADE,
    OrderPurpose,
    SessionState,
)
from delta_strangle.domain.strikes import LegChoice, StrangleChoice, select_strangle
from delta_strangle.engine.executor import WorkResult
from delta_strangle.engine.lifecycle import unwind
from delta_strangle.engine.records import LegRecord, SessionRecord
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
