import httpx
from fastapi import FastAPI

from delta_strangle.store import users
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD, forge_token
from tests.conftest import LoginAs, MakeUser


async def test_the_initial_admin_logs_in_and_sees_itself(client: httpx.AsyncClient, admin_headers: dict) -> None:
    response = await client.get("/api/auth/me", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["email"] == ADMIN_EMAIL
    assert response.json()["role"] == "admin"


async def test_a_login_returns_a_bearer_token_with_its_expiry(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 720 * 60
    assert body["expires_at"].endswith("Z") or "+00:00" in body["expires_at"]


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client: httpx.AsyncClient) -> None:
    wrong_password = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": "nope-nope-nope"})
    unknown_user = await client.post("/api/auth/login", data={"username": "ghost@x.org", "password": "nope-nope-nope"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json() == {"detail": "wrong e-mail or password"}


async def test_repeated_failures_on_one_account_are_throttled_with_retry_after(client: httpx.AsyncClient) -> None:
    for _ in range(5):
        response = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": "bad-password-x"})
        assert response.status_code == 401
    throttled = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0


async def test_failures_spread_over_accounts_are_throttled_per_client_address(client: httpx.AsyncClient) -> None:
    for attempt in range(20):
        response = await client.post(
            "/api/auth/login", data={"username": f"user{attempt}@x.org", "password": "bad-password-x"}
        )
        assert response.status_code == 401
    throttled = await client.post("/api/auth/login", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert throttled.status_code == 429


async def test_an_expired_token_asks_the_user_to_log_in_again(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {forge_token(1, expired=True)}"})
    assert response.status_code == 401
    assert "log in again" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_token_forged_with_another_secret_is_refused(client: httpx.AsyncClient) -> None:
    token = forge_token(1, secret="attacker-secret-" * 3)
    response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_disabled_user_cannot_log_in_and_loses_existing_tokens(
    client: httpx.AsyncClient, admin_headers: dict, make_user: MakeUser
) -> None:
    trader_headers = await make_user(users.Role.TRADER)
    listing = await client.get("/api/users", headers=admin_headers)
    trader_id = next(u["id"] for u in listing.json() if u["role"] == "trader")
    disabled = await client.patch(f"/api/users/{trader_id}", json={"is_active": False}, headers=admin_headers)
    assert disabled.status_code == 200
    assert (await client.get("/api/auth/me", headers=trader_headers)).status_code == 401
    login = await client.post("/api/auth/login", data={"username": "trader@example.org", "password": "a-long-password-1"})
    assert login.status_code == 401


async def test_changing_the_password_revokes_older_tokens(
    client: httpx.AsyncClient, admin_headers: dict, login: LoginAs
) -> None:
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "an-even-longer-password"},
        headers=admin_headers,
    )
    assert changed.status_code == 204
    assert (await client.get("/api/auth/me", headers=admin_headers)).status_code == 401
    fresh = await login(ADMIN_EMAIL, "an-even-longer-password")
    assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200


async def test_a_password_change_needs_the_current_password(client: httpx.AsyncClient, admin_headers: dict) -> None:
    response = await client.post(
        "/api/auth/password",
        json={"current_password": "not-the-password", "new_password": "an-even-longer-password"},
        headers=admin_headers,
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "current_password is wrong"


async def test_there_is_no_open_registration(app: FastAPI, client: httpx.AsyncClient) -> None:
    paths = app.openapi()["paths"]
    assert not any("register" in path or "signup" in path for path in paths)
    anonymous = await client.post("/api/users", json={"email": "me@x.org", "password": "a-long-password-1"})
    assert anonymous.status_code == 401
