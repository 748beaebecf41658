"""The analytics CSV export: `metadata`, `metrics` and `timeline` sections, streamed in constant memory.

The first chunk (header, metadata and metrics) is built before any byte is sent, so a failure there becomes an
ordinary error answer; the timeline then streams from a server-side cursor. Nothing is written to disk.
The layout is documented in docs/analytics.md; the predecessor's columns come first, ours after.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics.history import HistoryFilter, count_open_sessions, load_outcomes, outcomes_by_id
from delta_strangle.analytics.metrics import HistoryMetrics, SessionOutcome, compute_metrics, exit_reason_stats
from delta_strangle.analytics.timeline import TimelineEntry, stream_timeline, timeline_summary

logger = logging.getLogger(__name__)

FLUSH_ROWS = 2000
STALE_AFTER = timedelta(minutes=5)
SECTION_HEADER = ("section", "field", "value")
TIMELINE_HEADER = (
    "timeline", "timestamp", "session_id", "entry_type", "order_id", "position_id", "symbol", "side", "quantity",
    "price", "fill_price", "realized_pnl", "unrealized_pnl", "metadata", "client_order_id", "fee",
)  # fmt: skip
_PLACES = Decimal("0.00000001")


def describe_status(
    history: HistoryFilter, now: datetime, sessions: int, timeline_rows: int, still_open: int
) -> tuple[bool, str]:
    """Tell whether the figures are still moving, and say in words what the range holds."""
    # Stale means: the range reaches the present and a session in scope is still open.
    if still_open > 0 and history.end >= now - STALE_AFTER:
        return True, f"{still_open} session(s) still open: their PnL counts once they finish"
    if sessions == 0 and timeline_rows == 0:
        return False, "No data for selected range"
    return False, f"{sessions} finished session(s), {timeline_rows} timeline row(s)"


def export_filename(now: datetime) -> str:
    """Name the download after the UTC instant it was generated."""
    return f"analytics-export-{now:%Y%m%d-%H%M%S}.csv"


def decimal_text(value: Decimal) -> str:
    """Render money and ratios with at most 8 decimals, without exponent or trailing zeros."""
    text = format(value.quantize(_PLACES).normalize(), "f")
    return "0" if text in ("-0", "") else text


def cell(value: Any) -> str:
    """Render one CSV value: blanks for None, plain decimals, ISO instants, True/False."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def compact_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def metric_rows(metrics: HistoryMetrics, outcomes: Iterable[SessionOutcome]) -> list[tuple[str, str, str]]:
    """The metrics section: every HistoryMetrics field in schema order, then per exit reason figures."""
    rows = [("metrics", name, cell(getattr(metrics, name))) for name in HistoryMetrics.model_fields]
    for stats in exit_reason_stats(list(outcomes)):
        prefix = f"exit_reason.{stats.exit_reason}"
        rows += [
            ("metrics", f"{prefix}.count", str(stats.count)),
            ("metrics", f"{prefix}.win_count", str(stats.win_count)),
            ("metrics", f"{prefix}.net_pnl", cell(stats.net_pnl)),
            ("metrics", f"{prefix}.average_pnl", cell(stats.average_pnl)),
        ]
    return rows


def timeline_row(entry: TimelineEntry, outcomes: dict[int, SessionOutcome]) -> list[str]:
    """One timeline line; a session's close carries its net PnL as realized_pnl."""
    realized = None
    if entry.entry_type == "session" and entry.session_id in outcomes:
        realized = outcomes[entry.session_id].net_usd
    return [
        "timeline", cell(entry.timestamp), cell(entry.session_id), entry.entry_type, cell(entry.order_id),
        cell(entry.leg_id), cell(entry.symbol), cell(entry.side), cell(entry.quantity), cell(entry.price),
        cell(entry.fill_price), cell(realized), "", compact_json(entry.metadata), cell(entry.client_order_id),
        cell(entry.fee),
    ]  # fmt: skip


class _Rows:
    """A csv.writer over a small buffer that hands its text out and starts again."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def write(self, row: Iterable[Any]) -> None:
        self.writer.writerow(row)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


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
            record_count, latest = await timeline_summary(session, history)
            still_open = await count_open_sessions(session, history)
            metrics = compute_metrics(outcomes)
            rows = _Rows()
            rows.write(SECTION_HEADER)
            for field, value in _metadata(history, now, outcomes, record_count, latest, still_open):
                rows.write(("metadata", field, cell(value)))
            rows.write(())
            for row in metric_rows(metrics, outcomes):
                rows.write(row)
            rows.write(())
            rows.write(TIMELINE_HEADER)
            yield rows.take()
            by_id = outcomes_by_id(outcomes)
            async for entry in stream_timeline(session, history):
                rows.write(timeline_row(entry, by_id))
                timeline_rows += 1
                if timeline_rows % FLUSH_ROWS == 0:
                    yield rows.take()
            yield rows.take()
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


def _metadata(
    history: HistoryFilter,
    now: datetime,
    outcomes: list[SessionOutcome],
    record_count: int,
    latest: datetime | None,
    still_open: int,
) -> list[tuple[str, Any]]:
    is_stale, message = describe_status(history, now, len(outcomes), record_count, still_open)
    text = history.as_text()
    return [
        ("generated_at", now),
        ("start", text["start"]),
        ("end", text["end"]),
        ("preset", text["preset"]),
        ("strategy_id", text["strategy_id"]),
        ("record_count", record_count),
        ("is_stale", is_stale),
        ("status_message", message),
        ("latest_timestamp", latest),
        ("mode", text["mode"]),
        ("session_count", len(outcomes)),
        ("open_sessions", still_open),
    ]
