"""Scripted price paths for the acceptance cycles: a replayed market whose two strangle legs follow given curves.

The market lists one call (98000) and one put (92000) on the day's expiry, so a 3 % distance profile at spot
95000 always sells exactly these two. Each leg's mark follows a piecewise-linear curve of seconds since the
start; the book is the mark +/- a tight half spread, deep enough for every order of the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.replay import ReplayMarket, Snapshot

CALL = "C-BTC-98000-251126"
PUT = "P-BTC-92000-251126"
SPOT = Decimal("95000")
HALF_SPREAD = Decimal("2")

Curve = Sequence[tuple[float, float]]


def ramp(curve: Curve, seconds: float) -> Decimal:
    """Return the curve's value at `seconds`: linear between its (seconds, value) points, flat outside them."""
    if seconds <= curve[0][0]:
        return Decimal(str(curve[0][1]))
    for (t0, v0), (t1, v1) in pairwise(curve):
        if seconds <= t1:
            value = v0 + (v1 - v0) * (seconds - t0) / (t1 - t0)
            return Decimal(str(round(value, 1)))
    return Decimal(str(curve[-1][1]))


def _ticker(symbol: str, mark: Decimal) -> dict[str, object]:
    bid = max(Decimal("0.1"), mark - HALF_SPREAD)
    return {
        "symbol": symbol, "mark_price": str(mark), "spot_price": str(SPOT),
        "quotes": {"best_bid": str(bid), "best_ask": str(mark + HALF_SPREAD), "bid_size": "500", "ask_size": "500"},
    }


def strangle_market(
    config: SimConfig, start: datetime, *, call: Curve, put: Curve, seconds: float, step: float = 5.0
) -> ReplayMarket:
    """Build a replayed market from `start` for `seconds`, one snapshot per `step`, legs on the given curves."""
    snapshots = []
    elapsed = 0.0
    while elapsed <= seconds:
        snapshots.append(Snapshot(
            time=start + timedelta(seconds=elapsed), spot={"BTC": SPOT},
            tickers={CALL: _ticker(CALL, ramp(call, elapsed)), PUT: _ticker(PUT, ramp(put, elapsed))},
        ))
        elapsed += step
    return ReplayMarket(config, snapshots)
