"""Paper mode survives a restart: the paper account is saved, so an open paper session resumes instead of halting.

The engine trades a paper exchange (Delta's public data stood in for by the simulator's server on loopback);
the process "dies" while the session is live: the paper exchange stops without a final save, and a new
engine and a new paper exchange start on the same journal and the same saved paper account.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from delta_strangle.domain.session import Arm, SessionState
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.journal import Journal
from delta_strangle.exchange.paper.exchange import PaperExchange
from delta_strangle.exchange.sim.state import InMemoryStateStore
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.migrate import upgrade_to_head
from tests.engine.harness import SettlingJournalStore, profile
from tests.exchange.paper.rig import Rig, paper_rig

ACCOUNT = "paper:test"


async def _run_until(rig: Rig, store: SettlingJournalStore, condition: Callable[[], bool],
                     max_seconds: float = 1800) -> None:
    """Move replayed time a second at a time, once the journal is idle and loopback I/O has had its turn."""
    waited = 0.0
    while not condition():
        assert waited < max_seconds, f"not reached within {max_seconds} simulated seconds"
        await rig.clock.advance(1.0)
        deadline = time.monotonic() + 10
        while store.in_flight and time.monotonic() < deadline:  # noqa: ASYNC110 - a worker thread's write: poll
            await asyncio.sleep(0.0005)
        await asyncio.sleep(0.001)
        waited += 1.0


async def _die(paper: PaperExchange) -> None:
    """Stop a paper exchange as a killed process would: no final save, only what was saved along the way."""
    await paper.feed.aclose()
    await paper.feed.market_data.rest.aclose()


async def test_a_live_paper_session_resumes_with_its_positions_after_the_process_dies(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    db = create_engine(url)
    journal_store = SettlingJournalStore(create_session_factory(db))
    saved_account = InMemoryStateStore()  # where the app keeps the paper account (a row of `sim_state`)
    async with paper_rig(saved_account) as rig:
        engine = TradingEngine(rig.paper, rig.clock, Journal(journal_store, rig.clock), account=ACCOUNT, mode="paper")
        try:
            await engine.start()
            await engine.arm(Arm(config=profile(), enter_now=True))
            await _run_until(rig, journal_store, lambda: engine.session is not None
                             and engine.session.state is SessionState.LIVE and not engine.job_active)
            before = engine.session
            assert before is not None
            assert all(size == -2 for size in before.sizes.values())
        finally:
            await engine.stop()
        await _die(rig.paper)

        rig.paper = await rig.open_paper(saved_account)
        engine = TradingEngine(rig.paper, rig.clock, Journal(journal_store, rig.clock), account=ACCOUNT, mode="paper")
        try:
            await engine.start()
            after = engine.session
            assert after is not None
            assert after.id == before.id
            assert after.state is SessionState.LIVE, after.halt_reason  # resumed, not halted
            held = await rig.paper.list_positions(after.product_ids)
            assert {p.symbol: p.size for p in held} == after.sizes
        finally:
            await engine.stop()
    await journal_store.close()
    await db.dispose()
