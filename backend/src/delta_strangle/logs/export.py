"""Stream filtered log rows as CSV or NDJSON, page by page, never holding the result in memory."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from delta_strangle.logs.query import Cursor, LogFilter, fetch_rows, row_to_dict
from delta_strangle.logs.rendering import row_json
from delta_strangle.logs.viewer_db import LogViewerDatabase

logger = logging.getLogger(__name__)
EXPORT_PAGE_ROWS = 1000
# The predecessor's columns first (so existing spreadsheets keep working), ours after.
CSV_HEADER = (
    "id", "logged_at", "ingested_at", "level", "logger_name", "event", "message", "correlation_id", "strategy_id",
    "request_id", "line_hash", "payload", "session_id", "order_id", "client_order_id", "user", "mode", "source",
    "flags",
)


def _csv_record(row: tuple[Any, ...]) -> list[Any]:
    item = row_to_dict(row)
    raw: str = row[17]
    payload = json.dumps(item["payload"], separators=(",", ":"), ensure_ascii=False) if item["payload"] else raw
    return [
        item["id"], item["logged_at"].isoformat(), item["ingested_at"].isoformat(), item["level"], item["logger"],
        item["event"], item["message"], item["correlation_id"], item["strategy_id"], item["request_id"],
        hashlib.sha1(raw.encode("utf-8"), usedforsecurity=False).hexdigest(), payload, item["session_id"],
        item["order_id"], item["client_order_id"], item["user"], item["mode"], item["source"], "|".join(item["flags"]),
    ]


def _ndjson_record(row: tuple[Any, ...]) -> str:
    return row_json(row) + "\n"


def _export_page(
    connection: sqlite3.Connection, log_filter: LogFilter, cursor: Cursor | None, fmt: str
) -> tuple[str, int, Cursor | None]:
    """Read and render one page on a reader thread: the text, how many rows, and where the next starts."""
    rows = fetch_rows(connection, log_filter, cursor, EXPORT_PAGE_ROWS)
    if not rows:
        return "", 0, None
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(_csv_record(row) for row in rows)
        text = buffer.getvalue()
    else:
        text = "".join(_ndjson_record(row) for row in rows)
    following = Cursor(rows[-1][1], rows[-1][0]) if len(rows) == EXPORT_PAGE_ROWS else None
    return text, len(rows), following


async def export_logs(viewer: LogViewerDatabase, log_filter: LogFilter, *, fmt: str) -> AsyncIterator[str]:
    """Yield the export text page by page, newest first; each page is one short read on a reader thread."""
    started = time.perf_counter()
    exported = 0
    cursor: Cursor | None = None
    try:
        if fmt == "csv":
            buffer = io.StringIO()
            csv.writer(buffer).writerow(CSV_HEADER)
            yield buffer.getvalue()
        while True:
            text, count, cursor = await viewer.run(
                partial(_export_page, log_filter=log_filter, cursor=cursor, fmt=fmt)
            )
            if text:
                yield text
            exported += count
            if cursor is None:
                break
    except Exception:
        logger.exception(
            "log export failed", extra={"event": "backend_logs_export_failed", "exported_records": exported}
        )
        raise
    logger.info(
        "exported %d log rows",
        exported,
        extra={
            "event": "backend_logs_export_completed",
            "exported_records": exported,
            "format": fmt,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
