"""BackendLogTailService: keep `backend_logs` in step with backend.log, whatever happens.

The loop polls every `poll_interval` seconds; each poll runs the synchronous `LogIngester` in a
worker thread so parsing and SQLite never block the event loop. One error never stops the
service: it is logged, the ingester rewinds to its checkpoint, and the loop backs off and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from delta_strangle.background import ServiceHealth
from delta_strangle.clock import Clock
from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.parse import to_epoch_us

logger = logging.getLogger(__name__)
TAIL_SERVICE_NAME = "backend_log_tail"


class BackendLogTailService:
    """Tail BACKEND_LOG_PATH into the database from a background task."""

    name = TAIL_SERVICE_NAME

    def __init__(
        self,
        database: Path,
        log_path: Path,
        *,
        clock: Clock,
        poll_interval: float = 0.25,
        batch_size: int = 2000,
        max_backoff: float = 30.0,
    ) -> None:
        self.database = database
        self.log_path = log_path
        self.clock = clock
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.max_backoff = max_backoff
        self.ingester: LogIngester | None = None
        self._task: asyncio.Task[None] | None = None
        self.consecutive_failures = 0
        self.last_error: str | None = None
        self.lag_bytes = 0
        self._behind_since: float | None = None
        self.last_poll_at: str | None = None

    async def start(self) -> None:
        """Start the tail loop; the catch-up happens in the background, never before the app serves."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop the loop, let an in-flight batch finish, and close the ingester."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.ingester is not None:
            await asyncio.to_thread(self.ingester.close)
            self.ingester = None

    async def _run(self) -> None:
        while True:
            delay = self.poll_interval
            try:
                await self._in_thread(self._poll)
                if self.consecutive_failures:
                    logger.info(
                        "backend log ingestion recovered",
                        extra={"event": "backend_log_ingest_recovered", "failures": self.consecutive_failures},
                    )
                self.consecutive_failures = 0
                self.last_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one error never stops the service
                self.consecutive_failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                delay = min(self.max_backoff, self.poll_interval * 2 ** min(self.consecutive_failures, 16))
                logger.warning(
                    "backend log ingestion failed; retrying",
                    exc_info=True,
                    extra={
                        "event": "backend_log_ingest_failed",
                        "failures": self.consecutive_failures,
                        "retry_in_s": round(delay, 2),
                    },
                )
            await self.clock.sleep(delay)

    async def _in_thread(self, work: Any) -> Any:
        # Shield the thread's future: on cancel, wait for the batch to commit or roll back first.
        future = asyncio.ensure_future(asyncio.to_thread(work))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):  # the cancel wins; the error is irrelevant now
                await future
            raise

    def _poll(self) -> int:
        if self.ingester is None:
            self.ingester = LogIngester(
                self.database, self.log_path, now_us=lambda: to_epoch_us(self.clock.now()), batch_size=self.batch_size
            )
        stored = self.ingester.poll_once()
        self.lag_bytes = self.ingester.lag_bytes()
        monotonic = time.monotonic()
        if self.lag_bytes == 0:
            self._behind_since = None
        elif self._behind_since is None:
            self._behind_since = monotonic
        self.last_poll_at = self.clock.now().isoformat()
        return stored

    def health(self) -> ServiceHealth:
        """Report whether the loop runs, with lag and line counters."""
        detail: dict[str, Any] = {
            "log_path": str(self.log_path),
            "lag_bytes": self.lag_bytes,
            "lag_seconds": round(time.monotonic() - self._behind_since, 3) if self._behind_since else 0.0,
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "last_poll_at": self.last_poll_at,
        }
        if self.ingester is not None:
            stats, follower = self.ingester.stats, self.ingester.follower.stats
            detail.update(
                lines_ingested=stats.lines_ingested,
                lines_not_json=stats.lines_not_json,
                lines_invalid_utf8=stats.lines_invalid_utf8,
                lines_capped=follower.capped,
                lines_unterminated=follower.unterminated,
                rotations=follower.rotations,
                truncations=follower.truncations,
            )
        alive = self._task is not None and not self._task.done()
        return ServiceHealth(alive=alive, detail=detail)
