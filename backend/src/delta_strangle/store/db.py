"""The async database engine and session factory.

SQLite is opened in WAL mode with a busy timeout and foreign keys on; that is the one clearly
marked SQLite-only place. Everything else speaks portable SQLAlchemy so PostgreSQL can follow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite database file so a fresh checkout just works."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(database_url: str, *, busy_timeout_ms: int = 5000) -> AsyncEngine:
    """Build the async engine; for SQLite, apply WAL, busy timeout and foreign keys per connection."""
    ensure_sqlite_directory(database_url)
    url = make_url(database_url)
    connect_args: dict[str, Any] = {}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        connect_args["timeout"] = busy_timeout_ms / 1000
    # A SQLite file has no server to drop the connection, so a ping would only add a thread round trip to
    # every request; a server database needs it.
    engine = create_async_engine(database_url, connect_args=connect_args, pool_pre_ping=not sqlite)
    if sqlite:
        _apply_sqlite_pragmas(engine, busy_timeout_ms)
    return engine


def _apply_sqlite_pragmas(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    # SQLite-only: per-connection settings that make concurrent readers and one writer safe.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session with a transaction that commits on success and rolls back on error."""
    async with factory() as session, session.begin():
        yield session
