"""The trading engine: one event loop per account that owns the current session.

Everything that changes a session goes through one queue, handled one item at a time: quotes from the stream,
clock ticks, fills from the account stream, finished jobs and operator commands. Long order work runs as a job
task the loop owns (`jobs`); a command that must not overlap it (panic, stop, restart) aborts the job and awaits
its end inside the loop, so commands are serialised with trading. Exits are evaluated on every fresh quote.

Around the loop: `commands` (what each operator command does), `monitor` (ticks and exit evaluation),
`streams` (quotes and fills from the exchange), `fills` (applying fills once), `lifecycle` (the jobs),
`recovery` (start-up reconciliation).

Every task the engine starts runs under `log_context.on_current_session`: each log line names the strategy
profile, session and mode the engine is on when the line is written (the mode only while no session is open).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from delta_strangle.clock import Clock
from delta_strangle.domain.pnl import StranglePnl, strangle_pnl
from delta_strangle.domain.schedule import local_date
from delta_strangle.domain.session import Arm, Disarm, SessionState, transition
from delta_strangle.engine import commands, monitor, recovery
from delta_strangle.engine.bus import RuntimeBus
from delta_strangle.engine.commands import CommandRefusedError, CommandResult
from delta_strangle.engine.deadman import Deadman
from delta_strangle.engine.executor import Executor
from delta_strangle.engine.fills import Fills
from delta_strangle.engine.jobs import JobSlot, Work
from delta_strangle.engine.journal import Journal
from delta_strangle.engine.log_context import about, on_current_session
from delta_strangle.engine.quotes import QuoteBook
from delta_strangle.engine.records import SessionRecord, pnl_figures
from delta_strangle.engine.scheduling import plan_after, tick_delay
from delta_strangle.engine.streams import Streams
from delta_strangle.exchange.base import Exchange

logger = logging.getLogger(__name__)


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
        self.fills = Fills(exchange, journal, self.quotes)
        self.executor = Executor(exchange, clock, journal, self.quotes, self.fills.apply)
        self.bus = RuntimeBus(clock, publish_seconds)
        self.deadman = Deadman(exchange, clock, heartbeat_ttl_seconds)
        self.session: SessionRecord | None = None
        self.last_session: SessionRecord | None = None
        self.warnings: dict[str, str] = {}
        self.last_pnl: StranglePnl | None = None
        self.events_handled = 0
        self.prior_today = Decimal(0)  # net PnL of the profile's earlier sessions today (the daily loss cap)
        self.abort_reason: str | None = None  # why the operator aborted the running job (panic, stop)
        self.running = False
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.jobs = JobSlot(lambda task: self._queue.put_nowait(("job_done", task)))
        self.streams = Streams(exchange, clock, lambda kind, item: self._queue.put_nowait((kind, item)))
        self._tasks: list[asyncio.Task[None]] = []
        self._attempts: dict[int, dict[str, int]] = {}

    # ---- life of the engine --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Reconcile the journal with the exchange, then start the loop, clock ticks and streams.

        They are started under the current-session log view (see the module docstring), which they keep for life.
        """
        with on_current_session(self):
            await recovery.recover(self)
            self.running = True
            self._tasks = [
                asyncio.create_task(self._loop(), name="engine-loop"),
                asyncio.create_task(self._ticks(), name="engine-ticks"),
            ]
            self.streams.start()
            if self.session is not None:
                self.watch_symbols(self.session)
            self.publish(force=True)

    async def stop(self) -> None:
        """Stop trading tasks (orders in flight are cancelled and confirmed first); positions stay as they are.

        The loop is asked to finish rather than cancelled, so no journal write is cut off mid-transaction.
        """
        with on_current_session(self):
            self.running = False
            await self.abort_job()
            loop, others = (self._tasks[0], self._tasks[1:]) if self._tasks else (None, [])
            for task in others:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.streams.stop()
            if loop is not None:
                await self._queue.put(("stop", None))
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            self._tasks = []
            await self.journal.flush()

    # ---- operator commands (each runs inside the loop; see `commands`) ------------------------------------

    async def arm(self, command: Arm) -> CommandResult:
        return await self._submit(lambda: commands.arm(self, command))

    async def disarm(self, command: Disarm) -> CommandResult:
        return await self._submit(lambda: commands.disarm(self, command))

    async def restart(self) -> CommandResult:
        return await self._submit(lambda: commands.restart(self))

    async def panic(self) -> CommandResult:
        return await self._submit(lambda: commands.panic(self))

    async def _submit(self, action: Callable[[], Awaitable[CommandResult]]) -> CommandResult:
        if not self.running:
            raise CommandRefusedError("the engine is not running")
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        await self._queue.put(("command", (action, future)))
        # Shielded: a caller that stops waiting (a request cancelled, a bounded wait) must not cancel the
        # command itself, which the loop runs to the end either way.
        return await asyncio.shield(future)

    def wake(self) -> None:
        """Handle a tick now rather than at the clock loop's next one."""
        self._queue.put_nowait(("tick", None))

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
                await monitor.evaluate(self)
        elif kind == "tick":
            await monitor.on_tick(self)
        elif kind == "fill":
            await self.fills.apply_streamed(self.session, payload)
        elif kind == "job_done":
            self.jobs.ended(payload)
            if not payload.cancelled() and payload.exception() is not None:
                raise payload.exception()
        elif kind == "command":
            action, future = payload
            try:
                result = await action()
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
                else:  # nobody is waiting any more: the failure must still be seen
                    logger.exception("engine command failed", extra={"event": "engine_command_failed"})
            else:
                if not future.done():
                    future.set_result(result)

    async def _ticks(self) -> None:
        while True:
            await self.clock.sleep(tick_delay(self.session, self.clock.now(), self.tick_seconds))
            await self._queue.put(("tick", None))

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
            self.prior_today = await self.prior_net_today(session)
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
        with about(session, self.mode):  # releasing its deadman is the ended session's last work
            await self.deadman.beat(False)
        if session.rearm and session.config.schedule.repeat_daily and session.plan is not None:
            command = Arm(config=session.config, profile_id=session.profile_id,
                          config_version=session.config_version, actor=session.started_by)
            plan = plan_after(session.config.schedule, session.plan, self.clock.now())
            following = commands.new_session(self, command, plan)
            await self.journal.create_session(following)
            self.session = following
            await self.journal.event(following.id, "armed", f"next cycle armed for {plan.entry_at}")

    async def prior_net_today(self, session: SessionRecord) -> Decimal:
        day = session.plan.trading_date if session.plan else local_date(session.config.schedule, self.clock.now())
        return await self.journal.store.net_usd_on(self.account, session.profile_name, day, session.id)

    def attempts_for(self, session: SessionRecord) -> dict[str, int]:
        assert session.id is not None
        return self._attempts.setdefault(session.id, {})

    def seed_attempts(self, session_id: int, counters: dict[str, int]) -> None:
        self._attempts[session_id] = counters

    # ---- jobs, streams, subscribers ---------------------------------------------------------------------------

    @property
    def job_active(self) -> bool:
        return self.jobs.active

    def start_job(self, work: Work) -> None:
        """Run one job (entry, exit, unwind) with a fresh abort event; only one runs at a time."""
        with on_current_session(self):  # whoever asks, the job's lines name the session it works on
            self.jobs.start(work)

    async def abort_job(self) -> None:
        """Abort the running job (if any), wait for its end, and forget why it was aborted."""
        await self.jobs.abort()
        self.abort_reason = None

    def watch_symbols(self, session: SessionRecord | None) -> None:
        """Stream quotes for the session's legs (or nothing)."""
        symbols = tuple(sorted(leg.symbol for leg in session.legs.values())) if session else ()
        with on_current_session(self):
            self.streams.watch(symbols, enabled=self.running)

    def publish(self, *, force: bool = False) -> None:
        """Offer a fresh runtime snapshot to subscribers (throttled unless forced)."""
        from delta_strangle.engine.runtime import build_snapshot

        self.bus.offer(lambda: build_snapshot(self), force=force)
