"""Every figure of /api/analytics/history on a history the engine traded itself, against a hand computation.

The engine runs eleven cycles over the simulator on a scripted market (engine_history.py): a win, three losses in
a row, a session that nets exactly zero, another loss, a trailing-floor win, a cycle across local midnight and one
in Thursday's small hours (still Wednesday in UTC), then two cycles in paper mode on the same journal. The
expected values come from the journaled fills and commissions (hand_history.py), never from the analytics code.
"""

from __future__ import annotations

import asyncio
import time as time_module
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from delta_strangle.analytics.metrics import HistoryMetrics
from delta_strangle.app import create_app
from delta_strangle.clock import ReplayClock
from delta_strangle.store.db import create_engine, create_session_factory
from tests.analytics.engine_history import (
    CONTRACT_VALUE,
    CONTRACTS,
    CYCLES,
    ENTRY_MARKS,
    WINDOWS,
    TradedCycle,
    trade_history,
)
from tests.analytics.hand_history import (
    IST,
    HandSession,
    expected_charts,
    expected_exit_reasons,
    expected_metrics,
    hand_sessions,
    net_pct_at,
)
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD, build_settings

RANGE = {"start": "2026-11-24T00:00:00Z", "end": "2026-11-27T00:00:00Z", "timeline_limit": "0"}
# Sums of journaled money are exact; averages and ratios are quotients, equal to within Decimal's precision.
EXACT = {"max_gain", "max_loss", "max_drawdown", "net_pnl", "pnl_before_fees", "fees_total", "premium_collected",
         "slippage_total"}  # fmt: skip
TOLERANCE = Decimal("1e-12")


@dataclass(frozen=True)
class Served:
    traded: dict[str, TradedCycle]
    hand: list[HandSession]
    peaks: dict[int, Decimal]
    histories: dict[str, dict[str, Any]]

    def session(self, name: str) -> HandSession:
        return next(s for s in self.hand if s.session_id == self.traded[name].session.id)

    def of_mode(self, mode: str) -> list[HandSession]:
        return [s for s in self.hand if mode == "all" or s.mode == mode]


def hand_peak(session: HandSession, traded: TradedCycle) -> Decimal:
    """The best net % the engine could have seen: the entry plateau and each plateau before the exit began."""
    cycle = traded.cycle
    seen = [ENTRY_MARKS] + [
        (Decimal(call), Decimal(put)) for offset, call, put in cycle.plateaus
        if cycle.armed_at + timedelta(seconds=offset) <= session.first_exit_fill
    ]  # fmt: skip
    return max(
        net_pct_at(session, {symbol: call if symbol.startswith("C") else put for symbol in session.entry_prices},
                   CONTRACTS, CONTRACT_VALUE)
        for call, put in seen
    )  # fmt: skip


async def served_histories(folder: Path, database_url: str) -> dict[str, dict[str, Any]]:
    """Ask the app, over HTTP, for the history of each mode on the journal the engine wrote."""
    settings = build_settings(folder, database_url=database_url, sim_state_persist=False)
    # Replayed "now" just after the last cycle (a token's issue time must not lie ahead of the real clock).
    app = create_app(settings, clock=ReplayClock(WINDOWS[-1][1]), configure_logs=False)
    async with app.router.lifespan_context(app):
        deadline = time_module.monotonic() + 20
        while app.state.trading.engine is None:  # let the app's own runner finish starting before it is stopped
            assert time_module.monotonic() < deadline, app.state.trading.problem
            await asyncio.sleep(0.02)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.11", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            login = await http.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            histories = {}
            for mode in ("sim", "paper", "live", "all"):
                answer = await http.get("/api/analytics/history", params={**RANGE, "mode": mode}, headers=headers)
                assert answer.status_code == 200, answer.text
                histories[mode] = answer.json()
    return histories


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> Served:
    folder = tmp_path_factory.mktemp("engine-history")
    traded = await trade_history(folder)
    url = f"sqlite+aiosqlite:///{folder / 'engine.db'}"
    db = create_engine(url)
    exit_times = {t.session.id: t.cycle.config.schedule.exit_time for t in traded}
    hand = await hand_sessions(create_session_factory(db), CONTRACT_VALUE, exit_times)
    await db.dispose()
    by_id = {t.session.id: t for t in traded}
    peaks = {s.session_id: hand_peak(s, by_id[s.session_id]) for s in hand}
    return Served({t.cycle.name: t for t in traded}, hand, peaks, await served_histories(folder, url))


def assert_metrics(served: dict[str, Any], expected: dict[str, Any]) -> None:
    assert set(expected) == set(HistoryMetrics.model_fields)  # a new metric needs a hand value here
    for name, value in expected.items():
        got = served[name]
        if value is None or isinstance(value, int):
            assert got == value, name
        elif name in EXACT:
            assert Decimal(got) == value, name
        else:
            assert abs(Decimal(got) - value) <= TOLERANCE, (name, got, value)


def test_the_engine_traded_the_planned_history(served: Served) -> None:
    assert [t.cycle.name for t in served.traded.values()] == [c.name for c in CYCLES]
    assert [s.session_id for s in served.hand] == [t.session.id for t in served.traded.values()]
    # Each session's net from its own fills is the engine's session PnL: fees came off once.
    assert [s.net for s in served.hand] == [s.engine_net for s in served.hand]
    # The engine persisted the profit peak the scripted marks give.
    for s in served.hand:
        assert s.engine_peak_pct is not None
        assert abs(s.engine_peak_pct - served.peaks[s.session_id]) <= TOLERANCE


def test_every_sim_metric_matches_the_hand_computation(served: Served) -> None:
    sim = served.of_mode("sim")
    metrics = served.histories["sim"]["metrics"]
    assert_metrics(metrics, expected_metrics(sim, served.peaks))
    # The history is the one described in engine_history.py, so these figures mean what they say.
    assert (metrics["trade_count"], metrics["win_count"], metrics["loss_count"], metrics["zero_pnl_count"]) == (
        9, 3, 5, 1,
    )  # fmt: skip
    assert (metrics["consecutive_wins"], metrics["consecutive_losses"]) == (2, 3)
    assert metrics["trailing_sessions"] == 4  # W1, Z, T and N1 saw a profit before their exit


def test_paper_sessions_have_their_own_history_and_all_blends_only_when_asked(served: Served) -> None:
    paper, everything = served.of_mode("paper"), served.of_mode("all")
    assert [s.session_id for s in paper] == [served.traded[name].session.id for name in ("P1", "P2")]
    assert_metrics(served.histories["paper"]["metrics"], expected_metrics(paper, served.peaks))
    assert_metrics(served.histories["all"]["metrics"], expected_metrics(everything, served.peaks))
    assert served.histories["live"]["metrics"]["trade_count"] == 0
    sim_net = Decimal(served.histories["sim"]["metrics"]["net_pnl"])
    paper_net = Decimal(served.histories["paper"]["metrics"]["net_pnl"])
    assert Decimal(served.histories["all"]["metrics"]["net_pnl"]) == sim_net + paper_net
    assert served.histories["all"]["metrics"]["trade_count"] == 11


def test_fees_come_off_exactly_once(served: Served) -> None:
    metrics = served.histories["all"]["metrics"]
    fills_cash = sum((s.gross for s in served.hand), Decimal(0))
    commissions = sum((s.fees for s in served.hand), Decimal(0))
    assert commissions > 0
    assert Decimal(metrics["pnl_before_fees"]) == fills_cash
    assert Decimal(metrics["fees_total"]) == commissions
    assert Decimal(metrics["net_pnl"]) == fills_cash - commissions


def test_a_session_that_nets_exactly_zero_is_neither_win_nor_loss_and_breaks_the_losing_streak(
    served: Served,
) -> None:
    zero = served.session("Z")
    # Its commissions are real: the market was steered so its gross equals them exactly.
    assert zero.fees > 0
    assert zero.gross == zero.fees
    assert zero.net == 0
    nets = [s.net for s in served.of_mode("sim")]
    assert [n < 0 for n in nets[1:6]] == [True, True, True, False, True]  # L1 L2 L3, Z, L4
    metrics = served.histories["sim"]["metrics"]
    assert metrics["zero_pnl_count"] == 1
    assert metrics["consecutive_losses"] == 3  # 4 if the zero session did not break the run


def test_a_session_across_local_midnight_counts_on_its_trading_day_in_the_profile_zone(served: Served) -> None:
    n1, n2 = served.session("N1"), served.session("N2")
    first_fill = n1.first_exit_fill - n1.holding
    # N1 sold at 23:58 IST on Wednesday and bought back after midnight; in UTC it never left Wednesday.
    assert first_fill.astimezone(IST).date() == date(2026, 11, 25)
    assert n1.first_exit_fill.astimezone(IST).date() == date(2026, 11, 26)
    assert n1.closed_at.date() == date(2026, 11, 25)
    assert n2.closed_at.date() == date(2026, 11, 25)
    assert (n1.day, n2.day) == (date(2026, 11, 26), date(2026, 11, 26))
    # The engine planned N1 (entered now, after the day's 15:20 exit time) for Thursday.
    assert served.traded["N1"].session.plan is not None
    assert served.traded["N1"].session.plan.trading_date == date(2026, 11, 26)

    metrics = served.histories["sim"]["metrics"]
    wednesday = sum((s.net for s in served.of_mode("sim") if s.day == date(2026, 11, 25)), Decimal(0))
    assert wednesday < 0 < n1.net + n2.net
    assert n2.net < 0
    # UTC days would make one losing day; counting N1 on its entry date would leave Thursday losing too.
    assert (metrics["days_running"], metrics["profitable_days"]) == (2, 1)


def test_exit_reasons_and_charts_match_the_hand_computation(served: Served) -> None:
    for mode in ("sim", "all"):
        sessions = served.of_mode(mode)
        history = served.histories[mode]
        reasons = [
            {**row, "net_pnl": Decimal(row["net_pnl"]), "average_pnl": Decimal(row["average_pnl"])}
            for row in history["exit_reasons"]
        ]
        assert reasons == expected_exit_reasons(sessions)
        charts, expected = history["charts"], expected_charts(sessions)
        for name in ("cumulative_pnl", "cumulative_gross_pnl", "cumulative_fees", "drawdown", "rolling_win_rate"):
            assert [point["session_id"] for point in charts[name]] == [s.session_id for s in sessions], name
            assert [Decimal(point["value"]) for point in charts[name]] == expected[name], name
        assert [bucket["count"] for bucket in charts["pnl_histogram"]] == expected["pnl_histogram"]
    sim_reasons = {row["exit_reason"]: row["count"] for row in served.histories["sim"]["exit_reasons"]}
    assert sim_reasons == {"max_loss": 3, "operator_stop": 2, "max_profit": 2, "time_exit": 1, "trailing_floor": 1}
