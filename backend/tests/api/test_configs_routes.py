"""The profiles API at /api/configs: versions, activation, deletion guards, roles, side-effect-free reads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.store import users
from tests.conftest import MakeUser


def body(name: str = "btc-morning", **overrides: Any) -> dict[str, Any]:
    return {"name": name, **overrides}


@pytest.fixture
async def trader(make_user: MakeUser) -> dict[str, str]:
    return await make_user(users.Role.TRADER)


async def create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/configs", json=body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_trader_creates_a_profile_as_version_one_inactive(client: httpx.AsyncClient, trader: dict) -> None:
    created = await create(client, trader, exits={"max_loss_pct": "0.5"})
    assert created["version"] == 1
    assert created["is_active"] is False
    assert created["config"]["exits"]["max_loss_pct"] == "0.5"  # 0.5 %, stored as written
    listed = (await client.get("/api/configs", headers=trader)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["name"] == "btc-morning"


async def test_a_viewer_reads_but_cannot_create(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    viewer = await make_user(users.Role.VIEWER)
    assert (await client.get("/api/configs", headers=viewer)).status_code == 200
    assert (await client.post("/api/configs", json=body(), headers=viewer)).status_code == 403


async def test_a_duplicate_name_is_a_conflict_not_a_server_error(client: httpx.AsyncClient, trader: dict) -> None:
    await create(client, trader)
    again = await client.post("/api/configs", json=body(), headers=trader)
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


async def test_validation_errors_name_the_field(client: httpx.AsyncClient, trader: dict) -> None:
    response = await client.post(
        "/api/configs", json=body(schedule={"entry_time": "15:30", "exit_time": "15:20"}), headers=trader
    )
    assert response.status_code == 422
    assert "schedule.exit_time" in response.text


async def test_entry_limits_are_saved_as_written_and_an_edit_lists_them_as_changes(
    client: httpx.AsyncClient, trader: dict
) -> None:
    created = await create(client, trader)
    assert created["config"]["entry_limits"] == {
        "max_notional_usd": None, "check_margin": True, "margin_pct_of_index": "10", "margin_buffer_pct": "25",
        "max_consecutive_failed_entries": 3,
    }
    limits = {"max_notional_usd": "2500.50", "margin_buffer_pct": "40", "max_consecutive_failed_entries": 2}
    edited = await client.put(f"/api/configs/{created['id']}", json=body(entry_limits=limits), headers=trader)
    assert edited.status_code == 200, edited.text
    assert edited.json()["config"]["entry_limits"]["max_notional_usd"] == "2500.50"
    history = (await client.get(f"/api/configs/{created['id']}/versions", headers=trader)).json()
    assert history[0]["changes"] == [
        {"field": "entry_limits.margin_buffer_pct", "old": "25", "new": "40"},
        {"field": "entry_limits.max_consecutive_failed_entries", "old": 3, "new": 2},
        {"field": "entry_limits.max_notional_usd", "old": None, "new": "2500.50"},
    ]


async def test_an_impossible_entry_limit_is_refused_naming_the_field(client: httpx.AsyncClient, trader: dict) -> None:
    response = await client.post("/api/configs", json=body(entry_limits={"max_notional_usd": "0"}), headers=trader)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "entry_limits", "max_notional_usd"]


async def test_an_expiry_that_has_settled_is_refused_at_save(client: httpx.AsyncClient, trader: dict) -> None:
    response = await client.post(
        "/api/configs", json=body(expiry={"rule": "explicit", "expiry_date": "2020-01-31"}), headers=trader
    )
    assert response.status_code == 422
    assert "expiry.expiry_date" in response.json()["detail"]


async def test_an_edit_makes_a_new_version_and_the_old_one_stays_readable(
    client: httpx.AsyncClient, trader: dict
) -> None:
    created = await create(client, trader)
    pid = created["id"]
    edited = await client.put(f"/api/configs/{pid}", json=body(contracts_per_leg=3), headers=trader)
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    assert edited.json()["config"]["contracts_per_leg"] == 3
    first = (await client.get(f"/api/configs/{pid}/versions/1", headers=trader)).json()
    assert first["config"]["contracts_per_leg"] == 1
    history = (await client.get(f"/api/configs/{pid}/versions", headers=trader)).json()
    assert [v["version"] for v in history] == [2, 1]
    assert history[0]["created_by"] == "trader@example.org"
    assert history[0]["changes"] == [{"field": "contracts_per_leg", "old": 1, "new": 3}]


async def test_saving_an_unchanged_profile_adds_no_version(client: httpx.AsyncClient, trader: dict) -> None:
    created = await create(client, trader)
    again = await client.put(f"/api/configs/{created['id']}", json=body(), headers=trader)
    assert again.json()["version"] == 1


async def test_editing_an_active_profile_keeps_it_active(client: httpx.AsyncClient, trader: dict) -> None:
    # The predecessor's PUT silently deactivated the profile (§11.4 item 46).
    pid = (await create(client, trader))["id"]
    assert (await client.post(f"/api/configs/{pid}/activate", headers=trader)).json()["is_active"] is True
    edited = await client.put(f"/api/configs/{pid}", json=body(notes="wider band"), headers=trader)
    assert edited.json()["is_active"] is True


async def test_activating_one_profile_deactivates_the_other(client: httpx.AsyncClient, trader: dict) -> None:
    first = (await create(client, trader, name="a"))["id"]
    second = (await create(client, trader, name="b"))["id"]
    await client.post(f"/api/configs/{first}/activate", headers=trader)
    await client.post(f"/api/configs/{second}/activate", headers=trader)
    items = {p["name"]: p["is_active"] for p in (await client.get("/api/configs", headers=trader)).json()["items"]}
    assert items == {"a": False, "b": True}


async def test_an_active_profile_can_be_deactivated_and_then_deleted(client: httpx.AsyncClient, trader: dict) -> None:
    pid = (await create(client, trader))["id"]
    await client.post(f"/api/configs/{pid}/activate", headers=trader)
    assert (await client.post(f"/api/configs/{pid}/deactivate", headers=trader)).json()["is_active"] is False
    assert (await client.delete(f"/api/configs/{pid}", headers=trader)).status_code == 204
    assert (await client.get(f"/api/configs/{pid}", headers=trader)).status_code == 404
    assert (await client.get(f"/api/configs/{pid}/versions", headers=trader)).status_code == 404


class ArmedAndUsed:
    def __init__(self, armed: set[int], used: set[int]) -> None:
        self.armed, self.used = armed, used

    def is_armed(self, profile_id: int) -> bool:
        return profile_id in self.armed

    async def is_used_by_session(self, session: Any, profile_id: int) -> bool:
        return profile_id in self.used


async def test_delete_is_refused_while_armed_or_used_by_a_session(
    app: FastAPI, client: httpx.AsyncClient, trader: dict
) -> None:
    armed = (await create(client, trader, name="armed"))["id"]
    used = (await create(client, trader, name="used"))["id"]
    app.state.profile_usage = ArmedAndUsed({armed}, {used})
    refused_armed = await client.delete(f"/api/configs/{armed}", headers=trader)
    refused_used = await client.delete(f"/api/configs/{used}", headers=trader)
    assert refused_armed.status_code == 409
    assert "armed" in refused_armed.json()["detail"]
    assert refused_used.status_code == 409
    assert "open session" in refused_used.json()["detail"]
    assert (await client.get(f"/api/configs/{armed}", headers=trader)).status_code == 200


async def test_an_armed_profile_cannot_be_deactivated(app: FastAPI, client: httpx.AsyncClient, trader: dict) -> None:
    pid = (await create(client, trader))["id"]
    await client.post(f"/api/configs/{pid}/activate", headers=trader)
    app.state.profile_usage = ArmedAndUsed({pid}, set())
    assert (await client.post(f"/api/configs/{pid}/deactivate", headers=trader)).status_code == 409


async def test_reading_never_changes_anything(client: httpx.AsyncClient, trader: dict) -> None:
    # The predecessor's read path re-normalised percentages and its runtime GET wrote engine state.
    pid = (await create(client, trader, exits={"max_loss_pct": "0.5"}))["id"]
    snapshots = []
    for _ in range(3):
        snapshots.append(
            (
                (await client.get(f"/api/configs/{pid}", headers=trader)).json(),
                (await client.get("/api/configs", headers=trader)).json(),
                (await client.get(f"/api/configs/{pid}/versions", headers=trader)).json(),
            )
        )
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert snapshots[0][0]["config"]["exits"]["max_loss_pct"] == "0.5"


async def test_an_unknown_profile_is_404(client: httpx.AsyncClient, trader: dict) -> None:
    assert (await client.get("/api/configs/999", headers=trader)).status_code == 404
    assert (await client.put("/api/configs/999", json=body(), headers=trader)).status_code == 404
    assert (await client.get("/api/configs/999/versions/1", headers=trader)).status_code == 404
