"""The runner's own lines (start-up, lock, lease) carry the trading mode, and no session."""

from __future__ import annotations

import asyncio
from pathlib import Path

from delta_strangle.clock import WallClock
from delta_strangle.engine.lock import InstanceLock
from delta_strangle.engine.runner import TradingRunner
from delta_strangle.exchange.base import Exchange
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.instance_lock import SqlLockStore
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.migrate import upgrade_to_head
from tests.logs.capture import json_lines


async def test_a_runner_that_cannot_start_its_engine_says_so_in_its_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'runner.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = create_engine(url)
    factory = create_session_factory(db)

    async def unreachable() -> Exchange:
        raise ConnectionError("paper venue unreachable")

    runner = TradingRunner(exchange_factory=unreachable, journal_store=SqlJournalStore(factory),
                           lock=InstanceLock(SqlLockStore(factory), WallClock(), "paper:test"), clock=WallClock(),
                           account="paper:test", mode="paper")
    try:
        with json_lines() as lines:
            await runner.start()
    finally:
        await runner.stop()
        await db.dispose()
    [failed] = [line for line in lines if line["event"] == "engine_start_failed"]
    assert failed["mode"] == "paper"
    assert not {"session_id", "strategy_id"} & failed.keys()
    assert "paper venue unreachable" in failed["exception"]
