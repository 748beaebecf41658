"""Live tail: follow new rows matching a filter, as server-sent events.

Each poll asks for rows after the last id sent, so the rowid range drives the query whatever the
filter; a comment line every `heartbeat_seconds` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from delta_strangle.clock import Clock
from delta_strangle.logs.query import OUTPUT_COLUMNS, LogFilter, _conditions, _where, row_to_dict
from delta_strangle.logs.schema import TABLE

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


def format_event(row: dict[str, Any]) -> str:
    """Format one row as a server-sent event."""
    data = json.dumps(row, default=str, ensure_ascii=False, separators=(",", ":"))
    return f"id: {row['id']}\nevent: log\ndata: {data}\n\n"


async def follow_logs(
    engine: AsyncEngine,
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
        async with engine.connect() as connection:
            after_id = int((await connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {TABLE}"))).scalar_one())  # noqa: S608
    yield f"event: ready\ndata: {json.dumps({'after_id': after_id})}\n\n"
    quiet = 0.0
    while disconnected is None or not await disconnected():
        sql, params = build_tail_sql(log_filter, after_id)
        async with engine.connect() as connection:
            rows = (await connection.execute(text(sql), params)).all()
        for row in rows:
            yield format_event(row_to_dict(tuple(row)))
            after_id = row[0]
        if len(rows) == TAIL_PAGE_ROWS:
            continue  # a burst: keep reading before sleeping
        quiet = 0.0 if rows else quiet + poll_interval
        if quiet >= heartbeat_seconds:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await clock.sleep(poll_interval)
