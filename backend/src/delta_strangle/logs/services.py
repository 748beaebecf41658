"""Build the log pipeline's background services from the settings (called by app.py)."""

from __future__ import annotations

import logging

from delta_strangle.background import BackgroundService
from delta_strangle.clock import Clock
from delta_strangle.logs.retention import BackendLogRetentionService
from delta_strangle.logs.tail import BackendLogTailService
from delta_strangle.settings import Settings

logger = logging.getLogger(__name__)


def build_log_services(settings: Settings, clock: Clock) -> list[BackgroundService]:
    """Return the tailer and retention services, or none when ingestion is off or the database is not a file."""
    if not settings.backend_log_ingest_enabled:
        return []
    database = settings.sqlite_path
    if database is None:
        logger.warning(
            "backend log ingestion needs a SQLite database file; ingestion is off",
            extra={"event": "backend_log_ingest_unavailable"},
        )
        return []
    return [
        BackendLogTailService(
            database,
            settings.backend_log_path,
            clock=clock,
            poll_interval=settings.backend_log_poll_interval,
            batch_size=settings.backend_log_batch_size,
        ),
        BackendLogRetentionService(database, clock=clock, retention_days=settings.backend_log_retention_days),
    ]
