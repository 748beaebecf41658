"""BackendLogRetentionService: delete log rows older than BACKEND_LOG_RETENTION_DAYS.

Rows go in small transactions (oldest first, `batch_rows` at a time) so the write lock is never
held for long, and each batch removes its free-text entries in the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from delta_strangle.background import ServiceHealth
from delta_strangle.clock import Clock
from delta_strangle.logs.db import connect
from delta_strangle.logs.parse import to_epoch_us
from delta_strangle.logs.schema import FTS_TABLE, TABLE

logger = logging.getLogger(__name__)
RETENTION_SERVICE_NAME = "backend_log_retention"

_SELECT_OLD = f"SELECT id, message FROM {TABLE} WHERE logged_at_us < ? ORDER BY logged_at_us LIMIT ?"  # noqa: S608
_DELETE_FTS = f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, message) VALUES ('delete', ?, ?)"  # noqa: S608
_DELETE_ROW = f"DELETE FROM {TABLE} WHERE id = ?"  # noqa: S608


@dataclass
class RetentionRun:
    at: str
    cutoff: str
    deleted: int
    duration_ms: float
    error: str | None = None


def purge_older_than(connection: sqlite3.Connection, cutoff: datetime, *, batch_rows: int = 2000) -> int:
    """Delete rows logged before `cutoff`, one short transaction per batch; return how many went."""
    cutoff_us = to_epoch_us(cutoff)
    deleted = 0
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            victims = connection.execute(_SELECT_OLD, (cutoff_us, batch_rows)).fetchall()
            if victims:
                connection.executemany(_DELETE_FTS, victims)
                connection.executemany(_DELETE_ROW, [(row_id,) for row_id, _ in victims])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        deleted += len(victims)
        if len(victims) < batch_rows:
            return deleted


class BackendLogRetentionService:
    """Purge old log rows once at start and then every `interval_seconds`."""

    name = RETENTION_SERVICE_NAME

    def __init__(
        self,
        database: Path,
        *,
        clock: Clock,
        retention_days: int = 7,
        interval_seconds: float = 3600.0,
        batch_rows: int = 2000,
    ) -> None:
        self.database = database
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        self.interval_seconds = interval_seconds
        self.batch_rows = batch_rows
        self.last_run: RetentionRun | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the purge loop in the background."""
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop the loop (a running batch finishes in its thread)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self.run_once()
            await self.clock.sleep(self.interval_seconds)

    async def run_once(self) -> RetentionRun:
        """Purge once; errors are logged and reported, never raised."""
        now = self.clock.now()
        cutoff = now - self.retention
        started = time.perf_counter()
        try:
            deleted = await asyncio.to_thread(self._purge, cutoff)
            run = RetentionRun(now.isoformat(), cutoff.isoformat(), deleted, _ms_since(started))
            logger.info(
                "purged %d old log rows",
                deleted,
                extra={"event": "backend_log_retention_purge", "deleted": deleted, "cutoff": cutoff.isoformat()},
            )
        except Exception as exc:  # the next run retries; the service keeps going
            error = f"{type(exc).__name__}: {exc}"
            run = RetentionRun(now.isoformat(), cutoff.isoformat(), 0, _ms_since(started), error)
            logger.warning("log retention failed", exc_info=True, extra={"event": "backend_log_retention_failed"})
        self.last_run = run
        return run

    def _purge(self, cutoff: datetime) -> int:
        connection = connect(self.database)
        try:
            deleted = purge_older_than(connection, cutoff, batch_rows=self.batch_rows)
            if deleted:
                connection.execute("PRAGMA optimize")
            return deleted
        finally:
            connection.close()

    def health(self) -> ServiceHealth:
        """Report whether the loop runs and what the last purge did."""
        detail: dict[str, Any] = {"retention_days": self.retention.days, "last_run": None}
        if self.last_run is not None:
            detail["last_run"] = asdict(self.last_run)
        return ServiceHealth(alive=self._task is not None and not self._task.done(), detail=detail)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
