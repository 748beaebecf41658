"""Entry limits against the simulated exchange: the notional cap and the margin estimate refuse an entry before any
order, and failed entries in a row stop a daily profile until the trader arms it again."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from delta_strangle.domain.config import EntryLimits, ScheduleConfig
from delta_strangle.domain.session import Arm, SessionState
from delta_strangle.engine.records import SessionRecord
from delta_strangle.engine.runtime import build_snapshot
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule
from delta_strangle.store.db import create_session_factory
from delta_strangle.store.session_queries import session_detail
from tests.engine.harness import Harness, build_harness, profile, sim_config

# The harness's profile sells 2 contracts per leg of BTC (contract value 0.001) with spot near 95 000:
# a notional of about 2 x 2 x 0.001 x 95 000 = 380 USD and an estimated margin of about 38 USD (10 % of the index
# per contract plus the premium, both legs), so 47.5 USD with the 25 % buffer.
DAILY = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(9, 32), exit_time=time(9, 38))


async def _events(h: Harness, session_id: int | None) -> list[Any]:
    assert session_id is not None
    async with create_session_factory(h.db)() as db:
        detail = await session_detail(db, session_id)
    assert detail is not None
    return list(detail["events"])


async def _entered_and_ended(h: Harness, config: Any) -> SessionRecord:
    await h.engine.arm(Arm(config=config, enter_now=True))
    await h.run_until(lambda: h.engine.last_session is not None, max_seconds=600)
    session = h.engine.last_session
    assert session is not None
    return session


def _warnings_named(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == event and r.levelno == logging.WARNING]


async def test_an_entry_above_the_notional_cap_places_no_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="delta_strangle.engine.journal")
    h = await build_harness(tmp_path)
    try:
        session = await _entered_and_ended(h, profile(entry_limits=EntryLimits(max_notional_usd=Decimal(300))))
        assert session.state is SessionState.DONE
        assert session.exit_reason == "entry_refused"
        assert "exceeds max_notional_usd 300 USD" in (session.exit_detail or "")
        assert session.legs == {}
        assert h.exchange.account.orders == {}
        [event] = [e for e in await _events(h, session.id) if e.kind == "entry_refused_notional_cap"]
        notional = Decimal(event.details["notional_usd"])
        assert Decimal(370) < notional < Decimal(390)
        assert event.details["max_notional_usd"] == "300"
        [line] = _warnings_named(caplog, "entry_refused_notional_cap")
        assert Decimal(line.notional_usd) == notional
    finally:
        await h.close()


async def test_an_entry_within_the_notional_cap_and_the_margin_estimate_goes_live(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile(entry_limits=EntryLimits(max_notional_usd=Decimal(400))),
                               enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=900)
        assert h.state() == "live"
        assert await h.positions() == {symbol: -2 for symbol in h.engine.session.sizes}
    finally:
        await h.close()


async def test_an_account_too_small_for_the_margin_estimate_places_no_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="delta_strangle.engine.journal")
    h = await build_harness(tmp_path, config=sim_config(starting_balance=Decimal(30)))
    try:
        session = await _entered_and_ended(h, profile())
        assert session.exit_reason == "entry_refused"
        assert session.legs == {}
        assert h.exchange.account.orders == {}
        [event] = [e for e in await _events(h, session.id) if e.kind == "entry_refused_margin"]
        assert event.details["available_balance_usd"] == "30"
        estimate = Decimal(event.details["margin_estimate_usd"])
        assert Decimal(36) < estimate < Decimal(40)
        assert Decimal(event.details["required_usd"]) == estimate * Decimal("1.25")
        assert _warnings_named(caplog, "entry_refused_margin")
    finally:
        await h.close()


async def test_an_unreadable_wallet_refuses_the_entry_rather_than_trading_unchecked(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.HTTP_5XX, path_prefix="/v2/wallet"),)))
        session = await _entered_and_ended(h, profile())
        assert session.exit_reason == "entry_refused"
        assert "wallet balance unavailable" in (session.exit_detail or "")
        assert h.exchange.account.orders == {}
    finally:
        await h.close()


async def _next_entry_ends(h: Harness) -> SessionRecord:
    """Skip the idle hours to just before the waiting session's entry, then run until that session has ended."""
    session = h.engine.session
    assert session is not None
    assert session.plan is not None
    await h.clock.advance_to(session.plan.entry_at - timedelta(seconds=5))
    await h.run_until(lambda: h.engine.last_session is session, max_seconds=1800)
    return session


async def test_three_failed_entries_in_a_row_stop_a_daily_profile_and_arming_it_again_resumes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="delta_strangle.engine.journal")
    h = await build_harness(tmp_path)
    try:
        h.exchange.set_faults(FaultPlan(rules=(FaultRule(kind=FaultKind.ORDER_REJECT),)))  # every order refused
        config = profile(schedule=DAILY)
        await h.engine.arm(Arm(config=config))
        days = [await _next_entry_ends(h) for _ in range(2)]
        assert [s.failed_entries_in_row for s in days] == [1, 2]
        assert h.engine.session is not None  # two failures: still armed for the next day
        assert h.engine.session.failed_entries_in_row == 2
        assert [a.code for a in build_snapshot(h.engine).alerts] == ["failed_entries"]
        await h.restart_engine()  # the count is journaled with the session: a restart does not forget it
        assert h.engine.session is not None
        assert h.engine.session.failed_entries_in_row == 2

        third = await _next_entry_ends(h)
        assert third.exit_reason == "entry_incomplete"
        assert third.failed_entries_in_row == 3
        assert third.rearm is False
        assert h.engine.session is None  # the engine armed no fourth cycle
        assert third.plan is not None
        await h.clock.advance_to(third.plan.entry_at + timedelta(days=2))
        await h.settle(5)  # two days later nothing has been armed behind the operator's back
        assert h.engine.session is None
        dates = [s.plan.trading_date for s in (*days, third) if s.plan is not None]
        assert [later - earlier for earlier, later in pairwise(dates)] == [timedelta(days=1)] * 2

        snapshot = build_snapshot(h.engine)
        assert snapshot.armed is False
        [alert] = [a for a in snapshot.alerts if a.code == "entries_stopped"]
        assert alert.level == "error"
        assert "3 failed entries in a row" in alert.message
        assert alert.details["failed_entries_in_row"] == 3
        [event] = [e for e in await _events(h, third.id) if e.kind == "entries_stopped_after_failures"]
        assert event.details["failed_entries_in_row"] == 3
        assert event.details["max_consecutive_failed_entries"] == 3
        assert _warnings_named(caplog, "entries_stopped_after_failures")

        await h.restart_engine()  # the profile is still stopped after a restart, and the trader still sees why
        assert h.engine.session is None
        assert h.engine.last_session is not None
        assert h.engine.last_session.id == third.id
        after_restart = build_snapshot(h.engine)
        assert after_restart.armed is False
        assert [a for a in after_restart.alerts if a.code == "entries_stopped"] == [alert]
        assert after_restart.exit_reason == "entry_incomplete"

        h.exchange.set_faults(FaultPlan())
        await h.engine.arm(Arm(config=config, enter_now=True))  # the trader arms it again
        resumed = h.engine.session
        assert resumed is not None
        assert resumed.failed_entries_in_row == 0
        await h.run_until(lambda: h.state() in {"live", "done", "halted"}, max_seconds=900)
        assert h.state() == "live"
        assert resumed.failed_entries_in_row == 0
    finally:
        await h.close()
