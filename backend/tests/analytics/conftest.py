"""A migrated journal database on a temporary file, and the store the engine writes through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.migrate import upgrade_to_head
from tests.analytics.builders import JournalWriter


@pytest.fixture
async def factory(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    engine = create_engine(url)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
def journal(factory: async_sessionmaker[AsyncSession]) -> JournalWriter:
    return JournalWriter(SqlJournalStore(factory))
