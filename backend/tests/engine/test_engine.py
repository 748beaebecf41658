import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from delta_strangle.domain.config import ScheduleConfig
from delta_strangle.domain.session import Arm, SessionState
from delta_strangle.exchange.base import Exchange
from tests.engine.harness import ChainReadFails, build_harness, profile


async def test_an_armed_profile_enters_at_its_entry_time_and_goes_live(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        result = await h.engine.arm(Arm(config=profile()))
        assert result.status == "waiting"
        await h.run_until(lambda: h.state() == "live", max_seconds=7200)
        session = h.engine.session
        assert session is not None
        assert session.state is SessionState.LIVE
        assert session.sizes == {leg.symbol: -2 for leg in session.legs.values()}
        assert await h.positions() == session.sizes
    finally:
        await h.close()


async def test_an_unexpected_error_during_entry_halts_the_session_and_the_engine_keeps_serving(tmp_path: Path) -> None:
    # The predecessor's loop died on such an error and left its session "running" with nothing watching it.
    h = await build_harness(tmp_path, wrap=ChainReadFails)
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "halted", max_seconds=120)
        session = h.engine.session
        assert session is not None
        assert "internal error" in (session.halt_reason or "")
        assert session.halt_views is not None
        assert session.halt_views["previous_state"] == "entering"
        result = await h.until_awaited(h.engine.panic())  # the loop is still alive and takes the operator's command
        assert result.status == "stopped"
        assert h.engine.last_session is session
        assert session.state is SessionState.DONE
    finally:
        await h.close()


async def test_a_daily_profile_arms_its_next_cycle_for_the_next_trading_day_once_a_cycle_ends(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        schedule = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(9, 32), exit_time=time(9, 38))
        assert schedule.repeat_daily
        await h.engine.arm(Arm(config=profile(schedule=schedule)))
        await h.run_until(lambda: h.engine.last_session is not None, max_seconds=3600)
        first, following = h.engine.last_session, h.engine.session
        assert first.exit_reason == "time_exit"
        assert following is not None
        assert following.id != first.id
        assert following.state is SessionState.WAITING
        assert following.plan is not None
        assert first.plan is not None
        assert following.plan.trading_date == first.plan.trading_date + timedelta(days=1)
        assert following.plan.entry_at == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 09:30 IST the next day
        assert following.profile_name == first.profile_name
    finally:
        await h.close()


class HoldsTheFlatten:
    """The simulator, except that closing positions waits at the door until the test opens it."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner
        self.holding = False
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def close_positions(self, product_ids: Any) -> Any:
        if self.holding:
            self.reached.set()
            await self.released.wait()
        return await self.inner.close_positions(product_ids)


async def test_a_panic_whose_caller_stops_waiting_still_flattens_and_ends_the_session_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The API stops waiting for a slow panic (and a client may hang up): the command must run to its end and
    # answer nobody, rather than fail in the engine's loop (an error that halts a session still holding positions).
    door: list[HoldsTheFlatten] = []
    h = await build_harness(tmp_path, wrap=lambda inner: door.append(HoldsTheFlatten(inner)) or door[0])
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        door[0].holding = True
        caller = asyncio.create_task(h.engine.panic())
        await h.until_awaited(door[0].reached.wait())
        caller.cancel()
        door[0].released.set()
        await h.run_until(lambda: h.state() == "done", max_seconds=600)
        assert caller.cancelled()
        assert h.engine.last_session is not None
        assert h.engine.last_session.halt_reason is None
        assert all(size == 0 for size in (await h.positions()).values())
        problems = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert problems == [], [(r.getMessage(), getattr(r, "event", None)) for r in problems]
    finally:
        await h.close()
