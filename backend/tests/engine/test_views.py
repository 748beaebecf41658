"""The engine's read-only views: which profiles it uses (for the profiles API) and its live book (risk view)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from delta_strangle.analytics.risk import risk_snapshot
from delta_strangle.domain.session import Arm, Disarm, SessionState
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.records import SessionRecord
from delta_strangle.engine.views import EngineBookSource, EngineProfileUsage
from tests.engine.harness import Harness, build_harness, profile


@dataclass
class Holder:
    engine: TradingEngine | None


def _record(profile_id: int, state: SessionState, *, account: str = "sim:other") -> SessionRecord:
    at = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    return SessionRecord(account=account, mode="sim", token="abcd", profile_name=f"p{profile_id}", config=profile(),
                         state=state, created_at=at, updated_at=at, profile_id=profile_id)


async def _used(h: Harness, usage: EngineProfileUsage, profile_id: int) -> bool:
    async with h.store.factory() as db:
        return await usage.is_used_by_session(db, profile_id)


async def test_a_profile_is_armed_only_while_the_engines_open_session_runs_it(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        holder = Holder(engine=None)
        usage = EngineProfileUsage(holder)
        assert not usage.is_armed(5)  # the engine is not running yet
        holder.engine = h.engine
        assert not usage.is_armed(5)
        await h.engine.arm(Arm(config=profile(), profile_id=5, config_version=1))
        assert usage.is_armed(5)
        assert not usage.is_armed(6)
        assert await _used(h, usage, 5)  # the waiting session is in the journal too
        await h.engine.disarm(Disarm())
        assert not usage.is_armed(5)
        assert not await _used(h, usage, 5)
    finally:
        await h.close()


async def test_only_sessions_that_are_not_done_pin_a_profile_whatever_their_account(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        usage = EngineProfileUsage(Holder(engine=h.engine))
        await h.store.create_session(_record(1, SessionState.DONE))
        await h.store.create_session(_record(2, SessionState.HALTED))
        await h.store.create_session(_record(3, SessionState.LIVE, account="live:prod:abc"))
        assert not await _used(h, usage, 1)
        assert await _used(h, usage, 2)
        assert await _used(h, usage, 3)
        assert not await _used(h, usage, 4)
    finally:
        await h.close()


async def test_there_is_no_book_without_an_engine_or_while_the_session_waits(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        assert EngineBookSource(Holder(engine=None)).current_book() is None
        source = EngineBookSource(Holder(engine=h.engine))
        assert source.current_book() is None
        await h.engine.arm(Arm(config=profile()))
        assert source.current_book() is None
    finally:
        await h.close()


async def test_the_book_of_a_live_session_carries_its_legs_quotes_spot_exits_and_risk_state(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        source = EngineBookSource(Holder(engine=h.engine))
        config = profile()
        await h.engine.arm(Arm(config=config, enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=900)
        await h.settle(5)
        session = h.engine.session
        assert session is not None
        book = source.current_book()
        assert book is not None
        assert book.session_id == session.id
        assert book.mode == "sim"
        assert book.spot == h.engine.quotes.spot
        assert book.as_of == h.clock.now()
        assert book.exits == config.exits
        assert book.risk == session.risk
        assert {leg.contract.symbol: leg.position.size for leg in book.legs} == session.sizes
        assert all(leg.quote is not None and leg.quote.symbol == leg.contract.symbol for leg in book.legs)

        picture = risk_snapshot(book)
        breakeven = next(level for level in picture.levels if level.name == "breakeven")
        below, above = sorted(s.spot for s in breakeven.at_expiry)
        put = min(leg.contract.strike for leg in book.legs)
        call = max(leg.contract.strike for leg in book.legs)
        # A short strangle breaks even outside its strikes, by the premium kept per unit.
        assert below < put < book.spot < call < above
        assert picture.premium_collected_usd > 0

        await h.until_awaited(h.engine.panic())
        assert source.current_book() is None
    finally:
        await h.close()
