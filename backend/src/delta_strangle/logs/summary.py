"""The viewer's overview: counts per level, top events and loggers, latest problems, ingestion lag."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from delta_strangle.logs.parse import RAW_LEVEL, from_epoch_us
from delta_strangle.logs.query import OUTPUT_COLUMNS, row_to_dict
from delta_strangle.logs.schema import CHECKPOINT_TABLE, TABLE

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", RAW_LEVEL)
_COUNT_LEVEL = (
    f"SELECT count(*) FROM {TABLE} WHERE level = :level AND logged_at_us BETWEEN :since AND :until"  # noqa: S608
)
_LATEST = (
    f"SELECT {OUTPUT_COLUMNS} FROM {TABLE} WHERE level = :level ORDER BY logged_at_us DESC, id DESC LIMIT 1"  # noqa: S608
)


def _top(connection: sqlite3.Connection, column: str, since: int, until: int, limit: int) -> list[dict[str, Any]]:
    # The column name comes from this module only, never from a request.
    rows = connection.execute(
        f"SELECT {column}, count(*) AS n FROM {TABLE} WHERE logged_at_us BETWEEN :since AND :until "  # noqa: S608
        f"GROUP BY {column} ORDER BY n DESC LIMIT :limit",
        {"since": since, "until": until, "limit": limit},
    ).fetchall()
    return [{"name": name, "count": count} for name, count in rows]


def _latest(connection: sqlite3.Connection, *levels: str) -> dict[str, Any] | None:
    rows = []
    for level in levels:
        row = connection.execute(_LATEST, {"level": level}).fetchone()
        if row is not None:
            rows.append(row)
    if not rows:
        return None
    return row_to_dict(max(rows, key=lambda row: (row[1], row[0])))


def _ingestion(connection: sqlite3.Connection, log_path: Path | None, now_us: int) -> dict[str, Any]:
    newest = connection.execute(
        f"SELECT logged_at_us, ingested_at_us FROM {TABLE} ORDER BY id DESC LIMIT 1"  # noqa: S608
    ).fetchone()
    checkpoint = connection.execute(
        f"SELECT device, inode, byte_offset, lines_ingested, updated_at_us FROM {CHECKPOINT_TABLE} "  # noqa: S608
        "WHERE source = :source",
        {"source": str(log_path)},
    ).fetchone()
    lag_bytes: int | None = None
    if log_path is not None:
        try:
            info = os.stat(log_path)
            same_file = checkpoint is not None and (info.st_dev, info.st_ino) == (checkpoint[0], checkpoint[1])
            lag_bytes = max(0, info.st_size - (checkpoint[2] if same_file and checkpoint else 0))
        except FileNotFoundError:
            lag_bytes = 0
    return {
        "lag_bytes": lag_bytes,
        "newest_logged_at": from_epoch_us(newest[0]) if newest else None,
        "newest_ingested_at": from_epoch_us(newest[1]) if newest else None,
        "last_row_delay_seconds": round((newest[1] - newest[0]) / 1e6, 3) if newest else None,
        "seconds_since_last_row": round((now_us - newest[1]) / 1e6, 3) if newest else None,
        "lines_ingested": checkpoint[3] if checkpoint else 0,
        "checkpoint_updated_at": from_epoch_us(checkpoint[4]) if checkpoint else None,
    }


def summarize(
    connection: sqlite3.Connection, *, since_us: int, until_us: int, now_us: int, log_path: Path | None, top: int = 10
) -> dict[str, Any]:
    """Summarise the logs between two instants plus the current ingestion state (one read transaction)."""
    connection.execute("BEGIN")  # every figure from the same snapshot
    try:
        counts = {}
        for level in LEVELS:
            params = {"level": level, "since": since_us, "until": until_us}
            counts[level] = int(connection.execute(_COUNT_LEVEL, params).fetchone()[0])
        return {
            "since": from_epoch_us(since_us),
            "until": from_epoch_us(until_us),
            "counts_by_level": counts,
            "top_events": _top(connection, "event", since_us, until_us, top),
            "top_loggers": _top(connection, "logger", since_us, until_us, top),
            "latest_error": _latest(connection, "ERROR", "CRITICAL"),
            "latest_warning": _latest(connection, "WARNING"),
            "ingestion": _ingestion(connection, log_path, now_us),
        }
    finally:
        connection.execute("COMMIT")
