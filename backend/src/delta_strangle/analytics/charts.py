"""Chart series over finished sessions: cumulative net, gross and fees, drawdown, rolling win rate, histogram."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from delta_strangle.analytics.metrics import HUNDRED, ZERO, SessionOutcome

ROLLING_WINDOW = 10
HISTOGRAM_BUCKETS = 10


class ChartPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    timestamp: datetime
    value: Decimal
    session_id: int


class HistogramBucket(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: Decimal
    end: Decimal
    count: int


class HistoryCharts(BaseModel):
    model_config = ConfigDict(frozen=True)

    cumulative_pnl: list[ChartPoint] = []
    cumulative_gross_pnl: list[ChartPoint] = []
    cumulative_fees: list[ChartPoint] = []
    drawdown: list[ChartPoint] = []
    rolling_win_rate: list[ChartPoint] = []
    pnl_histogram: list[HistogramBucket] = []


def pnl_histogram(nets: Sequence[Decimal], buckets: int = HISTOGRAM_BUCKETS) -> list[HistogramBucket]:
    """Count session nets in equal-width buckets; one bucket when every net is the same."""
    if not nets:
        return []
    low, high = min(nets), max(nets)
    if low == high:
        return [HistogramBucket(start=low, end=high, count=len(nets))]
    width = (high - low) / buckets
    counts = [0] * buckets
    for net in nets:
        # The top edge belongs to the last bucket, so the maximum is counted.
        counts[min(int((net - low) / width), buckets - 1)] += 1
    return [
        HistogramBucket(start=low + width * i, end=high if i == buckets - 1 else low + width * (i + 1), count=count)
        for i, count in enumerate(counts)
    ]


def build_charts(outcomes: Sequence[SessionOutcome], window: int = ROLLING_WINDOW) -> HistoryCharts:
    """Build every series from sessions given in closing order."""
    net = gross = fees = peak = ZERO
    series: dict[str, list[ChartPoint]] = {name: [] for name in ("net", "gross", "fees", "drawdown", "win_rate")}
    for index, outcome in enumerate(outcomes):
        net += outcome.net_usd
        gross += outcome.gross_usd
        fees += outcome.fees_usd
        peak = max(peak, net)
        recent = outcomes[max(0, index + 1 - window) : index + 1]
        win_rate = Decimal(sum(1 for o in recent if o.net_usd > 0)) * HUNDRED / len(recent)
        for name, value in (("net", net), ("gross", gross), ("fees", fees), ("drawdown", peak - net)):
            series[name].append(ChartPoint(timestamp=outcome.closed_at, value=value, session_id=outcome.session_id))
        point = ChartPoint(timestamp=outcome.closed_at, value=win_rate, session_id=outcome.session_id)
        series["win_rate"].append(point)
    return HistoryCharts(
        cumulative_pnl=series["net"],
        cumulative_gross_pnl=series["gross"],
        cumulative_fees=series["fees"],
        drawdown=series["drawdown"],
        rolling_win_rate=series["win_rate"],
        pnl_histogram=pnl_histogram([o.net_usd for o in outcomes]),
    )
