"""Order-intent writes on a connection of their own: one thread, one SQLite connection, one hop per write.

An intent is written before its order is sent, so this write sits on the exit path. Through the shared async
pool it costs several thread hops (pool pre-ping, statement, commit, connection reset), and on a loaded machine
each hop waits for a CPU. Here it is one Core statement and its commit on a dedicated thread: the engine's await
still ends only once the row is committed (WAL, synchronous=NORMAL), just sooner. Other databases (and an
in-memory SQLite) keep the shared async path.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.engine.records import IntentRecord, SessionRecord
from delta_strangle.store.journal import SqlJournalStore
from delta_strangle.store.journal_records import decision_values, intent_to_row
from delta_strangle.store.journal_tables import OrderIntentRow, TradingSessionRow

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000


class DedicatedIntentStore(SqlJournalStore):
    """The SQL journal, with order intents written through a dedicated connection when the database is a file."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(factory)
        bind = factory.kw.get("bind")
        url: URL | None = getattr(bind, "url", None)
        file_sqlite = url is not None and url.get_backend_name() == "sqlite" and url.database not in (
            None, "", ":memory:")
        self._writer = _Writer(url.set(drivername="sqlite")) if file_sqlite and url is not None else None

    async def record_intent(self, intent: IntentRecord, session: SessionRecord | None = None) -> int:
        if self._writer is None:
            return await super().record_intent(intent, session)
        return await self._writer.run(lambda connection: _insert(connection, intent, session))

    async def update_intent(self, intent: IntentRecord) -> None:
        if self._writer is None:
            await super().update_intent(intent)
            return
        await self._writer.run(lambda connection: _update(connection, intent))

    async def close(self) -> None:
        """Close the dedicated connection and its thread."""
        if self._writer is not None:
            await self._writer.close()


_TABLE = OrderIntentRow.__table__
_COLUMNS = tuple(column.key for column in _TABLE.columns if column.key != "id")
_INSERT = _TABLE.insert()  # type: ignore[attr-defined]


def _values(intent: IntentRecord) -> dict[str, Any]:
    # The mapping code is the shared path's own, so both paths write identical rows; Core skips the unit of work.
    row = OrderIntentRow(created_at=intent.created_at)
    intent_to_row(intent, row)
    return {key: getattr(row, key) for key in _COLUMNS}


_SESSIONS = TradingSessionRow.__table__


def _insert(connection: Connection, intent: IntentRecord, session: SessionRecord | None) -> int:
    if session is not None:  # the same transaction: the state change and the intent commit together or not at all
        statement = _SESSIONS.update().where(_SESSIONS.c.id == session.id)  # type: ignore[attr-defined]
        if connection.execute(statement, decision_values(session)).rowcount != 1:
            raise LookupError(f"session {session.id} is not in the journal")
    key = connection.execute(_INSERT, _values(intent)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _update(connection: Connection, intent: IntentRecord) -> None:
    statement = _TABLE.update().where(_TABLE.c.id == intent.id)  # type: ignore[attr-defined]
    if connection.execute(statement, _values(intent)).rowcount != 1:
        raise LookupError(f"intent {intent.client_order_id} is not in the journal")


class _Writer:
    """One thread owning one synchronous engine with a single connection."""

    def __init__(self, url: URL) -> None:
        self._url = url
        self._engine: Engine | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal-intents")

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, work)

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        with self._connect().begin() as connection:
            return work(connection)

    def _connect(self) -> Engine:
        if self._engine is None:
            engine = create_engine(self._url, pool_size=1, max_overflow=0,
                                   connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

            @event.listens_for(engine, "connect")
            def _pragmas(connection: sqlite3.Connection, _record: Any) -> None:
                # The same settings as the application's connections (store.db), on this one connection.
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Checkpoints (which fsync) are left to the shared connections' commits, never an intent's.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                cursor.close()

            self._engine = engine
        return self._engine

    async def close(self) -> None:
        def dispose() -> None:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

        await asyncio.get_running_loop().run_in_executor(self._thread, dispose)
        self._thread.shutdown(wait=True)
