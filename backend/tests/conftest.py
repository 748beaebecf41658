"""Shared fixtures: a real app on a temporary database, driven in-process through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings

from delta_strangle.app import create_app
from delta_strangle.security import hash_password
from delta_strangle.settings import Settings
from delta_strangle.store import users
from delta_strangle.store.db import transaction
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD, build_settings

# Speed is measured in bench/, never in unit tests: no per-example deadline (a loaded CI machine is slow).
hypothesis_settings.register_profile("project", deadline=None, print_blob=True)
hypothesis_settings.load_profile("project")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return build_settings(tmp_path)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, configure_logs=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


LoginAs = Callable[[str, str], Awaitable[dict[str, str]]]
MakeUser = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def login(client: httpx.AsyncClient) -> LoginAs:
    async def _login(email: str, password: str) -> dict[str, str]:
        response = await client.post("/api/auth/login", data={"username": email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return _login


@pytest.fixture
async def admin_headers(login: LoginAs) -> dict[str, str]:
    return await login(ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def make_user(app: FastAPI, login: LoginAs) -> MakeUser:
    """Create a user straight in the store and return auth headers for it."""

    async def _make(role: users.Role, email: str | None = None, password: str = "a-long-password-1") -> dict[str, str]:
        state = app.state.app_state
        address = email or f"{role.value}@example.org"
        async with transaction(state.session_factory) as session:
            await users.create_user(
                session, email=address, password_hash=hash_password(password), role=role, now=state.clock.now()
            )
        return await login(address, password)

    return _make
