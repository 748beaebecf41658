"""The engine wired into the app: profiles in use, the live risk snapshot and the runtime snapshot, over HTTP.

The app runs the embedded simulator on a replay clock, so a cycle takes simulated minutes and real seconds.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.app import create_app
from delta_strangle.clock import ReplayClock
from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.setup import configure_logging
from delta_strangle.settings import Settings
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD, build_settings
from tests.engine.harness import SettlingJournalStore, settle

# A Wednesday 03:58 UTC (09:28 IST): the default schedule's entry is two minutes away.
START = datetime(2026, 11, 25, 3, 58, tzinfo=UTC)
PROFILE: dict[str, Any] = {
    "name": "wired-strangle",
    "strikes": {"mode": "distance", "call_distance_pct": "3", "put_distance_pct": "3"},
    "contracts_per_leg": 2,
    "exits": {"max_loss_pct": "300", "max_profit_pct": "90", "leg_stop_pct": "400", "daily_loss_cap_usd": "500",
              "trailing_steps": [{"trigger_profit_pct": "20", "lock_profit_pct": "5"}]},
    "execution": {"max_slippage_pct": "50", "attempt_seconds": 2, "limit_attempts": 2, "market_fallback": True},
}


@dataclass
class Replay:
    app: FastAPI
    clock: ReplayClock
    http: httpx.AsyncClient
    headers: dict[str, str]
    journal: SettlingJournalStore

    async def run_until(self, predicate: Callable[[], bool], *, max_seconds: float = 900) -> None:
        """Advance simulated time a second at a time until the predicate holds."""
        waited = 0.0
        while not predicate():
            engine = self.app.state.trading.engine
            seen = (self.state(), getattr(engine, "last_session", None), self.app.state.trading.problem)
            assert waited < max_seconds, f"not reached within {max_seconds} simulated seconds: {seen}"
            await self.clock.advance(1.0)
            await self.quiesce()
            waited += 1

    async def quiesce(self, *, real_seconds: float = 10.0) -> None:
        await settle(self.journal, real_seconds=real_seconds)

    def state(self) -> str | None:
        engine = self.app.state.trading.engine
        session = engine.session if engine else None
        return None if session is None else session.state.value

    async def control(self, **body: Any) -> httpx.Response:
        """Post a control command; replayed time stands still until the command reaches the engine's queue.

        Authentication and the route's database work run on threads, outside the journal's in-flight count;
        advancing time meanwhile would let the market move on (minutes on a loaded machine) before the
        engine even sees the command.
        """
        engine = self.app.state.trading.engine
        reached_engine = asyncio.Event()
        submit = engine._submit

        async def noting_submit(action: Any) -> Any:
            reached_engine.set()
            return await submit(action)

        engine._submit = noting_submit
        try:
            task = asyncio.ensure_future(self.http.post("/api/trading/control", json=body, headers=self.headers))
            reached = asyncio.ensure_future(reached_engine.wait())
            await asyncio.wait({task, reached}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            reached.cancel()
            await self.run_until(task.done, max_seconds=600)
        finally:
            del engine._submit  # back to the class's method
        return task.result()

    async def profile_id(self, **overrides: Any) -> int:
        response = await self.http.post("/api/configs", json={**PROFILE, **overrides}, headers=self.headers)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])


@pytest.fixture
async def replay(tmp_path: Path) -> AsyncIterator[Replay]:
    async with replayed_app(build_settings(tmp_path, sim_state_persist=False), configure_logs=False) as running:
        yield running


@asynccontextmanager
async def replayed_app(settings: Settings, *, configure_logs: bool) -> AsyncIterator[Replay]:
    """The app on a replay clock, started, with an admin logged in.

    The simulator's state saves run in database threads that replayed time would outrun; these tests are about
    the engine's views, so the settings keep the simulator's state in memory.
    """
    clock = ReplayClock(START)
    app = create_app(settings, clock=clock, configure_logs=configure_logs)
    journal = SettlingJournalStore(app.state.app_state.session_factory)
    app.state.trading.journal_store = journal
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + 20
        while app.state.trading.engine is None:
            assert time.monotonic() < deadline, app.state.trading.problem
            await asyncio.sleep(0.02)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            login = await http.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            yield Replay(app, clock, http, headers, journal)


async def test_an_armed_profile_cannot_be_deleted_or_deactivated_until_it_is_stopped(replay: Replay) -> None:
    http, headers = replay.http, replay.headers
    pid = await replay.profile_id()
    assert (await http.post(f"/api/configs/{pid}/activate", headers=headers)).status_code == 200
    started = await replay.control(action="start", configuration_id=pid)
    assert started.json()["status"] == "waiting"

    deleted = await http.delete(f"/api/configs/{pid}", headers=headers)
    assert deleted.status_code == 409
    assert deleted.json()["detail"] == "profile 'wired-strangle' is armed: stop it before deleting"
    deactivated = await http.post(f"/api/configs/{pid}/deactivate", headers=headers)
    assert deactivated.status_code == 409
    assert "armed" in deactivated.json()["detail"]
    assert (await http.get(f"/api/configs/{pid}", headers=headers)).json()["is_active"] is True

    # Depending on how far the entry got, the stop ends the waiting session or flattens what was entered.
    assert (await replay.control(action="stop")).json()["status"] in {"stopped", "exiting"}
    engine = replay.app.state.trading.engine
    await replay.run_until(lambda: engine.session is None)  # the stopped session is written as done
    await replay.quiesce()
    assert (await http.post(f"/api/configs/{pid}/deactivate", headers=headers)).status_code == 200
    assert (await http.delete(f"/api/configs/{pid}", headers=headers)).status_code == 204
    # The finished session keeps its own copy of the profile, so its history stays readable.
    sessions = (await http.get("/api/trading/sessions", headers=headers)).json()
    detail = (await http.get(f"/api/trading/sessions/{sessions['items'][0]['id']}", headers=headers)).json()
    assert detail["config_snapshot"]["name"] == "wired-strangle"
    assert detail["config_version"] == 1


async def test_the_risk_snapshot_shows_the_live_sim_book_with_breakevens_levels_and_distances(replay: Replay) -> None:
    http, headers = replay.http, replay.headers
    assert (await http.get("/api/trading/risk-snapshot", headers=headers)).json() == {"book": None}
    pid = await replay.profile_id()
    await replay.control(action="start", configuration_id=pid, enter_now=True)
    await replay.run_until(lambda: replay.state() == "live")
    await replay.clock.advance(3)

    body = (await http.get("/api/trading/risk-snapshot", headers=headers)).json()
    book = body["book"]
    assert book is not None
    engine = replay.app.state.trading.engine
    session = engine.session
    assert book["session_id"] == session.id
    assert book["mode"] == "sim"
    spot = Decimal(book["spot"])
    for leg in book["legs"]:
        assert Decimal(leg["strike_distance_pct"]) == (Decimal(leg["strike"]) - spot) / spot * 100
    assert {leg["symbol"]: leg["size"] for leg in book["legs"]} == session.sizes
    assert len(book["ladder"]) == 41
    assert book["mark_curve"] == "delta_gamma"
    levels = {level["name"]: level for level in book["levels"]}
    assert set(levels) >= {"breakeven", "max_loss", "max_profit"}
    put, call = sorted(Decimal(leg["strike"]) for leg in book["legs"])
    low, high = sorted(Decimal(s["spot"]) for s in levels["breakeven"]["at_expiry"])
    assert low < put < spot < call < high
    for level in levels["breakeven"]["at_expiry"]:
        assert Decimal(level["distance"]) == Decimal(level["spot"]) - spot
        assert Decimal(level["distance_pct"]) == pytest.approx((Decimal(level["spot"]) - spot) / spot * 100)
    # Losing 300 % of the premium needs a bigger move than breaking even, on both sides.
    loss_low, loss_high = sorted(Decimal(s["spot"]) for s in levels["max_loss"]["at_expiry"])
    assert loss_low < low
    assert high < loss_high
    assert Decimal(levels["max_loss"]["pnl_usd"]) == -3 * Decimal(book["premium_collected_usd"])

    runtime = (await http.get("/api/trading/runtime", headers=headers)).json()
    assert runtime["status"] == "live"
    assert runtime["session_id"] == session.id
    names = [limit["name"] for limit in runtime["limits"]]
    assert names == ["expiry_guard", "time_exit", "daily_loss_cap", "max_loss", "leg_stop", "leg_stop", "max_profit",
                     "trailing_floor"]
    assert runtime["schedule"]["time_to_expiry_guard_seconds"] > 0
    assert all(leg["delta"] is not None and leg["quote_age_seconds"] is not None for leg in runtime["legs"])
    assert Decimal(runtime["spot"]["now"]) > 0

    await replay.control(action="panic")
    assert (await http.get("/api/trading/risk-snapshot", headers=headers)).json() == {"book": None}


async def test_the_log_viewer_finds_every_engine_line_of_a_sim_cycle_by_its_strategy_and_by_its_session(
    tmp_path: Path,
) -> None:
    settings = build_settings(tmp_path, sim_state_persist=False)
    try:
        async with replayed_app(settings, configure_logs=True) as replay:  # JSON lines to backend.log, as deployed
            pid = await replay.profile_id()
            started = await replay.control(action="start", configuration_id=pid, enter_now=True)
            session_id = started.json()["session_id"]
            await replay.run_until(lambda: replay.state() == "live")
            assert (await replay.control(action="stop", stop_mode="flatten")).json()["status"] == "exiting"
            await replay.run_until(lambda: replay.app.state.trading.engine.session is None)
            await replay.quiesce()
            assert settings.sqlite_path is not None
            ingester = LogIngester(settings.sqlite_path, settings.backend_log_path, now_us=lambda: time.time_ns() // 1000)
            ingester.poll_once()
            ingester.close()

            async def viewer_rows(**params: Any) -> list[dict[str, Any]]:
                response = await replay.http.get("/api/logs/backend", params={**params, "limit": 500},
                                                  headers=replay.headers)
                assert response.status_code == 200, response.text
                assert response.json()["next_cursor"] is None
                return list(response.json()["items"])

            by_strategy = await viewer_rows(strategy_id=str(pid))
            by_session = await viewer_rows(session_id=str(session_id))
    finally:
        configure_logging("INFO", None, stdout=False)

    written = [json.loads(line) for line in settings.backend_log_path.read_text().splitlines()]
    engine_lines = [line for line in written
                    if line["logger"].startswith("delta_strangle.engine") and line.get("session_id") == session_id]
    assert {"armed", "strangle_selected", "state_changed"} <= {line["event"] for line in engine_lines}
    assert all(line.get("strategy_id") == str(pid) and line.get("mode") == "sim" for line in engine_lines)
    found = [row for row in by_strategy if row["logger"].startswith("delta_strangle.engine")]
    assert sorted((row["event"], row["message"]) for row in found) == sorted(
        (line["event"], line["message"]) for line in engine_lines)
    assert {row["id"] for row in by_strategy} == {row["id"] for row in by_session}
    assert all((row["strategy_id"], row["session_id"], row["mode"]) == (str(pid), str(session_id), "sim")
               for row in by_strategy)
