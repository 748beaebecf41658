import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying
from delta_strangle.domain.orders import Fill, Side
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.session import SessionState
from delta_strangle.domain.trailing import RiskState
from delta_strangle.engine.records import LegRecord, SessionRecord
from delta_strangle.store.db import create_engine, create_session_factory, transaction
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.migrate import upgrade_to_head
from delta_strangle.store.session_queries import status_counts
from tests.engine.harness import profile

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
CALL = OptionContract(product_id=7, symbol="C-BTC-98000-261126", underlying=Underlying.BTC, kind=OptionKind.CALL,
                      strike=Decimal(98000), settlement_time=datetime(2026, 11, 26, 12, tzinfo=UTC),
                      contract_value=Decimal("0.001"), tick_size=Decimal("0.1"))


async def _store(tmp_path: Path) -> tuple[SqlJournalStore, object]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'j.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    return SqlJournalStore(create_session_factory(engine)), engine


def _session() -> SessionRecord:
    record = SessionRecord(account="sim:t", mode="sim", token="ab12", profile_name="p", config=profile(),
                           state=SessionState.LIVE, created_at=NOW, updated_at=NOW, started_at=NOW)
    record.legs[OptionKind.CALL] = LegRecord(contract=CALL, target_size=2, position=LegPosition.for_contract(CALL))
    record.risk = RiskState(peak_net_pct=Decimal("12.5"), floor_pct=Decimal("5"))
    return record


def _fill(fill_id: str, size: int) -> Fill:
    return Fill(fill_id=fill_id, order_id="o1", client_order_id="ds1ab12-CE0", product_id=7, symbol=CALL.symbol,
                side=Side.SELL, size=size, price=Decimal("120.5"), commission=Decimal("0.0354"), created_at=NOW)


async def test_a_session_round_trips_with_exact_decimals_and_its_risk_state(tmp_path: Path) -> None:
    store, engine = await _store(tmp_path)
    record = _session()
    record.id = await store.create_session(record)
    await store.save_session(record)
    loaded = (await store.open_sessions("sim:t"))[0]
    assert loaded.risk == record.risk
    assert loaded.legs[OptionKind.CALL].contract == CALL
    assert loaded.config == record.config
    await engine.dispose()  # type: ignore[attr-defined]


async def test_a_fill_is_journaled_once_and_positions_are_rebuilt_from_fills(tmp_path: Path) -> None:
    store, engine = await _store(tmp_path)
    record = _session()
    record.id = await store.create_session(record)
    await store.save_session(record)  # leg row written with size 0: as if the process died before updating it
    leg_id = record.legs[OptionKind.CALL].id
    assert await store.record_fill(record.id, leg_id, _fill("f1", 2), "exchange") is True
    assert await store.record_fill(record.id, leg_id, _fill("f1", 2), "exchange") is False
    loaded = (await store.open_sessions("sim:t"))[0]
    position = loaded.legs[OptionKind.CALL].position
    assert position.size == -2
    assert position.fees_usd == Decimal("0.0354")
    assert position.applied_fill_ids == frozenset({"f1"})
    async with transaction(store.factory) as db:
        assert await status_counts(db) == {"open_positions": 1, "live_sessions": 1, "armed_sessions": 1}
    await engine.dispose()  # type: ignore[attr-defined]


async def test_the_last_ended_session_is_the_one_of_the_account_and_mode_that_ended_last(tmp_path: Path) -> None:
    store, engine = await _store(tmp_path)
    assert await store.last_ended_session("sim:t", "sim") is None  # a fresh journal: nothing has ended
    ended: list[SessionRecord] = []
    # The first session ends after the second (e.g. a halted one flattened later): the end time decides, not the id.
    for minutes, account, mode in ((25, "sim:t", "sim"), (20, "sim:t", "sim"), (30, "sim:t", "paper"),
                                   (40, "sim:other", "sim")):
        record = _session()
        record.account, record.mode, record.exit_reason = account, mode, f"ended at +{minutes} min"
        record.state, record.ended_at = SessionState.DONE, NOW + timedelta(minutes=minutes)
        record.id = await store.create_session(record)
        await store.save_session(record)
        ended.append(record)
    still_open = _session()
    still_open.id = await store.create_session(still_open)

    last = await store.last_ended_session("sim:t", "sim")
    assert last is not None
    assert (last.id, last.exit_reason) == (ended[0].id, "ended at +25 min")
    assert last.legs[OptionKind.CALL].contract == CALL
    paper = await store.last_ended_session("sim:t", "paper")
    assert paper is not None
    assert paper.id == ended[2].id
    assert await store.last_ended_session("sim:t", "live") is None
    await engine.dispose()  # type: ignore[attr-defined]
