"""Reading the export's timeline oldest first in bounded memory: windows of sessions, each sorted on its own.

One ORDER BY over a whole history makes SQLite sort every row before the first one arrives, while the export has
nothing to render, and a sort that large spills to temporary files: the timeline written to disk. Instead, each
session's span (its row count and first and last timeline instant) is read first; sessions are then grouped, in
order of their first instant, into windows that start strictly after every earlier window's last instant. A
window's rows, read unsorted and sorted in Python on the query's own key, are therefore in global order, and the
next window is read while the current one is rendered: at most two windows of WINDOW_SORT_ROWS rows are held.

A larger window (a very long session, or many overlapping ones) is sorted by the database and streamed instead.
Windows name their sessions as bound parameters, so a chain of more than WINDOW_MAX_SESSIONS overlapping
sessions falls back to the single ordered query over the whole history.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession

from delta_strangle.analytics.history import HistoryFilter, closed_session_ids
from delta_strangle.analytics.timeline_csv import TIMELINE_ORDER, raw_timeline_query, sessions_timeline_query
from delta_strangle.store.journal_tables import EngineEventRow, FillRow, OrderIntentRow, TradingSessionRow

WINDOW_TARGET_ROWS = 10_000
WINDOW_SORT_ROWS = 20_000
WINDOW_MAX_SESSIONS = 200  # x 4 bound parameters per window query, under SQLite's oldest limit of 999


@dataclass(frozen=True)
class SessionSpan:
    """Where one session's timeline rows lie: their count and first and last instants, as stored."""

    session_id: int
    rows: int
    first: Any
    last: Any


@dataclass(frozen=True)
class Window:
    session_ids: list[int]
    rows: int


async def session_spans(session: AsyncSession, history: HistoryFilter) -> list[SessionSpan]:
    """Read every in-scope session's row count and first and last timeline instant (one grouped query a table)."""
    ids = closed_session_ids(history)
    spans: dict[int, SessionSpan] = {}
    sources: tuple[tuple[Any, Any], ...] = (
        (OrderIntentRow.created_at, OrderIntentRow.session_id),
        (FillRow.occurred_at, FillRow.session_id),
        (EngineEventRow.occurred_at, EngineEventRow.session_id),
        (TradingSessionRow.ended_at, TradingSessionRow.id),
    )
    for instant, owner in sources:
        # The instants stay as stored, so they compare exactly as the timeline query's ORDER BY compares them.
        stored = type_coerce(instant, String())
        query = select(owner, func.count(), func.min(stored), func.max(stored)).where(owner.in_(ids)).group_by(owner)
        for session_id, count, first, last in await session.execute(query):
            seen = spans.get(session_id)
            if seen is not None:
                count, first, last = seen.rows + count, min(seen.first, first), max(seen.last, last)
            spans[session_id] = SessionSpan(session_id, int(count), first, last)
    return list(spans.values())


def latest_instant(spans: Sequence[SessionSpan]) -> datetime | None:
    """The timeline's latest instant, as an aware UTC datetime."""
    if not spans:
        return None
    latest = max(span.last for span in spans)
    instant = latest if isinstance(latest, datetime) else datetime.fromisoformat(latest)
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def plan_windows(spans: Sequence[SessionSpan], *, target_rows: int, max_sessions: int) -> list[Window] | None:
    """Group sessions into windows in time order; None when overlapping sessions chain past `max_sessions`."""
    windows: list[Window] = []
    ids: list[int] = []
    rows = 0
    last: Any = None
    for span in sorted(spans, key=lambda s: (s.first, s.session_id)):
        # A window may close only where no session reaches across: the next one starts after all of it.
        if ids and span.first > last and (rows >= target_rows or len(ids) >= max_sessions):
            windows.append(Window(ids, rows))
            ids, rows, last = [], 0, None
        ids.append(span.session_id)
        rows += span.rows
        last = span.last if last is None else max(last, span.last)
        if len(ids) > max_sessions:
            return None
    if ids:
        windows.append(Window(ids, rows))
    return windows


async def read_ahead(result: AsyncResult[Any], size: int) -> AsyncIterator[Sequence[Row[Any]]]:
    """Yield batches of `size` rows while the next batch is already being read.

    The database driver reads (and SQLite sorts) in its own thread while the caller renders the current batch,
    so the two overlap instead of taking turns. At most two batches are held.
    """
    pending = asyncio.ensure_future(result.fetchmany(size))
    try:
        while batch := await pending:
            pending = asyncio.ensure_future(result.fetchmany(size))
            yield batch
    finally:
        await _settle(pending)


async def _settle(pending: asyncio.Future[Any] | None) -> None:
    # Never leave a read running on a connection that is about to be handed back.
    if pending is not None and not pending.done():
        with contextlib.suppress(Exception):
            await asyncio.shield(pending)


async def _sorted_rows(session: AsyncSession, window: Window) -> list[Row[Any]]:
    result = await session.execute(sessions_timeline_query(ordered=False), {"session_ids": window.session_ids})
    rows = list(result.all())  # fetched at once, not row by row
    rows.sort(key=TIMELINE_ORDER)
    return rows


async def _window_rows(
    session: AsyncSession, windows: Sequence[Window], batch_rows: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    # Each small window whole and sorted, the next one already being read; a large one in database-sorted batches.
    pending: asyncio.Future[list[Row[Any]]] | None = None
    try:
        for index, window in enumerate(windows):
            if window.rows > WINDOW_SORT_ROWS:
                query = sessions_timeline_query(ordered=True).execution_options(yield_per=batch_rows)
                result = await session.stream(query, {"session_ids": window.session_ids})
                async for batch in read_ahead(result, batch_rows):
                    yield batch
                continue
            rows = await pending if pending is not None else await _sorted_rows(session, window)
            pending = None
            if index + 1 < len(windows) and windows[index + 1].rows <= WINDOW_SORT_ROWS:
                pending = asyncio.ensure_future(_sorted_rows(session, windows[index + 1]))
            yield rows
    finally:
        await _settle(pending)


async def ordered_timeline(
    session: AsyncSession, history: HistoryFilter, spans: Sequence[SessionSpan], batch_rows: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Yield the history's timeline rows (`raw_timeline_query` columns) oldest first, in batches of `batch_rows`."""
    windows = plan_windows(spans, target_rows=WINDOW_TARGET_ROWS, max_sessions=WINDOW_MAX_SESSIONS)
    if windows is None:
        result = await session.stream(raw_timeline_query(history).execution_options(yield_per=batch_rows))
        async for batch in read_ahead(result, batch_rows):
            yield batch
        return
    held: list[Row[Any]] = []  # the start of the next batch, carried over from the previous rows
    async for rows in _window_rows(session, windows, batch_rows):
        start = 0
        if held:
            start = batch_rows - len(held)
            held += rows[:start]
            if len(held) < batch_rows:
                continue
            yield held
            held = []
        while len(rows) - start >= batch_rows:
            yield rows[start : start + batch_rows]
            start += batch_rows
        held = list(rows[start:])
    if held:
        yield held
