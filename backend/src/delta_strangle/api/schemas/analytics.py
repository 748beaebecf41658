"""Response bodies of the analytics and risk routes: the analytics models themselves, named for the API."""

from __future__ import annotations

from pydantic import BaseModel

from delta_strangle.analytics.report import HistoryReport
from delta_strangle.analytics.risk import RiskSnapshot


class HistoryResponse(HistoryReport):
    """Metrics, per exit reason figures, charts, the newest timeline rows (newest first) and data status."""


class RiskSnapshotResponse(BaseModel):
    """The live book's risk picture; `book` is null when no session holds positions (or no engine is wired)."""

    book: RiskSnapshot | None
