from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from delta_strangle.store import users
from delta_strangle.store.db import create_engine, create_session_factory, transaction
from delta_strangle.store.migrate import current_revisions, head_revisions, upgrade_to_head


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'folder' / 'db.sqlite'}"
    upgrade_to_head(url)
    return url


async def test_sqlite_opens_in_wal_mode_with_foreign_keys_and_a_busy_timeout(database_url: str) -> None:
    engine = create_engine(database_url, busy_timeout_ms=1234)
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 1234
    await engine.dispose()


async def test_migrations_bring_a_fresh_database_to_every_head(database_url: str) -> None:
    engine = create_engine(database_url)
    assert await current_revisions(engine) == head_revisions()
    await engine.dispose()


async def test_a_naive_timestamp_is_refused_by_the_store(database_url: str) -> None:
    engine = create_engine(database_url)
    with pytest.raises(StatementError, match="naive datetime"):
        async with transaction(create_session_factory(engine)) as session:
            await users.create_user(
                session, email="a@example.org", password_hash="x", role=users.Role.VIEWER, now=datetime(2026, 1, 1)
            )
    await engine.dispose()
