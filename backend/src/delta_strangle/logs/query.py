"""Viewer queries: filters, newest-first keyset pagination, totals that are exact only when cheap.

Every filter value is a bound parameter. The SQL is shaped so SQLite walks one index
newest-first: the most selective equality filter is left plain (index-usable) and the others
are written `+column = :value`, SQLite's idiom for "filter, but don't pick this index".
Several levels become a UNION ALL of per-level index walks; free text goes through FTS5.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from delta_strangle.logs.parse import from_epoch_us
from delta_strangle.logs.schema import (
    FLAG_CAPPED,
    FLAG_INVALID_UTF8,
    FLAG_NOT_JSON,
    FLAG_UNTERMINATED,
    FTS_TABLE,
    TABLE,
)

EXACT_TOTAL_CAP = 10_000
# When filters beyond the driving index must be checked row by row, counting costs a table lookup
# per candidate, so the exact total stops earlier.
ROW_FILTERED_TOTAL_CAP = 1_000
# Most selective first: the first one present drives the index walk.
_INDEXED_EQUALITIES = (
    "correlation_id",
    "order_id",
    "client_order_id",
    "session_id",
    "strategy_id",
    "request_id",
    "event",
    "logger",
)
# Equalities that share a composite index with the level, (level, column, logged_at_us): when one of them
# drives the walk, the level is matched in the index too instead of on table rows.
_LEVEL_PAIRED = frozenset(("event", "logger"))
FLAG_NAMES = (
    (FLAG_NOT_JSON, "not_json"),
    (FLAG_CAPPED, "capped"),
    (FLAG_INVALID_UTF8, "invalid_utf8"),
    (FLAG_UNTERMINATED, "unterminated"),
)
OUTPUT_COLUMNS = (
    "id, logged_at_us, ingested_at_us, level, logger, event, message, correlation_id, request_id, user, "
    "strategy_id, session_id, order_id, client_order_id, mode, source, flags, raw"
)


class InvalidCursorError(ValueError):
    """The cursor was not produced by this API."""


@dataclass(frozen=True)
class LogFilter:
    """What the viewer asked for; every field optional. Levels use the standard names."""

    levels: tuple[str, ...] = ()
    equals: dict[str, str] = field(default_factory=dict)  # column -> exact value
    start_us: int | None = None
    end_us: int | None = None
    text: str | None = None  # already-validated search words

    @property
    def filters_rows(self) -> bool:
        """Whether some condition is checked on table rows rather than answered by one index."""
        conditions = len(self.equals) + bool(self.levels) + (self.text is not None)
        if self.levels and self.text is None and len(self.equals) == 1 and _LEVEL_PAIRED.intersection(self.equals):
            return False  # a (level, event|logger, time) index answers both
        return conditions > 1

    @property
    def is_empty(self) -> bool:
        return not (self.levels or self.equals or self.start_us or self.end_us or self.text)


@dataclass(frozen=True)
class Cursor:
    logged_at_us: int
    id: int

    def encode(self) -> str:
        return base64.urlsafe_b64encode(f"{self.logged_at_us}:{self.id}".encode()).decode().rstrip("=")

    @staticmethod
    def decode(value: str) -> Cursor:
        """Parse a cursor from `encode`, or raise InvalidCursorError."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            logged_at, row_id = raw.split(":")
            return Cursor(int(logged_at), int(row_id))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidCursorError("cursor is not valid: start again from the first page") from exc


@dataclass(frozen=True)
class Total:
    value: int
    exact: bool
    relation: str  # "eq", "gte" (at least) or "approx"


@dataclass(frozen=True)
class LogPage:
    records: list[tuple[Any, ...]]  # stored rows in OUTPUT_COLUMNS order, newest first
    next_cursor: str | None
    total: Total | None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The records shaped as dicts (the API writes them with `logs.rendering` instead)."""
        return [row_to_dict(record) for record in self.records]


def fts_query(words: str) -> str:
    """Quote each word so user text is matched literally, never parsed as FTS5 syntax."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words.split())


def _conditions(
    log_filter: LogFilter,
    params: dict[str, Any],
    *,
    level: str | None,
    suffix: str = "",
    after_id: int | None = None,
    cursor: Cursor | None = None,
) -> list[str]:
    """Return WHERE conditions, leaving exactly one index-usable equality (or the time index).

    `suffix` keeps parameter names apart between the branches of a UNION ALL. With `after_id`
    (the live tail) the rowid range drives instead and every column is only filtered. A `cursor`
    becomes the walk's upper time bound (merged with `end_us`, so the index range starts at the
    cursor, not at the end of the range) plus a tie-break on the id.
    """
    clauses: list[str] = []

    def bind(name: str, value: Any) -> str:
        params[name + suffix] = value
        return f":{name}{suffix}"

    # With free text the FTS rowids drive the query; in the live tail the rowid range does.
    driver_taken = log_filter.text is not None or after_id is not None
    level_indexed = False
    if after_id is not None:
        clauses.append(f"id > {bind('after_id', after_id)}")
    if log_filter.text is not None:
        match = bind("fts", fts_query(log_filter.text))
        rowid_range = f" AND rowid > :after_id{suffix}" if after_id is not None else ""
        clauses.append(f"id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {match}{rowid_range})")  # noqa: S608
    for column in _INDEXED_EQUALITIES:
        if column in log_filter.equals:
            clauses.append(f"{'+' if driver_taken else ''}{column} = {bind(column, log_filter.equals[column])}")
            level_indexed = level_indexed or (not driver_taken and column in _LEVEL_PAIRED)
            driver_taken = True
    if level is not None:
        clauses.append(f"{'+' if driver_taken and not level_indexed else ''}level = {bind('level', level)}")
    time_column = "+logged_at_us" if log_filter.text is not None or after_id is not None else "logged_at_us"
    if log_filter.start_us is not None:
        clauses.append(f"{time_column} >= {bind('start_us', log_filter.start_us)}")
    upper = log_filter.end_us
    if cursor is not None:
        upper = cursor.logged_at_us if upper is None else min(upper, cursor.logged_at_us)
    if upper is not None:
        clauses.append(f"{time_column} <= {bind('end_us', upper)}")
    if cursor is not None:
        # Rows at the cursor's own instant continue below its id (newest first is (time, id) descending).
        at, row_id = bind("cursor_at", cursor.logged_at_us), bind("cursor_id", cursor.id)
        clauses.append(f"(logged_at_us < {at} OR id < {row_id})")
    return clauses


def _where(clauses: Sequence[str]) -> str:
    return f" WHERE {' AND '.join(clauses)}" if clauses else ""


def build_page_sql(log_filter: LogFilter, cursor: Cursor | None, limit: int) -> tuple[str, dict[str, Any]]:
    """Return the newest-first page query and its parameters."""
    params: dict[str, Any] = {"limit": limit}
    order = "ORDER BY logged_at_us DESC, id DESC"
    if log_filter.text is not None:
        order = "ORDER BY +logged_at_us DESC, id DESC"  # sort the (few) FTS hits rather than walk the time index
    levels = log_filter.levels or (None,)
    if len(levels) == 1:
        clauses = _conditions(log_filter, params, level=levels[0], suffix="_0", cursor=cursor)
        return f"SELECT {OUTPUT_COLUMNS} FROM {TABLE}{_where(clauses)} {order} LIMIT :limit", params  # noqa: S608
    # Several levels: merge the per-level walks on their keys only (read from the index), then fetch
    # the full rows of the page's winners, instead of reading and sorting a full page per level.
    keys = []
    for index, level in enumerate(levels):
        clauses = _conditions(log_filter, params, level=level, suffix=f"_{index}", cursor=cursor)
        keys.append(f"SELECT * FROM (SELECT logged_at_us, id FROM {TABLE}{_where(clauses)} {order} LIMIT :limit)")  # noqa: S608
    winners = f"SELECT id FROM ({' UNION ALL '.join(keys)}) ORDER BY logged_at_us DESC, id DESC LIMIT :limit"  # noqa: S608
    return (
        f"SELECT {OUTPUT_COLUMNS} FROM {TABLE} WHERE id IN ({winners}) ORDER BY logged_at_us DESC, id DESC",  # noqa: S608
        params,
    )


def build_count_sql(log_filter: LogFilter, cap: int) -> tuple[str, dict[str, Any]]:
    """Return a query counting matches, stopping at `cap` + 1 in all so it is always cheap."""
    params: dict[str, Any] = {"cap": cap + 1}
    branches = []
    for index, level in enumerate(log_filter.levels or (None,)):
        clauses = _conditions(log_filter, params, level=level, suffix=f"_c{index}")
        branches.append(f"SELECT 1 FROM {TABLE}{_where(clauses)}")  # noqa: S608
    # One LIMIT over all the level branches: several levels stop together at cap + 1, not at cap + 1 each.
    return f"SELECT count(*) FROM ({' UNION ALL '.join(branches)} LIMIT :cap)", params  # noqa: S608


def _total_cap(log_filter: LogFilter, cap: int) -> int:
    return min(cap, ROW_FILTERED_TOTAL_CAP) if log_filter.filters_rows else cap


# Two subqueries: SQLite answers a lone min() or max() from the index, not both in one select.
_SPAN_SQL = f"(SELECT max(id) FROM {TABLE}) - (SELECT min(id) FROM {TABLE}) + 1"  # noqa: S608


def build_first_page_sql(log_filter: LogFilter, limit: int, cap: int) -> tuple[str, dict[str, Any]]:
    """Return the first page with two more columns, the capped count and (unfiltered) the id span.

    One statement instead of two or three, so the page and its total come from one snapshot. The
    count and span are constant subqueries, evaluated once.
    """
    page, params = build_page_sql(log_filter, None, limit)
    count, count_params = build_count_sql(log_filter, cap)
    params.update(count_params)
    span = _SPAN_SQL if log_filter.is_empty else "NULL"
    sql = f"SELECT page.*, ({count}) AS total_count, {span} AS id_span FROM ({page}) AS page"  # noqa: S608
    return f"{sql} ORDER BY page.logged_at_us DESC, page.id DESC", params


def _total(log_filter: LogFilter, counted: int, cap: int, span: int | None) -> Total:
    if counted <= cap:
        return Total(counted, True, "eq")
    if log_filter.is_empty:
        return Total(int(span or counted), False, "approx")
    return Total(cap, False, "gte")


def row_to_dict(row: Sequence[Any]) -> dict[str, Any]:
    """Shape one stored row for the API: ISO times, flag names, the payload parsed back."""
    flags = row[16]
    raw = row[17]
    payload: Any = None
    if not flags & (FLAG_NOT_JSON | FLAG_CAPPED):
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
    return {
        "id": row[0],
        "logged_at": from_epoch_us(row[1]),
        "ingested_at": from_epoch_us(row[2]),
        "level": row[3],
        "logger": row[4],
        "event": row[5],
        "message": row[6],
        "correlation_id": row[7],
        "request_id": row[8],
        "user": row[9],
        "strategy_id": row[10],
        "session_id": row[11],
        "order_id": row[12],
        "client_order_id": row[13],
        "mode": row[14],
        "source": row[15],
        "flags": [name for bit, name in FLAG_NAMES if flags & bit],
        "payload": payload,
        "raw": raw if payload is None else None,
    }


def fetch_rows(
    connection: sqlite3.Connection, log_filter: LogFilter, cursor: Cursor | None, limit: int
) -> list[tuple[Any, ...]]:
    """Return up to `limit` stored rows older than the cursor, newest first."""
    sql, params = build_page_sql(log_filter, cursor, limit)
    return connection.execute(sql, params).fetchall()


def count_matches(connection: sqlite3.Connection, log_filter: LogFilter, cap: int = EXACT_TOTAL_CAP) -> Total:
    """Count exactly up to `cap`; beyond it say "at least", or estimate from the id span when unfiltered."""
    cap = _total_cap(log_filter, cap)
    sql, params = build_count_sql(log_filter, cap)
    counted = int(connection.execute(sql, params).fetchone()[0] or 0)
    span = None
    if counted > cap and log_filter.is_empty:
        span = connection.execute(f"SELECT {_SPAN_SQL}").fetchone()[0]
    return _total(log_filter, counted, cap, span)


def search_logs(
    connection: sqlite3.Connection, log_filter: LogFilter, *, cursor: str | None = None, limit: int = 100
) -> LogPage:
    """Return one newest-first page; the total comes with the first page only (later pages reuse it).

    Raises InvalidCursorError for a cursor this API did not produce.
    """
    position = Cursor.decode(cursor) if cursor else None
    total = None
    if position is None:
        cap = _total_cap(log_filter, EXACT_TOTAL_CAP)
        sql, params = build_first_page_sql(log_filter, limit + 1, cap)
        result = connection.execute(sql, params).fetchall()
        rows = [row[:-2] for row in result]
        # No row on the first page means no match at all; otherwise every row carries the same count.
        total = _total(log_filter, int(result[0][-2]), cap, result[0][-1]) if result else Total(0, True, "eq")
    else:
        rows = fetch_rows(connection, log_filter, position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1][1], rows[-1][0]).encode() if more and rows else None
    return LogPage(rows, next_cursor, total)
