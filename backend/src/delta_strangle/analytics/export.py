"""The analytics CSV export: `metadata`, `metrics` and `timeline` sections, streamed in constant memory.

The first chunk (header, metadata and metrics, `sections.py`) is built before any byte is sent, so a failure
there becomes an ordinary error answer; the timeline (`timeline_csv.py`) then streams from a server-side cursor.
Nothing is written to disk. The layout is documented in docs/analytics.md; the predecessor's columns come
first, ours after.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession, async_sessionmaker

from delta_strangle.analytics.cells import decimal_text
from delta_strangle.analytics.history import HistoryFilter, count_open_sessions, load_outcomes
from delta_strangle.analytics.metrics import HistoryMetrics, compute_metrics
from delta_strangle.analytics.sections import SECTION_HEADER, metadata_rows, metric_rows
from delta_strangle.analytics.timeline import timeline_counts
from delta_strangle.analytics.timeline_csv import TIMELINE_HEADER, raw_timeline_query, render_timeline_lines

logger = logging.getLogger(__name__)

FLUSH_ROWS = 2000


def export_filename(now: datetime) -> str:
    """Name the download after the UTC instant it was generated."""
    return f"analytics-export-{now:%Y%m%d-%H%M%S}.csv"


def _lines(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


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
        # Never leave a read running on a connection that is about to be handed back.
        if not pending.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(pending)


async def stream_analytics_csv(
    factory: async_sessionmaker[AsyncSession], history: HistoryFilter, now: datetime
) -> AsyncIterator[str]:
    """Yield the export: first the header, metadata and metrics in one chunk, then the timeline in batches."""
    started = time.perf_counter()
    context = {
        "format": "csv",
        **{f"range_{k}" if k in ("start", "end") else k: v for k, v in history.as_text().items()},
    }
    timeline_rows = 0
    try:
        async with factory() as session:
            outcomes = await load_outcomes(session, history)
            record_count, latest = await timeline_counts(session, history)
            still_open = await count_open_sessions(session, history)
            yield _lines([
                SECTION_HEADER,
                *metadata_rows(history, now, outcomes, record_count, latest, still_open),
                (),
                *metric_rows(compute_metrics(outcomes), outcomes),
                (),
                TIMELINE_HEADER,
            ])  # fmt: skip
            nets = {o.session_id: decimal_text(o.net_usd) for o in outcomes}
            result = await session.stream(raw_timeline_query(history).execution_options(yield_per=FLUSH_ROWS))
            async for partition in read_ahead(result, FLUSH_ROWS):
                timeline_rows += len(partition)
                yield render_timeline_lines(partition, nets)
    except Exception:
        logger.exception(
            "analytics export failed",
            extra={"event": "analytics_export_failed", "timeline_records": timeline_rows, **context},
        )
        raise
    logger.info(
        "analytics export completed",
        extra={
            "event": "analytics_export_completed",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "session_count": len(outcomes),
            "metric_rows": len(HistoryMetrics.model_fields),
            "timeline_records": timeline_rows,
            **context,
        },
    )
