"""The viewer's overview: counts per level, top events and loggers, latest problems, ingestion lag."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from delta_strangle.logs.parse import RAW_LEVEL, from_epoch_us
from delta_strangle.logs.query import OUTPUT_COLUMNS, row_to_dict
from delta_strangle.logs.schema import CHECKPOINT_TABLE, TABLE

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", RAW_LEVEL)
_COUNT_LEVEL = text(
    f"SELECT count(*) FROM {TABLE} WHERE level = :level AND logged_at_us BETWEEN :since AND :until"  # noqa: S608
)
_LATEST = text(
    f"SELECT {OUTPUT_COLUMNS} FROM {TABLE} WHERE level = :level ORDER BY logged_at_us DESC, id DESC LIMIT 1"  # noqa: S608
)


async def _top(connection: AsyncConnection, column: str, since: int, until: int, limit: int) -> list[dict[str, Any]]:
    # The column name comes from this module only, never from a request.
    result = await connection.execute(
        text(
            f"SELECT {column}, count(*) AS n FROM {TABLE} WHERE logged_at_us BETWEEN :since AND :until "  # noqa: S608
            f"GROUP BY {column} ORDER BY n DESC LIMIT :limit"
        ),
        {"since": since, "until": until, "limit": limit},
    )
    return [{"name": name, "count": count} for name, count in result.all()]


async def _latest(connection: AsyncConnection, *levels: str) -> dict[str, Any] | None:
    rows = []
    for level in levels:
        row = (await connection.execute(_LATEST, {"level": level})).first()
        if row is not None:
            rows.append(tuple(row))
    if not rows:
        return None
    return row_to_dict(max(rows, key=lambda row: (row[1], row[0])))


async def _ingestion(connection: AsyncConnection, log_path: Path | None, now_us: int) -> dict[str, Any]:
    newest = (
        await connection.execute(text(f"SELECT logged_at_us, ingested_at_us FROM {TABLE} ORDER BY id DESC LIMIT 1"))  # noqa: S608
    ).first()
    checkpoint = (
        await connection.execute(
            text(f"SELECT device, inode, byte_offset, lines_ingested, updated_at_us FROM {CHECKPOINT_TABLE} "  # noqa: S608
                 "WHERE source = :source"),
            {"source": str(log_path)},
        )
    ).first()
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


async def summarize(
    engine: AsyncEngine, *, since_us: int, until_us: int, now_us: int, log_path: Path | None, top: int = 10
) -> dict[str, Any]:
    """Summarise the logs between two instants plus the current ingestion state."""
    async with engine.connect() as connection:
        counts = {}
        for level in LEVELS:
            params = {"level": level, "since": since_us, "until": until_us}
            counts[level] = int((await connection.execute(_COUNT_LEVEL, params)).scalar_one())
        return {
            "since": from_epoch_us(since_us),
            "until": from_epoch_us(until_us),
            "counts_by_level": counts,
            "top_events": await _top(connection, "event", since_us, until_us, top),
            "top_loggers": await _top(connection, "logger", since_us, until_us, top),
            "latest_error": await _latest(connection, "ERROR", "CRITICAL"),
            "latest_warning": await _latest(connection, "WARNING"),
            "ingestion": await _ingestion(connection, log_path, now_us),
        }
