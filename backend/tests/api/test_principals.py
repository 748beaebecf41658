"""The principal directory answers from memory, sees this process's user changes at once and other processes' within its TTL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from delta_strangle.api.principals import UNSETTLED_SECONDS, PrincipalDirectory
from delta_strangle.security import hash_password
from delta_strangle.store import users
from delta_strangle.store.db import create_engine, create_session_factory, transaction
from delta_strangle.store.migrate import upgrade_to_head
from delta_strangle.store.tables import UserRow
from tests.builders import ADMIN_EMAIL, ADMIN_PASSWORD

TTL = 2.0
FIXED_NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class ManualMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "principals.db"
    upgrade_to_head(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def directory(database: Path) -> AsyncIterator[tuple[PrincipalDirectory, ManualMonotonic, object]]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    factory = create_session_factory(engine)
    monotonic = ManualMonotonic()
    principals = PrincipalDirectory(factory, ttl_seconds=TTL, monotonic=monotonic)
    await principals.start()
    async with transaction(factory) as session:
        await users.create_user(
            session, email="trader@example.org", password_hash=hash_password("a-long-password-1"),
            role=users.Role.TRADER, now=FIXED_NOW,
        )
    monotonic.now += UNSETTLED_SECONDS  # the creation above is settled
    yield principals, monotonic, factory
    await principals.stop()
    await engine.dispose()


def change_role_from_another_process(database: Path, role: str) -> None:
    """What `delta-strangle users set-role` does: a write this process's ORM never sees."""
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE users SET role = ? WHERE email = 'trader@example.org'", (role,))


async def test_a_known_user_is_answered_from_memory_until_the_ttl_runs_out(directory, database: Path) -> None:
    principals, monotonic, _ = directory
    first = await principals.find(1)
    assert first is not None
    assert first.role is users.Role.TRADER
    change_role_from_another_process(database, "viewer")
    monotonic.now += TTL - 0.1
    again = await principals.find(1)
    assert again is not None
    assert again.role is users.Role.TRADER
    assert principals.loads == 1
    monotonic.now += 0.2
    fresh = await principals.find(1)
    assert fresh is not None
    assert fresh.role is users.Role.VIEWER
    assert principals.loads == 2


async def test_a_change_made_in_this_process_is_seen_by_the_next_lookup(directory) -> None:
    principals, _, factory = directory
    before = await principals.find(1)
    assert before is not None
    assert before.accepts(before.token_version)
    async with transaction(factory) as session:
        row = await session.get(UserRow, 1)
        assert row is not None
        await users.update_user(session, row, now=FIXED_NOW, is_active=False)
    after = await principals.find(1)
    assert after is not None
    assert not after.is_active
    assert not after.accepts(before.token_version)


async def test_a_lookup_between_a_change_and_its_commit_is_not_kept(directory) -> None:
    principals, monotonic, factory = directory
    await principals.find(1)
    async with transaction(factory) as session:
        row = await session.get(UserRow, 1)
        assert row is not None
        await users.set_password(session, row, password_hash=hash_password("another-long-password"), now=FIXED_NOW)
        during = await principals.find(1)  # another connection: still the committed, old version
    assert during is not None
    assert during.token_version == 0
    after = await principals.find(1)
    assert after is not None
    assert after.token_version == 1
    monotonic.now += UNSETTLED_SECONDS
    await principals.find(1)
    loads = principals.loads
    assert (await principals.find(1)) == after
    assert principals.loads == loads


async def test_an_unknown_user_is_none(directory) -> None:
    principals, _, _ = directory
    assert await principals.find(999) is None


async def test_a_request_does_not_read_the_user_again_while_the_snapshot_is_fresh(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    principals: PrincipalDirectory = app.state.app_state.principals
    assert (await client.get("/api/logs/backend/summary", headers=admin_headers)).status_code == 200
    loads = principals.loads
    for _ in range(3):
        assert (await client.get("/api/logs/backend/summary", headers=admin_headers)).status_code == 200
    assert principals.loads == loads


async def test_a_password_change_ends_other_sessions_at_once(client: httpx.AsyncClient, login) -> None:
    other_device = await login(ADMIN_EMAIL, ADMIN_PASSWORD)
    this_device = await login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert (await client.get("/api/auth/me", headers=other_device)).status_code == 200
    changed = await client.post(
        "/api/auth/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "a-brand-new-long-password"},
        headers=this_device,
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/api/auth/me", headers=other_device)).status_code == 401
