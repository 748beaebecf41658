"""The log viewer's own read connections: one thread hop per request, never the app's shared pool.

Each viewer request (a page, a summary, an export page, a live-tail poll) runs its statements and
shapes its rows in one call on a small pool of threads, each with its own query-only sqlite3
connection. In WAL mode readers never wait for the ingestion worker's writes, and the viewer never
waits for a connection the trading engine holds. Through the app's async engine the same page took
about ten thread hand-offs (pool checkout and ping, cursor, execute, fetch, close, rollback), each
a wake-up of two threads: on a loaded machine that cost more than the query.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from delta_strangle.background import ServiceHealth

VIEWER_SERVICE_NAME = "backend_log_viewer"
T = TypeVar("T")


class ViewerUnavailableError(RuntimeError):
    """The viewer's connections are not open (the app is not running, or the database is not SQLite)."""


def open_reader(database: Path, *, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """Open a query-only connection to the main database (the thread that uses it may differ from this one)."""
    connection = sqlite3.connect(
        database, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    connection.execute("PRAGMA query_only=ON")  # the viewer reads; a bug here can never write
    return connection


class LogViewerDatabase:
    """A few reader threads, each with its own connection, for the log viewer's queries."""

    name = VIEWER_SERVICE_NAME

    def __init__(self, database: Path, *, threads: int = 4, busy_timeout_ms: int = 5000) -> None:
        self.database = database
        self.threads = threads
        self.busy_timeout_ms = busy_timeout_ms
        self._executor: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.queries = 0

    async def start(self) -> None:
        """Make the threads available; connections open on first use (after the migrations)."""
        self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="log-viewer")

    async def stop(self) -> None:
        """Let running queries finish, then close every connection."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True)
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` on a reader thread and return its result."""
        executor = self._executor
        if executor is None:
            raise ViewerUnavailableError("the log viewer is not running")
        return await asyncio.get_running_loop().run_in_executor(executor, self._call, work)

    def _call(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = open_reader(self.database, busy_timeout_ms=self.busy_timeout_ms)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        self.queries += 1
        return work(connection)

    def health(self) -> ServiceHealth:
        """Report whether the reader threads are available."""
        return ServiceHealth(
            alive=self._executor is not None, detail={"threads": self.threads, "queries": self.queries}
        )
