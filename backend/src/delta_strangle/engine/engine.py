"""The trading engine: one event loop per account that owns the current session.

Everything that changes a session goes through one queue, handled one item at a time: quotes from the stream,
clock ticks, fills from the account stream, finished jobs and operator commands. Long order work runs as a job
task the loop owns; a command that must not overlap it (panic, stop, restart) aborts the job and awaits its
end inside the loop, so commands are serialised with trading. Exits are evaluated on every fresh quote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import string
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from delta_strangle.clock import Clock
from delta_strangle.domain.exits import evaluate_exits
from delta_strangle.domain.fees import fill_fee
from delta_strangle.domain.orders import Fill
from delta_strangle.domain.pnl import StranglePnl, strangle_pnl
from delta_strangle.domain.positions import apply_fill
from delta_strangle.domain.schedule import DayPlan, local_date, next_plan
from delta_strangle.domain.session import (
    OPERATOR_STOP,
    PANIC,
    STOPPED_BEFORE_ENTRY,
    Arm,
    Disarm,
    SessionState,
    StopMode,
    parse_client_order_id,
    transition,
)
from delta_strangle.engine import lifecycle, recovery
from delta_strangle.engine.bus import RuntimeBus
from delta_strangle.engine.deadman import Deadman
from delta_strangle.engine.executor import Executor
from delta_strangle.engine.journal import Journal
from delta_strangle.engine.quotes import QuoteBook
from delta_strangle.engine.records import LegRecord, SessionRecord
from delta_strangle.engine.scheduling import enter_now_plan, plan_after, tick_delay, wants_entry
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import ExchangeError

logger = logging.getLogger(__name__)
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


class CommandRefusedError(Exception):
    """An operator command that cannot apply in the current state (mapped to HTTP 409)."""


@dataclass(frozen=True)
class CommandResult:
    status: str
    message: str
    session_id: int | None = None


class TradingEngine:
    """See the module docstring. Construct, `await start()`, send commands, `await stop()`."""

    def __init__(
        self, exchange: Exchange, clock: Clock, journal: Journal, *, account: str, mode: str,
        tick_seconds: float = 1.0, heartbeat_ttl_seconds: int = 30, publish_seconds: float = 0.25,
    ) -> None:
        self.exchange, self.clock, self.journal = exchange, clock, journal
        self.account, self.mode = account, mode
        self.tick_seconds = tick_seconds
        self.quotes = QuoteBook()
        self.executor = Executor(exchange, clock, journal, self.quotes, self.on_fill)
        self.bus = RuntimeBus(clock, publish_seconds)
        self.deadman = Deadman(exchange, clock, heartbeat_ttl_seconds)
        self.session: SessionRecord | None = None
        self.last_session: SessionRecord | None = None
        self.warnings: dict[str, str] = {}
        self.last_pnl: StranglePnl | None = None
        self.events_handled = 0
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._job: asyncio.Task[Any] | None = None
        self._job_abort = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._quote_task: asyncio.Task[None] | None = None
        self._watched: tuple[str, ...] = ()
        self._attempts: dict[int, dict[str, int]] = {}
        self._fill_lock = asyncio.Lock()
        self._prior_today = Decimal(0)
        self.abort_reason: str | None = None  # why the operator aborted the running job (panic, stop)
        self.running = False

    # ---- life of the engine --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Reconcile the journal with the exchange, then start the loop, clock ticks and streams."""
        await recovery.recover(self)
        self.running = True
        self._tasks = [
            asyncio.create_task(self._loop(), name="engine-loop"),
            asyncio.create_task(self._ticks(), name="engine-ticks"),
            asyncio.create_task(self._account_stream(), name="engine-account-stream"),
        ]
        if self.session is not None:
            self.watch_symbols(self.session)
        self.publish(force=True)

    async def stop(self) -> None:
        """Stop trading tasks (orders in flight are cancelled and confirmed first); positions stay as they are.

        The loop is asked to finish rather than cancelled, so no journal write is cut off mid-transaction.
        """
        self.running = False
        await self._abort_job()
        loop, others = (self._tasks[0], self._tasks[1:]) if self._tasks else (None, [])
        for task in [*others, *([self._quote_task] if self._quote_task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if loop is not None:
            await self._queue.put(("stop", None))
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        self._tasks, self._quote_task = [], None
        await self.journal.flush()

    # ---- operator commands (each runs inside the loop) -----------------------------------------------------

    async def arm(self, command: Arm) -> CommandResult:
        return await self._submit(lambda: self._arm(command))

    async def disarm(self, command: Disarm) -> CommandResult:
        return await self._submit(lambda: self._disarm(command))

    async def restart(self) -> CommandResult:
        return await self._submit(self._restart)

    async def panic(self) -> CommandResult:
        return await self._submit(self._panic)

    async def _submit(self, action: Callable[[], Awaitable[CommandResult]]) -> CommandResult:
        if not self.running:
            raise CommandRefusedError("the engine is not running")
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        await self._queue.put(("command", (action, future)))
        return await future

    async def _arm(self, command: Arm) -> CommandResult:
        if self.session is not None:
            raise CommandRefusedError(f"session {self.session.id} is {self.session.state.value}: stop it first")
        now = self.clock.now()
        plan = enter_now_plan(command.config.schedule, now) if command.enter_now else next_plan(
            command.config.schedule, now
        )
        session = self.new_session(command, plan)
        await self.journal.create_session(session)
        self.session = session
        await self.journal.event(
            session.id, "armed", f"armed {session.profile_name}: entry {plan.entry_at.isoformat()}",
            actor=command.actor, enter_now=command.enter_now, config_version=command.config_version,
        )
        self._queue.put_nowait(("tick", None))  # do not wait for the idle clock loop to notice
        return CommandResult("waiting", f"armed; entry at {plan.entry_at.isoformat()}", session.id)

    def new_session(self, command: Arm, plan: DayPlan) -> SessionRecord:
        now = self.clock.now()
        return SessionRecord(
            account=self.account, mode=self.mode, token="".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(4)),
            profile_name=command.config.name, profile_id=command.profile_id, config_version=command.config_version,
            config=command.config, state=SessionState.WAITING, created_at=now, updated_at=now,
            enter_now=command.enter_now, plan=plan, started_by=command.actor,
        )

    async def _disarm(self, command: Disarm) -> CommandResult:
        session = self.session
        if session is None:
            return CommandResult("idle", "nothing armed")
        if command.mode is None and session.state in (SessionState.LIVE, SessionState.EXITING, SessionState.HALTED):
            # Refused before anything changes: a refused stop must not quietly disarm the next cycle.
            raise CommandRefusedError("positions are open: choose keep_monitoring or flatten")
        session.rearm = False
        if session.state is SessionState.WAITING:
            session.exit_reason = STOPPED_BEFORE_ENTRY
            await self.finish(session)
            return CommandResult("stopped", "disarmed before entry", session.id)
        if session.state is SessionState.ENTERING:
            self.abort_reason = OPERATOR_STOP
            await self._abort_job()  # the entry job unwinds whatever filled
            if not session.open_legs:  # unwound (or nothing had filled)
                return CommandResult("stopped", "entry aborted; anything filled was bought back", session.id)
            # The entry completed before the abort reached it: the operator asked to stop, so flatten now
            # rather than report an unwind that did not happen.
            symbols = tuple(leg.symbol for leg in session.open_legs)
            self.start_job(lambda abort: lifecycle.run_exit(self, session, OPERATOR_STOP, "stopped during entry",
                                                             symbols, abort))
            return CommandResult("exiting", "entry completed before the stop; flattening now", session.id)
        if command.mode is StopMode.KEEP_MONITORING:
            await self.journal.save_now(session)
            await self.journal.event(session.id, "disarmed", "stopped: keep monitoring until an exit rule fires")
            return CommandResult(session.state.value, "disarmed; open positions stay monitored", session.id)
        if session.state is SessionState.EXITING:
            return CommandResult("exiting", "already exiting; will not re-arm", session.id)
        if session.state is SessionState.HALTED:
            return await self._panic()
        self.abort_reason = OPERATOR_STOP
        await self._abort_job()  # a job may still be finishing (entry just went live, or a one-leg exit)
        if session.state is SessionState.DONE:
            return CommandResult("stopped", "flat", session.id)
        symbols = tuple(leg.symbol for leg in session.open_legs)
        self.start_job(lambda abort: lifecycle.run_exit(self, session, OPERATOR_STOP, "stopped with flatten",
                                                         symbols, abort))
        return CommandResult("exiting", "flattening now", session.id)

    async def _restart(self) -> CommandResult:
        await self._abort_job()
        await recovery.recover(self, resume_halted=True)
        self.watch_symbols(self.session)
        state = self.session.state.value if self.session else "idle"
        return CommandResult(state, "reconciled with the exchange", self.session.id if self.session else None)

    async def _panic(self) -> CommandResult:
        session = self.session
        if session is None:
            return CommandResult("idle", "no session: nothing to flatten")
        session.rearm = False
        self.abort_reason = PANIC
        await self._abort_job()
        if session.state is SessionState.DONE:  # the aborted job already bought everything back and confirmed it
            return CommandResult("stopped", "flat: the aborted entry was unwound and confirmed", session.id)
        await self.journal.event(session.id, "panic", "panic: cancelling orders and flattening", level="warning")
        message = await lifecycle.run_panic(self, session)
        state = session.state.value
        return CommandResult("halted" if state == "halted" else "stopped", message, session.id)

    # ---- the loop --------------------------------------------------------------------------------------------

    async def _loop(self) -> None:
        while True:
            kind, payload = await self._queue.get()
            if kind == "stop":
                return
            self.events_handled += 1
            try:
                await self._handle(kind, payload)
            except Exception:
                logger.exception("engine loop item failed", extra={"event": "engine_loop_error", "kind": kind})
                if self.session is not None and self.session.state.may_hold_positions:
                    with contextlib.suppress(Exception):
                        await self.halt(self.session, f"internal error while handling {kind}: see logs")
            self.publish()

    async def _handle(self, kind: str, payload: Any) -> None:
        if kind == "quote":
            if self.quotes.update(payload):
                await self._evaluate()
        elif kind == "tick":
            await self._on_tick()
        elif kind == "fill":
            session = self.session
            leg = session.leg_for_product(payload.product_id) if session else None
            name = parse_client_order_id(payload.client_order_id)
            if session and leg and name and name.session_id == session.id and name.token == session.token:
                await self.on_fill(session, leg, payload)
        elif kind == "job_done":
            if payload is self._job:
                self._job = None
            if not payload.cancelled() and payload.exception() is not None:
                raise payload.exception()
        elif kind == "command":
            action, future = payload
            try:
                future.set_result(await action())
            except Exception as exc:
                future.set_exception(exc)

    async def _on_tick(self) -> None:
        session, now = self.session, self.clock.now()
        await self.journal.flush_if_due()
        if session is None:
            return
        await self.deadman.beat(bool(session.open_legs) or self.job_active)
        if session.state is SessionState.WAITING and not self.job_active:
            decision = wants_entry(session, now)
            if decision == "enter":
                self.start_job(lambda abort: lifecycle.run_entry(self, session, abort))
            elif decision == "missed":
                await self._roll_to_next_day(session, "entry window closed before entry (late-entry guard)")
        elif session.state is SessionState.LIVE:
            await self._rest_fallback(session)
            await self._evaluate()

    async def _ticks(self) -> None:
        while True:
            await self.clock.sleep(tick_delay(self.session, self.clock.now(), self.tick_seconds))
            await self._queue.put(("tick", None))

    # ---- exits -----------------------------------------------------------------------------------------------

    async def _evaluate(self) -> None:
        session = self.session
        if session is None or session.state is not SessionState.LIVE or self.job_active:
            return
        assert session.plan is not None
        assert session.settlement_at is not None
        now = self.clock.now()
        result = evaluate_exits(
            [leg.position for leg in session.legs.values()], self.quotes.quotes, now, session.config.exits,
            session.risk, exit_at=session.plan.exit_at, settlement_at=session.settlement_at,
            prior_net_today_usd=self._prior_today,
        )
        session.risk = result.state
        if result.pnl is not None:
            self.last_pnl = result.pnl
            session.pnl = pnl_figures(result.pnl)
            self._track_spot(session)
        await self._note_staleness(session, result.stale_symbols)
        self.journal.mark_dirty(session)
        if result.decision is not None:
            decision = result.decision
            trigger = lifecycle.Trigger(
                reason=decision.reason.value, detail=decision.detail, symbols=decision.close_symbols,
                also=tuple(r.value for r in decision.also_triggered),
            )
            # Nothing else is written here: the exit job journals the trigger once its closing orders are out.
            self.start_job(lambda abort: lifecycle.run_exit(self, session, trigger.reason, trigger.detail,
                                                            trigger.symbols, abort, trigger=trigger))

    async def _note_staleness(self, session: SessionRecord, stale: tuple[str, ...]) -> None:
        if stale and "stale_quotes" not in self.warnings:
            self.warnings["stale_quotes"] = f"no fresh quote for {', '.join(stale)}: price exits are paused"
            await self.journal.event(session.id, "quotes_stale", self.warnings["stale_quotes"], level="warning")
        elif not stale and "stale_quotes" in self.warnings:
            del self.warnings["stale_quotes"]
            await self.journal.event(session.id, "quotes_fresh", "quotes are fresh again")

    async def _rest_fallback(self, session: SessionRecord) -> None:
        max_age = timedelta(seconds=session.config.exits.stale_quote_seconds)
        for leg in session.open_legs:
            if self.quotes.fresh(leg.symbol, self.clock.now(), max_age / 2) is None:
                with contextlib.suppress(ExchangeError):
                    self.quotes.update(await self.exchange.get_quote(leg.symbol))

    def _track_spot(self, session: SessionRecord) -> None:
        spot = self.quotes.spot
        if spot is None:
            return
        text = format(spot, "f")
        session.spot["last"] = text
        high, low = session.spot.get("high"), session.spot.get("low")
        session.spot["high"] = text if high is None else format(max(spot, Decimal(high)), "f")
        session.spot["low"] = text if low is None else format(min(spot, Decimal(low)), "f")

    # ---- what jobs call -------------------------------------------------------------------------------------

    async def move(self, session: SessionRecord, target: SessionState, why: str) -> None:
        """Change a session's state (checked by the domain) and journal it at once."""
        previous = self.transition(session, target)
        await self.journal_move(session, previous, target, why)

    def transition(self, session: SessionRecord, target: SessionState) -> SessionState:
        """Change a session's state in memory only (checked by the domain); return the previous state.

        The caller journals it with `journal_move`; the exit path does so right after its closing orders are sent.
        """
        previous = session.state
        session.state = transition(previous, target)
        session.updated_at = self.clock.now()
        return previous

    async def journal_move(self, session: SessionRecord, previous: SessionState, target: SessionState, why: str
                           ) -> None:
        """Write a state change made by `transition`, with its event, and publish it."""
        await self.journal.save_now(session)
        await self.journal.event(session.id, "state_changed", f"{previous.value} -> {target.value}: {why}",
                                 previous=previous.value, current=target.value)
        if target is SessionState.LIVE:
            self._prior_today = await self.prior_net_today(session)
        self.publish(force=True)

    async def halt(self, session: SessionRecord, reason: str, exchange_view: dict[str, int] | None = None) -> None:
        """Stop trading the session and show the operator what the journal and the exchange each say."""
        session.halt_reason = reason
        session.halt_views = {"previous_state": session.state.value, "journal": session.sizes,
                              "exchange": exchange_view}
        if session.state is not SessionState.HALTED:
            await self.move(session, SessionState.HALTED, reason)
        await self.journal.event(session.id, "halted", f"halted: {reason}", level="error", alert=True,
                                 journal=session.sizes, exchange=exchange_view)

    async def finish(self, session: SessionRecord) -> None:
        """End a session (every leg flat) and arm the next day's when the profile repeats."""
        session.pnl = pnl_figures(strangle_pnl([leg.position for leg in session.legs.values()], {}))
        session.ended_at = self.clock.now()
        session.spot.setdefault("exit", session.spot.get("last"))
        await self.move(session, SessionState.DONE, session.exit_reason or "done")
        self.last_session, self.session = session, None
        self.watch_symbols(None)
        await self.deadman.beat(False)
        if session.rearm and session.config.schedule.repeat_daily and session.plan is not None:
            command = Arm(config=session.config, profile_id=session.profile_id,
                          config_version=session.config_version, actor=session.started_by)
            following = self.new_session(command, plan_after(session.config.schedule, session.plan, self.clock.now()))
            await self.journal.create_session(following)
            self.session = following
            await self.journal.event(following.id, "armed", f"next cycle armed for {following.plan.entry_at}")  # type: ignore[union-attr]

    async def _roll_to_next_day(self, session: SessionRecord, why: str) -> None:
        assert session.plan is not None
        session.plan = plan_after(session.config.schedule, session.plan, self.clock.now())
        session.enter_now = False
        await self.journal.save_now(session)
        await self.journal.event(session.id, "entry_window_missed", f"{why}; next entry {session.plan.entry_at}",
                                 level="warning")

    async def prior_net_today(self, session: SessionRecord) -> Decimal:
        day = session.plan.trading_date if session.plan else local_date(session.config.schedule, self.clock.now())
        return await self.journal.store.net_usd_on(self.account, session.profile_name, day, session.id)

    def attempts_for(self, session: SessionRecord) -> dict[str, int]:
        assert session.id is not None
        return self._attempts.setdefault(session.id, {})

    def seed_attempts(self, session_id: int, counters: dict[str, int]) -> None:
        self._attempts[session_id] = counters

    async def on_fill(self, session: SessionRecord, leg: LegRecord, fill: Fill) -> None:
        """Apply one fill to its leg exactly once, with the exchange's commission, and journal it first."""
        async with self._fill_lock:
            if fill.fill_id in leg.position.applied_fill_ids:
                return
            fee = fill_fee(reported_commission=fill.commission, index_price=self.quotes.spot, price=fill.price,
                           size=fill.size, contract_value=leg.contract.contract_value, instant=fill.created_at)
            assert session.id is not None
            await self.journal.record_fill(session.id, leg.id, fill, fee.source.value)
            leg.position = apply_fill(leg.position, fill, fee)
            if not leg.position.is_open and fill.side.sign > 0:
                leg.exit_price = fill.price
            await self.journal.save_now(session)

    async def collect_fills_since(self, session: SessionRecord, since: datetime) -> None:
        """Pull our fills on the session's products from the exchange and apply any not yet applied."""
        try:
            fills = await self.exchange.list_fills(since, session.product_ids)
        except ExchangeError:
            return
        for fill in fills:
            leg = session.leg_for_product(fill.product_id)
            name = parse_client_order_id(fill.client_order_id)
            ours = (name is not None and (name.session_id, name.token) == (session.id, session.token)) or (
                fill.order_id in session.known_order_ids
            )
            if leg is None or not ours:  # someone else's fill on our product: recovery shows the mismatch
                continue
            await self.on_fill(session, leg, fill)

    # ---- jobs and streams ----------------------------------------------------------------------------------

    @property
    def job_active(self) -> bool:
        return self._job is not None and not self._job.done()

    def start_job(self, work: Callable[[asyncio.Event], Coroutine[Any, Any, Any]]) -> None:
        """Run one job (entry, exit, unwind) with a fresh abort event; only one runs at a time."""
        assert not self.job_active, "a job is already running"
        self._job_abort = asyncio.Event()
        self._job = asyncio.create_task(work(self._job_abort), name="engine-job")
        self._job.add_done_callback(lambda task: self._queue.put_nowait(("job_done", task)))

    async def _abort_job(self) -> None:
        job = self._job
        if job is None or job.done():
            self._job = None
            self.abort_reason = None
            return
        self._job_abort.set()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await job
        self._job = None
        self.abort_reason = None

    def watch_symbols(self, session: SessionRecord | None) -> None:
        """Stream quotes for the session's legs (or nothing)."""
        symbols = tuple(sorted(leg.symbol for leg in session.legs.values())) if session else ()
        if symbols == self._watched and (self._quote_task is None or not self._quote_task.done()):
            return
        if self._quote_task is not None:
            self._quote_task.cancel()
        self._watched, self._quote_task = symbols, None
        if symbols and self.running:
            self._quote_task = asyncio.create_task(self._quote_stream(symbols), name="engine-quote-stream")

    async def _quote_stream(self, symbols: tuple[str, ...]) -> None:
        backoff = 0.5
        while True:
            try:
                async for quote in self.exchange.stream_quotes(list(symbols)):
                    self._queue.put_nowait(("quote", quote))
                    backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a dropped stream is expected; staleness gates exits meanwhile
                logger.warning("quote stream lost", extra={"event": "quote_stream_lost", "error": str(exc)})
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    async def _account_stream(self) -> None:
        backoff = 0.5
        while True:
            try:
                async for event in self.exchange.stream_account_events():
                    if isinstance(event, Fill):
                        self._queue.put_nowait(("fill", event))
                    backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # fills are also pulled after each order, so a gap here loses nothing
                logger.warning("account stream lost", extra={"event": "account_stream_lost", "error": str(exc)})
            await self.clock.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def publish(self, *, force: bool = False) -> None:
        """Offer a fresh runtime snapshot to subscribers (throttled unless forced)."""
        from delta_strangle.engine.runtime import build_snapshot

        self.bus.offer(lambda: build_snapshot(self), force=force)


def pnl_figures(pnl: StranglePnl) -> dict[str, Any]:
    """The PnL figures a session keeps, as exact decimal strings."""
    keys = ("premium_collected_usd", "realised_gross_usd", "unrealised_usd", "gross_usd", "fees_usd", "net_usd")
    figures: dict[str, Any] = {key: format(getattr(pnl, key), "f") for key in keys}
    pct = pnl.net_pct_of_premium
    figures["net_pct_of_premium"] = None if pct is None else format(pct.quantize(Decimal("0.0001")), "f")
    return figures
