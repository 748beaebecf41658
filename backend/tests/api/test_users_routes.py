import httpx

from delta_strangle.store import users
from tests.conftest import MakeUser


async def test_an_admin_creates_a_user_who_can_then_log_in(client: httpx.AsyncClient, admin_headers: dict) -> None:
    created = await client.post(
        "/api/users",
        json={"email": "Trader@Example.org", "password": "a-long-password-1", "role": "trader"},
        headers=admin_headers,
    )
    assert created.status_code == 201
    assert created.json()["email"] == "trader@example.org"
    login = await client.post("/api/auth/login", data={"username": "trader@example.org", "password": "a-long-password-1"})
    assert login.status_code == 200


async def test_a_duplicate_email_is_a_conflict(client: httpx.AsyncClient, admin_headers: dict) -> None:
    body = {"email": "dup@example.org", "password": "a-long-password-1"}
    assert (await client.post("/api/users", json=body, headers=admin_headers)).status_code == 201
    again = await client.post("/api/users", json=body, headers=admin_headers)
    assert again.status_code == 409
    assert "already exists" in again.json()["detail"]


async def test_a_short_password_is_refused_naming_the_field(client: httpx.AsyncClient, admin_headers: dict) -> None:
    response = await client.post("/api/users", json={"email": "a@example.org", "password": "short"}, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


async def test_a_trader_cannot_promote_itself_to_admin(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    trader = await make_user(users.Role.TRADER)
    me = (await client.get("/api/auth/me", headers=trader)).json()
    escalation = await client.patch(f"/api/users/{me['id']}", json={"role": "admin"}, headers=trader)
    assert escalation.status_code == 403
    assert (await client.get("/api/auth/me", headers=trader)).json()["role"] == "trader"


async def test_a_trader_cannot_create_an_admin(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    trader = await make_user(users.Role.TRADER)
    body = {"email": "evil@example.org", "password": "a-long-password-1", "role": "admin"}
    assert (await client.post("/api/users", json=body, headers=trader)).status_code == 403


async def test_the_last_admin_cannot_be_demoted_or_disabled(client: httpx.AsyncClient, admin_headers: dict) -> None:
    me = (await client.get("/api/auth/me", headers=admin_headers)).json()
    demote = await client.patch(f"/api/users/{me['id']}", json={"role": "viewer"}, headers=admin_headers)
    disable = await client.patch(f"/api/users/{me['id']}", json={"is_active": False}, headers=admin_headers)
    assert demote.status_code == disable.status_code == 409
    assert "last active admin" in demote.json()["detail"]


async def test_changing_an_unknown_user_is_a_clear_404(client: httpx.AsyncClient, admin_headers: dict) -> None:
    response = await client.patch("/api/users/999", json={"role": "viewer"}, headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["detail"] == "user 999 does not exist"
