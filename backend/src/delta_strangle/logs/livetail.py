"""Live tail: follow new rows matching a filter, as server-sent events.

Each poll asks for rows after the last id sent, so the rowid range drives the query whatever the
filter; a comment line every `heartbeat_seconds` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from delta_strangle.clock import Clock
from delta_strangle.logs.query import OUTPUT_COLUMNS, LogFilter, _conditions, _where
from delta_strangle.logs.rendering import row_json
from delta_strangle.logs.schema import TABLE
from delta_strangle.logs.viewer_db import LogViewerDatabase

TAIL_PAGE_ROWS = 500


def build_tail_sql(log_filter: LogFilter, after_id: int) -> tuple[str, dict[str, Any]]:
    """Return the query for rows after `after_id` matching the filter, oldest first."""
    params: dict[str, Any] = {"limit": TAIL_PAGE_ROWS}
    clauses = _conditions(log_filter, params, level=None, after_id=after_id)
    if log_filter.levels:
        names = []
        for index, level in enumerate(log_filter.levels):
            params[f"level_{index}"] = level
            names.append(f":level_{index}")
        clauses.append(f"+level IN ({', '.join(names)})")
    return f"SELECT {OUTPUT_COLUMNS} FROM {TABLE}{_where(clauses)} ORDER BY id LIMIT :limit", params  # noqa: S608


def format_event(row: Sequence[Any]) -> str:
    """Format one stored row as a server-sent event (the same JSON as an item of the viewer's list)."""
    return f"id: {row[0]}\nevent: log\ndata: {row_json(row)}\n\n"


def _max_id(connection: sqlite3.Connection) -> int:
    return int(connection.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}").fetchone()[0])  # noqa: S608


def _new_rows(connection: sqlite3.Connection, log_filter: LogFilter, after_id: int) -> list[tuple[Any, ...]]:
    sql, params = build_tail_sql(log_filter, after_id)
    return connection.execute(sql, params).fetchall()


async def follow_logs(
    viewer: LogViewerDatabase,
    log_filter: LogFilter,
    *,
    clock: Clock,
    after_id: int | None = None,
    poll_interval: float = 0.5,
    heartbeat_seconds: float = 15.0,
    disconnected: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[str]:
    """Yield server-sent events for new matching rows until the client goes away."""
    if after_id is None:
        after_id = await viewer.run(_max_id)
    yield f"event: ready\ndata: {json.dumps({'after_id': after_id})}\n\n"
    quiet = 0.0
    while disconnected is None or not await disconnected():
        rows = await viewer.run(partial(_new_rows, log_filter=log_filter, after_id=after_id))
        for row in rows:
            yield format_event(row)
            after_id = row[0]
        if len(rows) == TAIL_PAGE_ROWS:
            continue  # a burst: keep reading before sleeping
        quiet = 0.0 if rows else quiet + poll_interval
        if quiet >= heartbeat_seconds:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await clock.sleep(poll_interval)
