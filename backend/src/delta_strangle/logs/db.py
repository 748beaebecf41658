"""The log pipeline's own sqlite3 connections (the tailer and retention work off the event loop)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(database: Path, *, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """Open the main database for the log pipeline: WAL, busy timeout, explicit transactions."""
    database.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(
        database, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection
