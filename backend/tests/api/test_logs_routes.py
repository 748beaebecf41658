"""The log viewer API and the client-log intake, end to end through the app."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.retention import purge_older_than
from delta_strangle.settings import Settings
from delta_strangle.store.users import Role
from tests.asgi_probe import AsgiCall, http_scope
from tests.builders import build_settings
from tests.conftest import MakeUser
from tests.logs.builders import json_line


def seed_logs(settings: Settings, lines: list[str]) -> None:
    log = settings.backend_log_path
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write("".join(lines))
    assert settings.sqlite_path is not None
    worker = LogIngester(settings.sqlite_path, log, now_us=lambda: 0)
    worker.poll_once()
    worker.close()


@pytest.fixture
async def viewer(app: FastAPI, make_user: MakeUser) -> dict[str, str]:
    return await make_user(Role.VIEWER)


async def test_every_log_route_needs_a_user(client: httpx.AsyncClient) -> None:
    for path in ("/api/logs/backend", "/api/logs/backend/summary", "/api/logs/backend/export",
                 "/api/logs/backend/stream"):
        assert (await client.get(path)).status_code == 401, path
    assert (await client.post("/api/logs/batch", json={"logs": []})).status_code == 401


async def test_list_filters_pages_and_accepts_warn(
    client: httpx.AsyncClient, settings: Settings, viewer: dict[str, str]
) -> None:
    seed_logs(settings, [json_line(f"m{i}", seconds=i, level="WARNING" if i % 2 else "INFO") for i in range(6)])
    first = await client.get("/api/logs/backend", params={"level": "warn", "limit": 2}, headers=viewer)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [item["message"] for item in body["items"]] == ["m5", "m3"]
    assert body["total"] == {"value": 3, "exact": True, "relation": "eq"}
    second = await client.get(
        "/api/logs/backend", params={"level": "WARN", "limit": 2, "cursor": body["next_cursor"]}, headers=viewer
    )
    assert [item["message"] for item in second.json()["items"]] == ["m1"]
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"level": "LOUD"},
        {"event": "drop table;"},
        {"search": "a' OR 1=1 --"},
        {"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        {"limit": 10_000},
        {"cursor": "!!!"},
        {"correlation_id": "x" * 200},
        {"unknown_filter": "1"},
    ],
)
async def test_bad_filters_are_clear_422s(client: httpx.AsyncClient, viewer: dict[str, str], params: dict) -> None:
    response = await client.get("/api/logs/backend", params=params, headers=viewer)
    assert response.status_code == 422, (params, response.text)


async def test_forged_cursor_is_a_422(client: httpx.AsyncClient, viewer: dict[str, str]) -> None:
    response = await client.get("/api/logs/backend", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=viewer)
    assert response.status_code == 422


async def test_summary_counts_levels_and_names_latest_warning(
    client: httpx.AsyncClient, settings: Settings, viewer: dict[str, str]
) -> None:
    seed_logs(settings, [json_line("careful", level="WARN", event="slow_fill"), json_line("boom", level="ERROR")])
    response = await client.get(
        "/api/logs/backend/summary",
        params={"start": "2026-11-25T00:00:00Z", "end": "2026-11-26T00:00:00Z"},
        headers=viewer,
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["counts_by_level"]["WARNING"] == 1
    assert summary["latest_warning"]["message"] == "careful"
    assert summary["latest_error"]["message"] == "boom"
    assert summary["ingestion"]["lag_bytes"] == 0


async def test_export_streams_csv_with_the_predecessor_header_first(
    client: httpx.AsyncClient, settings: Settings, viewer: dict[str, str]
) -> None:
    seed_logs(settings, [json_line("one, with comma"), json_line("two")])
    response = await client.get("/api/logs/backend/export", params={"format": "csv"}, headers=viewer)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="backend-logs-export-')
    rows = response.text.splitlines()
    assert rows[0].startswith("id,logged_at,ingested_at,level,logger_name,event,message,correlation_id,strategy_id")
    assert '"one, with comma"' in rows[2]
    ndjson = await client.get("/api/logs/backend/export", params={"format": "ndjson"}, headers=viewer)
    assert len(ndjson.text.splitlines()) == 2


async def test_client_batch_from_a_user_is_logged_for_ingestion(
    client: httpx.AsyncClient, viewer: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # sendBeacon posts text/plain: the body is still JSON.
    response = await client.post(
        "/api/logs/batch",
        content=b'[{"level": "error", "message": "chart crashed", "event": "render_failed"}]',
        headers={**viewer, "Content-Type": "text/plain"},
    )
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 1}
    assert any(getattr(record, "event", None) == "client_render_failed" for record in caplog.records)


async def test_client_batch_limits_size_and_validates(client: httpx.AsyncClient, viewer: dict[str, str]) -> None:
    too_big = await client.post("/api/logs/batch", content=b"[" + b" " * 70_000 + b"]", headers=viewer)
    assert too_big.status_code == 413
    too_many = await client.post("/api/logs/batch", json={"logs": [{"message": "x"}] * 101}, headers=viewer)
    assert too_many.status_code == 422
    not_json = await client.post("/api/logs/batch", content=b"nope", headers=viewer)
    assert not_json.status_code == 422


async def test_client_batch_accepts_the_ingest_key_and_rejects_a_wrong_one(tmp_path: Path) -> None:
    from delta_strangle.app import create_app

    app = create_app(build_settings(tmp_path, log_ingest_api_key="i" * 32), configure_logs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ok = await http.post("/api/logs/batch", json={"logs": [{"message": "hi"}]},
                                 headers={"X-Log-API-Key": "i" * 32})
            wrong = await http.post("/api/logs/batch", json={"logs": []}, headers={"X-Log-API-Key": "j" * 32})
    assert ok.status_code == 202
    assert wrong.status_code == 401


async def test_ingestion_enabled_app_tails_its_own_log_into_the_table(tmp_path: Path) -> None:
    from delta_strangle.app import create_app

    settings = build_settings(tmp_path, backend_log_ingest_enabled=True, backend_log_poll_interval=0.05)
    app = create_app(settings, configure_logs=False)
    settings.backend_log_path.parent.mkdir(parents=True, exist_ok=True)
    settings.backend_log_path.write_text(json_line("visible through the tailer"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ready = (await http.get("/api/ready")).json()
            assert ready["checks"]["backend_log_tail"]["ok"] is True
            assert ready["checks"]["backend_log_retention"]["ok"] is True
            deadline = time.monotonic() + 10
            while True:
                assert settings.sqlite_path is not None
                connection = sqlite3.connect(settings.sqlite_path)
                count = connection.execute("SELECT count(*) FROM backend_logs").fetchone()[0]
                connection.close()
                if count:
                    break
                assert time.monotonic() < deadline, "the tailer never stored the line"
                await asyncio.sleep(0.02)


async def test_client_logs_are_stored_in_the_table_like_the_backends_own(tmp_path: Path) -> None:
    from delta_strangle.app import create_app
    from delta_strangle.logs.setup import configure_logging

    settings = build_settings(
        tmp_path, backend_log_ingest_enabled=True, backend_log_poll_interval=0.05, log_ingest_api_key="i" * 32
    )
    app = create_app(settings)  # logging to the file the tailer follows, as in production
    assert settings.sqlite_path is not None
    database = settings.sqlite_path
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                posted = await http.post(
                    "/api/logs/batch",
                    json=[{"level": "error", "message": "chart crashed", "event": "render_failed",
                           "sessionId": "tab-7"}],
                    headers={"X-Log-API-Key": "i" * 32},
                )
                assert posted.status_code == 202, posted.text
                deadline = time.monotonic() + 20
                while not (rows := stored_client_rows(database)):
                    assert time.monotonic() < deadline, "the client log never reached backend_logs"
                    await asyncio.sleep(0.02)
    finally:
        configure_logging("INFO", None, stdout=False)
    assert rows == [("ERROR", "dashboard", "client_render_failed", "chart crashed", "tab-7", "dashboard")]
    # Retention treats them like every other row: one table, one purge.
    connection = sqlite3.connect(database, isolation_level=None)
    purge_older_than(connection, datetime.now(UTC) + timedelta(days=1))
    assert connection.execute("SELECT count(*) FROM backend_logs").fetchone()[0] == 0
    connection.close()


def stored_client_rows(database: Path) -> list[tuple[str, ...]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            "SELECT level, logger, event, message, session_id, source FROM backend_logs WHERE source = 'dashboard'"
        ).fetchall()
    finally:
        connection.close()


async def test_disabling_a_user_ends_their_open_live_tail(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], viewer: dict[str, str]
) -> None:
    viewer_id = (await client.get("/api/auth/me", headers=viewer)).json()["id"]
    tail = AsgiCall(app, http_scope("/api/logs/backend/stream", viewer), [{"type": "http.request", "body": b""}])
    start = await tail.next_message()
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    ready = await tail.next_message()
    assert ready["body"].startswith(b"event: ready")
    disabled = await client.patch(f"/api/users/{viewer_id}", json={"is_active": False}, headers=admin_headers)
    assert disabled.status_code == 200
    await tail.finished()
    messages = [tail.sent.get_nowait() for _ in range(tail.sent.qsize())]
    assert messages[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
