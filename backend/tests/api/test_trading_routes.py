import asyncio
import json
import time

import httpx
import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from delta_strangle.engine.commands import CommandResult
from delta_strangle.store import users
from tests.asgi_probe import AsgiCall, websocket_scope
from tests.conftest import MakeUser

PROFILE = {
    "name": "api-strangle",
    "strikes": {"mode": "distance", "call_distance_pct": "3", "put_distance_pct": "3"},
    "execution": {"max_slippage_pct": "50", "attempt_seconds": 2, "limit_attempts": 2, "market_fallback": True},
}


async def _engine_ready(app: FastAPI) -> None:
    deadline = time.monotonic() + 20
    while app.state.trading.engine is None:
        assert time.monotonic() < deadline, app.state.trading.problem
        await asyncio.sleep(0.05)


async def _profile_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.post("/api/configs", json={"config": PROFILE}, headers=headers)
    if response.status_code == 422:  # the profiles API may take the config as the body itself
        response = await client.post("/api/configs", json=PROFILE, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_the_runtime_snapshot_is_read_only_and_needs_a_viewer(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await _engine_ready(app)
    assert (await client.get("/api/trading/runtime")).status_code == 401
    viewer = await make_user(users.Role.VIEWER)
    first = await client.get("/api/trading/runtime", headers=viewer)
    second = await client.get("/api/trading/runtime", headers=viewer)
    assert first.status_code == 200
    assert first.json()["status"] == "idle"
    assert first.json()["mode"] == "sim"
    assert first.json()["session_id"] == second.json()["session_id"]


async def test_a_viewer_cannot_control_trading(app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    response = await client.post("/api/trading/control", json={"action": "panic"}, headers=viewer)
    assert response.status_code == 403


async def test_start_arms_a_saved_profile_and_is_audited_with_the_user(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await _engine_ready(app)
    trader = await make_user(users.Role.TRADER)
    profile_id = await _profile_id(client, trader)
    response = await client.post(
        "/api/trading/control", json={"action": "start", "configuration_id": profile_id}, headers=trader
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "waiting"
    assert body["session_id"] is not None
    again = await client.post(
        "/api/trading/control", json={"action": "start", "configuration_id": profile_id}, headers=trader
    )
    assert again.status_code == 409
    runtime = (await client.get("/api/trading/runtime", headers=trader)).json()
    assert runtime["status"] == "waiting"
    assert runtime["config_version"] == 1
    stop = await client.post("/api/trading/control", json={"action": "stop"}, headers=trader)
    assert stop.json()["status"] == "stopped"
    sessions = (await client.get("/api/trading/sessions", headers=trader)).json()
    assert sessions["total"] == 1
    assert sessions["items"][0]["exit_reason"] == "stopped_before_entry"
    detail = (await client.get(f"/api/trading/sessions/{body['session_id']}", headers=trader)).json()
    assert detail["config_snapshot"]["name"] == "api-strangle"
    assert [e["kind"] for e in detail["events"]][:1] == ["armed"]
    async with app.state.app_state.session_factory() as db:
        from sqlalchemy import select

        from delta_strangle.store.tables import AuditEventRow

        actions = [(r.actor, r.action) for r in await db.scalars(select(AuditEventRow))]
    assert ("trader@example.org", "trading_start") in actions
    assert ("trader@example.org", "trading_stop") in actions


async def test_an_unknown_session_is_404(app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    assert (await client.get("/api/trading/sessions/999", headers=viewer)).status_code == 404


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_stream_refuses_a_missing_token_and_pushes_snapshots_with_one(settings) -> None:  # type: ignore[no-untyped-def]
    from delta_strangle.app import create_app
    from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD

    application = create_app(settings, configure_logs=False)
    with TestClient(application) as http:
        deadline = time.monotonic() + 20
        while application.state.trading.engine is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        token = http.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json()[
            "access_token"
        ]
        with http.websocket_connect("/api/trading/stream?token=bad") as ws:
            message = ws.receive()
            assert message["type"] == "websocket.close"
            assert message["code"] == 4401
        with http.websocket_connect(f"/api/trading/stream?token={token}") as ws:
            snapshot = ws.receive_json()
            assert snapshot["mode"] == "sim"
            assert "legs" in snapshot


async def _journal_sessions(app: FastAPI) -> None:
    """Write four finished sessions: two profiles, three modes, three days (one never started)."""
    from datetime import UTC, datetime

    from delta_strangle.store.db import transaction
    from delta_strangle.store.journal_tables import TradingSessionRow

    def row(id_: int, profile_id: int, mode: str, created: datetime, started: datetime | None) -> TradingSessionRow:
        return TradingSessionRow(
            id=id_, token=f"{id_:04d}", account="acct", mode=mode, profile_id=profile_id, profile_name=f"p{profile_id}",
            config_version=1, config_snapshot={}, state="done", created_at=created, started_at=started,
            updated_at=created, risk_state={}, pnl={}, spot={},
        )  # fmt: skip

    async with transaction(app.state.app_state.session_factory) as session:
        session.add_all([
            row(1, 1, "sim", datetime(2025, 1, 4, 23, tzinfo=UTC), datetime(2025, 1, 5, 3, 30, tzinfo=UTC)),
            row(2, 1, "paper", datetime(2025, 1, 6, 3, tzinfo=UTC), datetime(2025, 1, 6, 3, 30, tzinfo=UTC)),
            row(3, 2, "live", datetime(2025, 1, 6, 9, tzinfo=UTC), None),
            row(4, 2, "sim", datetime(2025, 1, 7, 3, tzinfo=UTC), datetime(2025, 1, 7, 3, 30, tzinfo=UTC)),
        ])  # fmt: skip


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **query: object) -> list[int]:
    response = await client.get("/api/trading/sessions", params=query, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["id"] for item in body["items"]]


async def test_sessions_filter_by_profile_mode_and_day(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    viewer = await make_user(users.Role.VIEWER)
    await _journal_sessions(app)
    assert await _ids(client, viewer) == [4, 3, 2, 1]
    assert await _ids(client, viewer, strategy_id=1) == [2, 1]
    assert await _ids(client, viewer, mode="sim") == [4, 1]
    assert await _ids(client, viewer, strategy_id=2, mode="sim") == [4]
    # Session 1 was created on the 4th but started on the 5th; session 3 never started, so its creation counts.
    assert await _ids(client, viewer, start="2025-01-05", end="2025-01-06") == [3, 2, 1]
    assert await _ids(client, viewer, start="2025-01-06T05:00:00Z") == [4, 3]
    assert await _ids(client, viewer, end="2025-01-06T03:30:00") == [1]


async def test_sessions_filters_are_bound_parameters_not_sql(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    viewer = await make_user(users.Role.VIEWER)
    await _journal_sessions(app)
    response = await client.get("/api/trading/sessions", params={"start": "2025-01-01' OR '1'='1"}, headers=viewer)
    assert response.status_code == 422
    assert await _ids(client, viewer, start="2025-01-07", end="2025-01-07") == [4]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-01-07", "end": "2025-01-05"}, "end must not be before start"),
        ({"start": "2025-01-06T10:00:00+00:00", "end": "2025-01-06T09:00:00Z"}, "end must not be before start"),
        ({"start": "yesterday"}, "start is not an ISO date or datetime: 'yesterday'"),
        ({"end": "2025-13-40"}, "end is not an ISO date or datetime: '2025-13-40'"),
    ],
)
async def test_a_bad_session_range_is_422_saying_what_is_wrong(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, query: dict[str, str], message: str
) -> None:
    viewer = await make_user(users.Role.VIEWER)
    response = await client.get("/api/trading/sessions", params=query, headers=viewer)
    assert response.status_code == 422
    assert response.json()["detail"] == message


async def test_an_unknown_mode_or_profile_id_is_422(app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    assert (await client.get("/api/trading/sessions", params={"mode": "demo"}, headers=viewer)).status_code == 422
    assert (await client.get("/api/trading/sessions", params={"strategy_id": "x"}, headers=viewer)).status_code == 422


async def test_disabling_a_user_closes_their_open_live_stream(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: MakeUser
) -> None:
    await _engine_ready(app)
    viewer = await make_user(users.Role.VIEWER)
    viewer_id = (await client.get("/api/auth/me", headers=viewer)).json()["id"]
    token = viewer["Authorization"].removeprefix("Bearer ")
    hello = [{"type": "websocket.connect"}, {"type": "websocket.receive", "text": json.dumps({"token": token})}]
    stream = AsgiCall(app, websocket_scope("/api/trading/stream"), hello)
    assert (await stream.next_message())["type"] == "websocket.accept"
    assert (await stream.next_message())["type"] == "websocket.send"  # the current snapshot
    disabled = await client.patch(f"/api/users/{viewer_id}", json={"is_active": False}, headers=admin_headers)
    assert disabled.status_code == 200
    await stream.finished()
    messages = [stream.sent.get_nowait() for _ in range(stream.sent.qsize())]
    assert messages[-1]["type"] == "websocket.close"
    assert messages[-1]["code"] == 4401


class SlowPanicRunner:
    """A trading runner whose panic finishes only when the test lets it."""

    engine = None

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.finished = asyncio.Event()

    async def panic(self) -> CommandResult:
        await self.release.wait()
        self.finished.set()
        return CommandResult("stopped", "flat", 7)


async def test_a_panic_slower_than_the_wait_is_answered_202_in_progress_and_still_finishes(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from delta_strangle.api.routes import trading as trading_routes
    from delta_strangle.api.trading_deps import get_trading

    runner = SlowPanicRunner()
    app.dependency_overrides[get_trading] = lambda: runner
    monkeypatch.setattr(trading_routes, "CONTROL_WAIT_SECONDS", 0.05)
    try:
        trader = await make_user(users.Role.TRADER)
        answer = await client.post("/api/trading/control", json={"action": "panic"}, headers=trader)
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "in_progress"
        assert not runner.finished.is_set()
        runner.release.set()
        async with asyncio.timeout(10):
            await runner.finished.wait()
    finally:
        app.dependency_overrides.clear()
