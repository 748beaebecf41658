"""Intents written through the dedicated connection read back exactly as the shared path writes them; an intent
carrying its session's state change commits both or neither, on either path."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from delta_strangle.domain.orders import OrderType, Side, TimeInForce
from delta_strangle.domain.session import OrderPurpose, SessionState
from delta_strangle.engine.records import IntentRecord, IntentStatus
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.intent_writer import DedicatedIntentStore
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.migrate import upgrade_to_head
from tests.store.test_journal import _session

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _intent(session_id: int, leg_id: int | None) -> IntentRecord:
    return IntentRecord(
        session_id=session_id, leg_id=leg_id, client_order_id=f"ds{session_id}ab12-CX0", purpose=OrderPurpose.EXIT,
        attempt=0, symbol="C-BTC-98000-261126", product_id=7, side=Side.BUY, size=2, order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC, limit_price=Decimal("130.1"), reference_mid=Decimal("128.35"),
        reduce_only=True, created_at=NOW, updated_at=NOW,
    )


async def test_an_intent_written_on_the_dedicated_connection_round_trips_exactly(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    store = DedicatedIntentStore(create_session_factory(engine))
    try:
        assert store._writer is not None
        record = _session()
        record.id = await store.create_session(record)
        await store.save_session(record)
        leg_id = record.legs[next(iter(record.legs))].id
        intent = _intent(record.id, leg_id)
        intent.id = await store.record_intent(intent)
        intent.status, intent.exchange_order_id, intent.filled_size = IntentStatus.TERMINAL, "42", 2
        intent.average_fill_price, intent.commission = Decimal("129.9"), Decimal("0.0354")
        await store.update_intent(intent)
        (read,) = await store.intents(record.id)
        assert read == intent
    finally:
        await store.close()
        await engine.dispose()


async def test_an_in_memory_database_keeps_the_shared_path(tmp_path: Path) -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    store = DedicatedIntentStore(create_session_factory(engine))
    assert store._writer is None
    await store.close()
    await engine.dispose()


@pytest.mark.parametrize("store_class", [SqlJournalStore, DedicatedIntentStore], ids=["shared", "dedicated"])
async def test_an_intent_carrying_its_sessions_exit_decision_commits_both_together(
    tmp_path: Path, store_class: type[SqlJournalStore]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    store = store_class(create_session_factory(engine))
    try:
        record = _session()
        record.id = await store.create_session(record)
        await store.save_session(record)
        record.state, record.exit_reason, record.exit_detail = SessionState.EXITING, "leg_stop", "mark >= 200 %"
        record.risk = record.risk.with_stopped_legs(["C-BTC-98000-261126"])
        await store.record_intent(_intent(record.id, None), record)
        (loaded,) = await store.open_sessions("sim:t")
        assert (loaded.state, loaded.exit_reason, loaded.exit_detail) == (SessionState.EXITING, "leg_stop",
                                                                          "mark >= 200 %")
        assert loaded.risk == record.risk

        # A carried session the journal does not hold fails the whole write: the intent is not written either.
        ghost = _session()
        ghost.id = record.id + 1000
        with pytest.raises(LookupError):
            await store.record_intent(_intent(record.id, None), ghost)
        assert len(await store.intents(record.id)) == 1
    finally:
        await store.close()
        await engine.dispose()
