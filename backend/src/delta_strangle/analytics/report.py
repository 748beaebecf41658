"""The history report the API serves: metrics, per exit reason figures, charts, the newest timeline rows, status."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.analytics.charts import HistoryCharts, build_charts
from delta_strangle.analytics.history import HistoryFilter, count_open_sessions, load_outcomes
from delta_strangle.analytics.metrics import ExitReasonStats, HistoryMetrics, compute_metrics, exit_reason_stats
from delta_strangle.analytics.timeline import TimelineEntry, recent_timeline, timeline_summary

STALE_AFTER = timedelta(minutes=5)


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


class HistoryStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    is_stale: bool
    message: str
    open_sessions: int
    latest_timestamp: datetime | None


class HistoryReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    metrics: HistoryMetrics
    exit_reasons: list[ExitReasonStats]
    charts: HistoryCharts
    timeline: list[TimelineEntry]
    timeline_total: int
    status: HistoryStatus


async def history_report(
    session: AsyncSession, history: HistoryFilter, now: datetime, timeline_limit: int
) -> HistoryReport:
    """Build the whole history for one filter; the timeline is cut to the newest `timeline_limit` rows."""
    outcomes = await load_outcomes(session, history)
    total, latest = await timeline_summary(session, history)
    still_open = await count_open_sessions(session, history)
    is_stale, message = describe_status(history, now, len(outcomes), total, still_open)
    return HistoryReport(
        generated_at=now,
        metrics=compute_metrics(outcomes),
        exit_reasons=exit_reason_stats(outcomes),
        charts=build_charts(outcomes),
        timeline=await recent_timeline(session, history, timeline_limit),
        timeline_total=total,
        status=HistoryStatus(is_stale=is_stale, message=message, open_sessions=still_open, latest_timestamp=latest),
    )
