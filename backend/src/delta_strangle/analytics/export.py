"""The analytics CSV export: `metadata`, `metrics` and `timeline` sections, streamed in constant memory.

The first chunk (header, metadata and metrics, `sections.py`) is built before any byte is sent, so a failure
there becomes an ordinary error answer; the timeline then streams in batches, read oldest first a window of
sessions at a time (`timeline_windows.py`) and rendered from the stored text (`timeline_csv.py`).
Nothing is written to disk. The layout is documented in docs/analytics.md; the predecessor's columns come
first, ours after.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics.cells import decimal_text
from delta_strangle.analytics.history import HistoryFilter, count_open_sessions, load_outcomes
from delta_strangle.analytics.metrics import HistoryMetrics, compute_metrics
from delta_strangle.analytics.sections import SECTION_HEADER, metadata_rows, metric_rows
from delta_strangle.analytics.timeline_csv import TIMELINE_HEADER, render_timeline_lines
from delta_strangle.analytics.timeline_windows import latest_instant, ordered_timeline, session_spans

logger = logging.getLogger(__name__)

FLUSH_ROWS = 2000


def export_filename(now: datetime) -> str:
    """Name the download after the UTC instant it was generated."""
    return f"analytics-export-{now:%Y%m%d-%H%M%S}.csv"


def _lines(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


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
            spans = await session_spans(session, history)
            record_count = sum(span.rows for span in spans)
            still_open = await count_open_sessions(session, history)
            yield _lines([
                SECTION_HEADER,
                *metadata_rows(history, now, outcomes, record_count, latest_instant(spans), still_open),
                (),
                *metric_rows(compute_metrics(outcomes), outcomes),
                (),
                TIMELINE_HEADER,
            ])  # fmt: skip
            nets = {o.session_id: decimal_text(o.net_usd) for o in outcomes}
            async for batch in ordered_timeline(session, history, spans, FLUSH_ROWS):
                timeline_rows += len(batch)
                yield render_timeline_lines(batch, nets)
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
