"""Builders for log tests: a fresh database with the log schema, JSON lines, a fixed clock."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.parse import to_epoch_us
from delta_strangle.logs.schema import create_statements

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fresh_database(path: Path) -> Path:
    """Create the log tables in a new SQLite file."""
    connection = sqlite3.connect(path)
    for statement in create_statements():
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path


def json_line(message: str, *, seconds: float = 0, level: str = "INFO", event: str = "test_event", **fields: Any) -> str:
    """Return one formatted log line (with newline) as JsonFormatter writes them."""
    entry = {
        "timestamp": (T0 + timedelta(seconds=seconds)).isoformat(),
        "level": level,
        "logger": fields.pop("logger", "tests"),
        "event": event,
        "message": message,
        **fields,
    }
    return json.dumps(entry) + "\n"


def ingester(database: Path, log: Path, **options: Any) -> LogIngester:
    """Return an ingester with a fixed clock."""
    return LogIngester(database, log, now_us=lambda: to_epoch_us(T0), **options)


def stored_messages(database: Path) -> list[str]:
    """Return every stored message in id order."""
    connection = sqlite3.connect(database)
    try:
        return [row[0] for row in connection.execute("SELECT message FROM backend_logs ORDER BY id")]
    finally:
        connection.close()
