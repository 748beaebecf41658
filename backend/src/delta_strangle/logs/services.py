"""Build the log pipeline's background services from the settings (called by app.py)."""

from __future__ import annotations

import logging

from delta_strangle.background import BackgroundService
from delta_strangle.clock import Clock
from delta_strangle.logs.retention import BackendLogRetentionService
from delta_strangle.logs.tail import BackendLogTailService
from delta_strangle.logs.viewer_db import LogViewerDatabase
from delta_strangle.settings import Settings

logger = logging.getLogger(__name__)


def build_log_services(settings: Settings, clock: Clock) -> list[BackgroundService]:
    """Return the viewer's readers, and the tailer and retention when ingestion is on; none without a SQLite file.

    The viewer reads whatever `backend_logs` holds, so it runs even with ingestion off.
    """
    database = settings.sqlite_path
    if database is None:
        logger.warning(
            "the log pipeline needs a SQLite database file; log ingestion and the log viewer are off",
            extra={"event": "backend_log_ingest_unavailable"},
        )
        return []
    services: list[BackgroundService] = [LogViewerDatabase(database, busy_timeout_ms=settings.sqlite_busy_timeout_ms)]
    if not settings.backend_log_ingest_enabled:
        return services
    return [
        *services,
        BackendLogTailService(
            database,
            settings.backend_log_path,
            clock=clock,
            poll_interval=settings.backend_log_poll_interval,
            batch_size=settings.backend_log_batch_size,
        ),
        BackendLogRetentionService(database, clock=clock, retention_days=settings.backend_log_retention_days),
    ]
