"""A trading mode that cannot be built fails loudly: nothing else is built in its place, and commands are refused."""

import asyncio
from pathlib import Path

import pytest

from delta_strangle.clock import WallClock
from delta_strangle.composition import ModeUnavailableError, build_trading_runner, exchange_factory
from delta_strangle.domain.session import Arm
from delta_strangle.engine.journal import JournalStore
from delta_strangle.engine.lock import InstanceLock
from delta_strangle.engine.runner import EngineUnavailableError, TradingRunner
from delta_strangle.exchange.base import Exchange
from delta_strangle.settings import Settings, TradingMode
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.instance_lock import SqlLockStore
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.migrate import upgrade_to_head
from tests.engine.harness import profile


async def _factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'modes.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = create_engine(url)
    return db, create_session_factory(db)


async def test_live_without_keys_is_refused_by_its_own_builder(tmp_path: Path) -> None:
    db, factory = await _factory(tmp_path)
    try:
        build = exchange_factory(Settings(trading_mode=TradingMode.LIVE), WallClock(), factory)
        with pytest.raises(ModeUnavailableError, match="DELTA_API_KEY"):
            await build()
    finally:
        await db.dispose()


async def test_a_live_runner_that_cannot_build_its_exchange_reports_it_and_runs_nothing_else(tmp_path: Path) -> None:
    db, factory = await _factory(tmp_path)
    runner = build_trading_runner(Settings(trading_mode=TradingMode.LIVE), WallClock(), factory)
    try:
        await runner.start()
        assert runner.engine is None
        assert runner.exchange is None
        assert "DELTA_API_KEY" in (runner.problem or "")
        health = runner.health()
        assert health.alive is False
        assert health.detail["mode"] == "live"
        with pytest.raises(EngineUnavailableError):
            await runner.arm(Arm(config=profile()))
    finally:
        await runner.stop()
        await db.dispose()


@pytest.mark.parametrize("mode", [m.value for m in TradingMode])
async def test_a_failed_build_in_any_mode_is_tried_once_and_never_replaced(tmp_path: Path, mode: str) -> None:
    db, factory = await _factory(tmp_path)
    calls: list[str] = []

    async def failing() -> Exchange:
        calls.append(mode)
        raise ConnectionError(f"{mode} venue unreachable")

    store: JournalStore = SqlJournalStore(factory)
    runner = TradingRunner(exchange_factory=failing, journal_store=store,
                           lock=InstanceLock(SqlLockStore(factory), WallClock(), f"{mode}:test"), clock=WallClock(),
                           account=f"{mode}:test", mode=mode, renew_seconds=0.01)
    try:
        await runner.start()
        assert runner._task is not None
        await asyncio.wait_for(runner._task, timeout=5)  # the runner gives up; it does not try something else
        assert calls == [mode]
        assert runner.engine is None
        assert f"{mode} venue unreachable" in (runner.problem or "")
        assert runner.health().detail["mode"] == mode
        with pytest.raises(EngineUnavailableError):
            await runner.panic()
    finally:
        await runner.stop()
        await db.dispose()
