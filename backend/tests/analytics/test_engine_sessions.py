"""Analytics on sessions the engine itself produced: real cycles through the API on the simulated exchange.

The simulator replays a scripted market (one call, one put, marks on a known curve) so the three cycles end
the same way every run: a win at max profit, a loss at max loss, and an operator stop. The history, the
analytics export and the sessions export are then checked against the engine's own session figures and the
commissions the exchange reported on each fill.
"""

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from delta_strangle.app import create_app
from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.exchange import SimulatedExchange, build_core
from delta_strangle.exchange.sim.replay import ReplayMarket, Snapshot
from delta_strangle.exchange.sim.state import InMemoryStateStore
from delta_strangle.store.journal_tables import FillRow
from tests.api.test_engine_integration import START, Replay
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD, build_settings
from tests.engine.harness import SettlingJournalStore

CALL, PUT = "C-BTC-98000-251126", "P-BTC-92000-251126"  # 3 % either side of 95000, expiring 12:00 UTC today
SPOT = Decimal(95000)
# Seconds since START -> the call's mark (the put's is 10 lower): decay (win), rally (loss), then flat (stop).
CURVE = [(0, 100), (60, 100), (360, 30), (400, 30), (420, 100), (540, 100), (840, 220), (880, 220), (900, 100),
         (3600, 100)]
PROFILE: dict[str, Any] = {
    "name": "analytics-strangle",
    "strikes": {"mode": "distance", "call_distance_pct": "3", "put_distance_pct": "3"},
    "contracts_per_leg": 20,
    "schedule": {"entry_time": "09:30", "latest_entry_time": "10:30", "exit_time": "15:20", "repeat_daily": False},
    "exits": {"max_loss_pct": "300", "max_profit_pct": "50"},
    "execution": {"max_slippage_pct": "50", "attempt_seconds": 2, "limit_attempts": 2, "market_fallback": True},
}


def _mark(seconds: float) -> Decimal:
    for (t0, v0), (t1, v1) in pairwise(CURVE):
        if seconds <= t1:
            return Decimal(str(round(v0 + (v1 - v0) * (seconds - t0) / (t1 - t0), 1)))
    return Decimal(CURVE[-1][1])


def _ticker(mark: Decimal) -> dict[str, Any]:
    return {"mark_price": str(mark), "spot_price": str(SPOT),
            "quotes": {"best_bid": str(mark - 2), "best_ask": str(mark + 2), "bid_size": "500", "ask_size": "500"}}


def scripted_market(config: SimConfig) -> ReplayMarket:
    snapshots = [
        Snapshot(time=START + timedelta(seconds=t), spot={"BTC": SPOT},
                 tickers={CALL: _ticker(_mark(t)), PUT: _ticker(_mark(t) - 10)})
        for t in range(0, 3601, 5)
    ]
    return ReplayMarket(config, snapshots)


@pytest.fixture
async def replay(tmp_path: Path) -> AsyncIterator[Replay]:
    clock = ReplayClock(START)
    app = create_app(build_settings(tmp_path), clock=clock, configure_logs=False)

    async def scripted_exchange() -> Exchange:
        config = SimConfig(seed=7)
        core = build_core(config, START, scripted_market(config))
        return SimulatedExchange(core, next(iter(core.accounts.values())), clock, InMemoryStateStore())

    app.state.trading.exchange_factory = scripted_exchange  # the runner builds its exchange at start-up
    journal = SettlingJournalStore(app.state.app_state.session_factory)
    app.state.trading.journal_store = journal
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + 20
        while app.state.trading.engine is None:
            assert time.monotonic() < deadline, app.state.trading.problem
            await asyncio.sleep(0.02)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            login = await http.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            yield Replay(app, clock, http, {"Authorization": f"Bearer {login.json()['access_token']}"}, journal)


async def _cycle(replay: Replay, pid: int, *, at_second: int, stop: bool = False) -> Any:
    """Run one cycle from `at_second` after START until the engine has finished its session."""
    await replay.run_until(lambda: replay.clock.now() >= START + timedelta(seconds=at_second))
    started = await replay.control(action="start", configuration_id=pid, enter_now=True)
    assert started.status_code == 200, started.text
    engine = replay.app.state.trading.engine
    if stop:
        await replay.run_until(lambda: replay.state() == "live")
        await replay.control(action="stop", stop_mode="flatten")
    await replay.run_until(lambda: engine.session is None)
    return engine.last_session


def _sections(text: str) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    out: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        if row:
            out.setdefault(row[0], []).append(row)
    return out


async def test_history_and_exports_match_the_engines_own_session_pnl_and_the_exchanges_fees(replay: Replay) -> None:
    http, headers = replay.http, replay.headers
    created = await http.post("/api/configs", json=PROFILE, headers=headers)
    pid = created.json()["id"]
    win = await _cycle(replay, pid, at_second=0)
    v2 = {**PROFILE, "exits": {"max_loss_pct": "40", "max_profit_pct": "50"}}
    assert (await http.put(f"/api/configs/{pid}", json=v2, headers=headers)).json()["version"] == 2
    loss = await _cycle(replay, pid, at_second=480)
    stopped = await _cycle(replay, pid, at_second=960, stop=True)
    sessions = [win, loss, stopped]
    assert [s.exit_reason for s in sessions] == ["max_profit", "max_loss", "operator_stop"]
    assert [s.config_version for s in sessions] == [1, 2, 2]

    nets = [Decimal(s.pnl["net_usd"]) for s in sessions]
    grosses = [Decimal(s.pnl["gross_usd"]) for s in sessions]
    fees = [Decimal(s.pnl["fees_usd"]) for s in sessions]
    assert nets[0] > 0
    assert nets[1] < 0
    assert nets[2] < 0
    async with replay.app.state.app_state.session_factory() as db:
        fills = list(await db.scalars(select(FillRow).where(FillRow.session_id.in_([s.id for s in sessions]))))
    assert {f.fee_source for f in fills} == {"exchange"}
    commissions = {s.id: sum((f.commission for f in fills if f.session_id == s.id), Decimal(0)) for s in sessions}
    assert [commissions[s.id] for s in sessions] == fees  # the engine booked exactly the exchange's commissions
    assert all(fee > 0 for fee in fees)

    history = (await http.get("/api/analytics/history", headers=headers)).json()
    metrics = history["metrics"]
    assert metrics["trade_count"] == 3
    assert (metrics["win_count"], metrics["loss_count"], metrics["zero_pnl_count"]) == (1, 2, 0)
    assert Decimal(metrics["fees_total"]) == sum(commissions.values())
    assert Decimal(metrics["pnl_before_fees"]) == sum(grosses)
    # Fees come off exactly once: the history's net is the engine's net, gross minus the commissions.
    assert Decimal(metrics["net_pnl"]) == sum(nets)
    assert Decimal(metrics["net_pnl"]) == sum(grosses) - sum(commissions.values())
    assert Decimal(metrics["max_gain"]) == nets[0]
    assert Decimal(metrics["max_loss"]) == min(nets)
    assert metrics["consecutive_losses"] == 2
    reasons = {r["exit_reason"]: r for r in history["exit_reasons"]}
    assert set(reasons) == {"max_profit", "max_loss", "operator_stop"}
    assert reasons["max_profit"]["win_count"] == 1
    assert Decimal(reasons["max_loss"]["net_pnl"]) == nets[1]

    export = await http.get("/api/analytics/export", params={"format": "csv"}, headers=headers)
    assert export.status_code == 200
    sections = _sections(export.text)
    exported = {row[1]: row[2] for row in sections["metrics"]}
    assert Decimal(exported["net_pnl"]) == sum(nets)
    assert Decimal(exported["fees_total"]) == sum(commissions.values())
    assert Decimal(exported["pnl_before_fees"]) == sum(grosses)
    header = next(row for row in sections["timeline"] if row[1] == "timestamp")
    timeline = [dict(zip(header, row, strict=True)) for row in sections["timeline"] if row[1] != "timestamp"]
    fill_rows = [row for row in timeline if row["entry_type"] == "fill"]
    assert len(fill_rows) == len(fills)
    assert sum(Decimal(row["fee"]) for row in fill_rows) == sum(commissions.values())
    closes = {int(row["session_id"]): Decimal(row["realized_pnl"]) for row in timeline if row["entry_type"] == "session"}
    assert closes == {s.id: net for s, net in zip(sessions, nets, strict=True)}

    sessions_csv = await http.get("/api/trading/sessions/export", params={"format": "csv"}, headers=headers)
    rows = {row["session_id"]: row for row in csv.DictReader(io.StringIO(sessions_csv.text))}
    for session, net, gross, fee in zip(sessions, nets, grosses, fees, strict=True):
        row = rows[str(session.id)]
        assert row["mode"] == "sim"
        assert row["profile_version"] == str(session.config_version)
        assert row["exit_reason"] == session.exit_reason
        assert row["strategy_id"] == "analytics-strangle"
        assert row["total_fees"] == f"{fee:+.2f}"
        assert row["total_pnl"] == (f"+{net:.2f}" if net > 0 else f"{net:.2f}")
        assert row["pnl_before_fees"] == (f"+{gross:.2f}" if gross > 0 else f"{gross:.2f}")
        assert row["win_rate"] == ("100" if net > 0 else "0")
