"""The BackgroundService that owns the trading engine inside the web process.

Start-up: take the account's instance lock (retrying while another live engine holds it), build the exchange
through the factory the composition root gives, reconcile and start the engine. While running, renew the lease;
if the lease is lost, stop trading at once (another engine may have taken over).

The runner's own lines (lock, lease, start-up) carry the trading mode; the engine's name their session too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from delta_strangle.background import ServiceHealth
from delta_strangle.clock import Clock
from delta_strangle.domain.session import Arm, Disarm
from delta_strangle.engine.commands import CommandRefusedError, CommandResult
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal, JournalStore
from delta_strangle.engine.lock import InstanceLock
from delta_strangle.engine.runtime import RuntimeSnapshot, build_snapshot
from delta_strangle.exchange.base import Exchange
from delta_strangle.logs.context import bound

logger = logging.getLogger(__name__)

ExchangeFactory = Callable[[], Awaitable[Exchange]]


class EngineUnavailableError(Exception):
    """The engine is not running (starting, waiting for the lock, or failed): mapped to HTTP 503."""


class TradingRunner:
    name = "trading"

    def __init__(
        self, *, exchange_factory: ExchangeFactory, journal_store: JournalStore, lock: InstanceLock, clock: Clock,
        account: str, mode: str, renew_seconds: float = 5.0, tick_seconds: float = 1.0,
    ) -> None:
        self.exchange_factory = exchange_factory
        self.journal_store = journal_store
        self.lock = lock
        self.clock = clock
        self.account = account
        self.mode = mode
        self.renew_seconds = renew_seconds
        self.tick_seconds = tick_seconds
        self.engine: TradingEngine | None = None
        self.exchange: Exchange | None = None
        self.problem: str | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Start the engine now when the lock is free (so /api/ready is true once the app is up), else keep trying."""
        with bound(mode=self.mode):  # and the runner's task, started here, keeps it
            status = await self.lock.acquire()
            if status.held:
                await self._start_engine()
            self._task = asyncio.create_task(self._run(), name="trading-runner")

    async def stop(self) -> None:
        with bound(mode=self.mode):
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            await self._shutdown()
            await self.journal_store.close()

    def health(self) -> ServiceHealth:
        engine = self.engine
        detail: dict[str, object] = {"mode": self.mode, "lock_held": self.lock.held}
        if self.problem:
            detail["problem"] = self.problem
        if engine is not None:
            session = engine.session
            detail["session_id"] = session.id if session else None
            detail["state"] = session.state.value if session else "idle"
        return ServiceHealth(alive=engine is not None and engine.running, detail=detail)

    async def _start_engine(self) -> bool:
        try:
            self.exchange = await self.exchange_factory()
            engine = TradingEngine(self.exchange, self.clock, Journal(self.journal_store, self.clock),
                                   account=self.account, mode=self.mode, tick_seconds=self.tick_seconds)
            await engine.start()
        except Exception as exc:
            self.problem = f"engine failed to start: {type(exc).__name__}: {exc}"
            logger.exception("engine failed to start", extra={"event": "engine_start_failed"})
            return False
        self.engine, self.problem = engine, None
        self.ready.set()
        logger.info("trading engine running", extra={"event": "engine_started", "mode": self.mode})
        return True

    async def _run(self) -> None:
        while self.engine is None:
            if self.problem and self.problem.startswith("engine failed"):
                return
            status = await self.lock.acquire()
            if status.held:
                if not await self._start_engine():
                    return
                break
            self.problem = f"waiting for the instance lock: {status.detail}"
            await self.clock.sleep(self.renew_seconds)
        while True:
            await self.clock.sleep(self.renew_seconds)
            try:
                status = await self.lock.acquire()
            except Exception:  # a database hiccup: keep trading on the lease we still hold
                logger.exception("lease renewal failed", extra={"event": "lease_renewal_failed"})
                continue
            if not status.held:
                self.problem = "instance lock lost to another engine: trading stopped"
                logger.error(self.problem, extra={"event": "instance_lock_lost"})
                await self._shutdown(release=False)
                return

    async def _shutdown(self, *, release: bool = True) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            await engine.stop()
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            with contextlib.suppress(Exception):
                await exchange.aclose()
        if release:
            with contextlib.suppress(Exception):
                await self.lock.release()

    # ---- what the API calls ----------------------------------------------------------------------------------

    def _engine(self) -> TradingEngine:
        if self.engine is None or not self.engine.running:
            raise EngineUnavailableError(self.problem or "the trading engine is starting")
        return self.engine

    def snapshot(self) -> RuntimeSnapshot:
        """Return the runtime snapshot (read-only)."""
        return build_snapshot(self._engine())

    async def arm(self, command: Arm) -> CommandResult:
        return await self._engine().arm(command)

    async def disarm(self, command: Disarm) -> CommandResult:
        return await self._engine().disarm(command)

    async def restart(self) -> CommandResult:
        return await self._engine().restart()

    async def panic(self) -> CommandResult:
        return await self._engine().panic()

    def is_armed(self, profile_id: int) -> bool:
        """Tell the profiles store whether a profile is armed now (it refuses deletes then)."""
        engine = self.engine
        return bool(engine and engine.session and engine.session.profile_id == profile_id)


__all__ = ["CommandRefusedError", "CommandResult", "EngineUnavailableError", "TradingRunner"]
