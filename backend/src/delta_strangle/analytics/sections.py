"""The head of the analytics export: the `section,field,value` header, the metadata rows and the metrics rows.

Their order and names are the export's contract (docs/analytics.md, "Layout"): the predecessor's fields first,
ours after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from delta_strangle.analytics.cells import cell
from delta_strangle.analytics.history import HistoryFilter
from delta_strangle.analytics.metrics import HistoryMetrics, SessionOutcome, exit_reason_stats
from delta_strangle.analytics.report import describe_status

SECTION_HEADER = ("section", "field", "value")


def metadata_rows(
    history: HistoryFilter,
    now: datetime,
    outcomes: Sequence[SessionOutcome],
    record_count: int,
    latest: datetime | None,
    still_open: int,
) -> list[tuple[str, str, str]]:
    """The metadata section: the predecessor's nine fields in its order, then mode and the session counts."""
    is_stale, message = describe_status(history, now, len(outcomes), record_count, still_open)
    text = history.as_text()
    fields: list[tuple[str, Any]] = [
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
    return [("metadata", name, cell(value)) for name, value in fields]


def metric_rows(metrics: HistoryMetrics, outcomes: Sequence[SessionOutcome]) -> list[tuple[str, str, str]]:
    """The metrics section: every HistoryMetrics field in schema order, then per exit reason figures."""
    rows = [("metrics", name, cell(getattr(metrics, name))) for name in HistoryMetrics.model_fields]
    for stats in exit_reason_stats(outcomes):
        prefix = f"exit_reason.{stats.exit_reason}"
        rows += [
            ("metrics", f"{prefix}.count", str(stats.count)),
            ("metrics", f"{prefix}.win_count", str(stats.win_count)),
            ("metrics", f"{prefix}.net_pnl", cell(stats.net_pnl)),
            ("metrics", f"{prefix}.average_pnl", cell(stats.average_pnl)),
        ]
    return rows
