"""Analytics, exports and the risk snapshot over HTTP, on a real app with a journaled history."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.analytics.export import TIMELINE_HEADER
from delta_strangle.analytics.risk import LiveBook
from delta_strangle.analytics.sessions_export import HEADER as SESSIONS_HEADER
from delta_strangle.store import users
from delta_strangle.store.journal import SqlJournalStore
from tests.analytics.builders import JournalWriter
from tests.analytics.history_fixture import play_history
from tests.analytics.test_risk import book
from tests.conftest import MakeUser

JANUARY = {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z", "mode": "sim"}


@pytest.fixture
async def ids(app: FastAPI) -> dict[str, int]:
    return await play_history(JournalWriter(SqlJournalStore(app.state.app_state.session_factory)))


def sections(text: str) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    blank = [i for i, row in enumerate(rows) if row == []]
    return {"header": rows[:1], "metadata": rows[1 : blank[0]], "metrics": rows[blank[0] + 1 : blank[1]],
            "timeline": rows[blank[1] + 1 :]}  # fmt: skip


async def test_the_export_streams_a_csv_with_the_three_sections(
    client: httpx.AsyncClient, admin_headers: dict[str, str], ids: dict[str, int]
) -> None:
    response = await client.get("/api/analytics/export", params={**JANUARY, "format": "csv"}, headers=admin_headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    assert re.fullmatch(
        r'attachment; filename="analytics-export-\d{8}-\d{6}\.csv"', response.headers["content-disposition"]
    )
    parts = sections(response.text)
    assert parts["header"] == [["section", "field", "value"]]
    meta = {row[1]: row[2] for row in parts["metadata"]}
    assert (meta["start"], meta["end"], meta["mode"], meta["record_count"]) == (
        "2025-01-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00", "sim", "88",
    )  # fmt: skip
    assert {row[1]: row[2] for row in parts["metrics"]}["net_pnl"] == "15"
    assert parts["timeline"][0] == list(TIMELINE_HEADER)
    assert len(parts["timeline"]) == 89
    assert {row[2] for row in parts["timeline"][1:]} == {str(ids[name]) for name in ids if name != "L1"}


async def test_any_format_but_csv_is_refused_with_a_clear_message(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/analytics/export", params={"format": "xlsx"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"] == "format must be csv (got 'xlsx')"
    sessions = await client.get("/api/trading/sessions/export", params={"format": "json"}, headers=admin_headers)
    assert sessions.status_code == 422


@pytest.mark.parametrize(
    "path",
    ["/api/analytics/export", "/api/analytics/history", "/api/trading/sessions/export", "/api/trading/risk-snapshot"],
)
async def test_no_token_means_401(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 401


async def test_a_viewer_may_read_the_history(
    client: httpx.AsyncClient, make_user: MakeUser, ids: dict[str, int]
) -> None:
    headers = await make_user(users.Role.VIEWER)
    response = await client.get("/api/analytics/history", params={**JANUARY, "timeline_limit": 5}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["metrics"]["trade_count"] == 8
    assert Decimal(body["metrics"]["net_pnl"]) == Decimal(15)
    assert Decimal(body["metrics"]["fees_total"]) == Decimal(80)
    assert body["exit_reasons"][0]["exit_reason"] == "max_loss"
    assert len(body["charts"]["cumulative_pnl"]) == 8
    assert body["timeline_total"] == 88
    assert [row["entry_type"] for row in body["timeline"]][:1] == ["session"]
    assert len(body["timeline"]) == 5
    assert body["status"]["is_stale"] is False


async def test_modes_are_kept_apart_over_http(
    client: httpx.AsyncClient, admin_headers: dict[str, str], ids: dict[str, int]
) -> None:
    live = await client.get("/api/analytics/history", params={**JANUARY, "mode": "live"}, headers=admin_headers)
    blended = await client.get("/api/analytics/history", params={**JANUARY, "mode": "all"}, headers=admin_headers)
    assert live.json()["metrics"]["trade_count"] == 1
    assert blended.json()["metrics"]["trade_count"] == 9


async def test_a_backwards_range_is_a_422_that_says_why(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    params = {"start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}
    response = await client.get("/api/analytics/history", params=params, headers=admin_headers)
    assert response.status_code == 422
    assert "must be before" in response.json()["detail"]


async def test_the_sessions_export_is_not_taken_for_a_session_id(
    client: httpx.AsyncClient, admin_headers: dict[str, str], ids: dict[str, int]
) -> None:
    response = await client.get("/api/trading/sessions/export", params={"format": "csv"}, headers=admin_headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0].keys()) == list(SESSIONS_HEADER)
    assert [int(r["session_id"]) for r in rows] == sorted(ids.values(), reverse=True)
    s1 = next(r for r in rows if r["session_id"] == str(ids["S1"]))
    assert (s1["total_pnl"], s1["total_fees"], s1["pnl_before_fees"], s1["win_rate"], s1["trade_count"]) == (
        "+100.00", "+10.00", "+110.00", "100", "2",
    )  # fmt: skip
    assert (s1["ce_symbol"], s1["ce_strike"], s1["ce_delta"], s1["mode"], s1["exit_reason"]) == (
        "C-BTC-100000-070125", "100000", "+0.1200", "sim", "max_profit",
    )  # fmt: skip
    assert s1["slippage_usd"] == "+2.00"
    # The engine's detail route still answers for real ids: both live side by side.
    detail = await client.get(f"/api/trading/sessions/{ids['S1']}", headers=admin_headers)
    assert detail.status_code == 200
    assert detail.headers["content-type"].startswith("application/json")


async def test_the_sessions_export_keeps_exactly_the_sessions_the_filtered_list_shows(
    client: httpx.AsyncClient, admin_headers: dict[str, str], ids: dict[str, int]
) -> None:
    filters = {"mode": "sim", "strategy_id": "1", "start": "2025-01-07", "end": "2025-01-10"}
    listed = await client.get("/api/trading/sessions", params={**filters, "page_size": 200}, headers=admin_headers)
    exported = await client.get(
        "/api/trading/sessions/export", params={**filters, "format": "csv"}, headers=admin_headers
    )

    assert exported.status_code == 200
    shown = [item["id"] for item in listed.json()["items"]]
    assert shown == [ids[name] for name in ("S6", "S5", "S4", "S3", "S2")]
    assert [int(row["session_id"]) for row in csv.DictReader(io.StringIO(exported.text))] == shown


async def test_the_sessions_export_refuses_a_backwards_or_malformed_day(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    backwards = await client.get(
        "/api/trading/sessions/export", params={"start": "2025-01-10", "end": "2025-01-07"}, headers=admin_headers
    )
    malformed = await client.get("/api/trading/sessions/export", params={"start": "10/01/2025"}, headers=admin_headers)

    assert backwards.status_code == 422
    assert backwards.json()["detail"] == "end must not be before start"
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["query", "start"]


async def test_without_an_engine_the_risk_snapshot_has_no_book(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/trading/risk-snapshot", headers=admin_headers)
    assert response.status_code == 200
    assert response.json() == {"book": None}


class OneBook:
    def __init__(self, live: LiveBook) -> None:
        self.live = live

    def current_book(self) -> LiveBook | None:
        return self.live


async def test_the_risk_snapshot_reads_the_wired_book(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    app.state.live_book_source = OneBook(book())
    response = await client.get("/api/trading/risk-snapshot", params={"points": 5}, headers=admin_headers)
    assert response.status_code == 200
    snapshot = response.json()["book"]
    assert Decimal(snapshot["premium_collected_usd"]) == Decimal(900)
    assert len(snapshot["ladder"]) == 5
    breakeven = next(level for level in snapshot["levels"] if level["name"] == "breakeven")
    assert [round(float(s["spot"]), 2) for s in breakeven["at_expiry"]] == [89100.0, 100900.0]
