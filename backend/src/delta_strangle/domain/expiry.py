"""Which expiry a cycle trades: an explicit date, or the nearest one settling long enough after the exit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from delta_strangle.domain.config import ExpiryConfig, ExplicitExpiry
from delta_strangle.domain.instruments import settlement_instant
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason


def expiry_problem(expiry: ExpiryConfig, now: datetime) -> str | None:
    """Describe why an expiry setting cannot be saved or started at `now`, or return None when it can."""
    if isinstance(expiry, ExplicitExpiry) and settlement_instant(expiry.expiry_date) <= now:
        return f"expiry.expiry_date {expiry.expiry_date.isoformat()} has already settled"
    return None


def choose_expiry(expiry: ExpiryConfig, *, exit_at: datetime, listed: Iterable[date], now: datetime) -> date | NoTrade:
    """Pick the expiry for a cycle whose planned exit is `exit_at`, among the listed expiry dates."""
    listed_dates = sorted(set(listed))
    if isinstance(expiry, ExplicitExpiry):
        chosen = expiry.expiry_date
        problem = expiry_problem(expiry, now)
        if problem is not None:
            return NoTrade(reason=NoTradeReason.EXPIRY_IN_PAST, detail=problem)
        if settlement_instant(chosen) <= exit_at:
            return NoTrade(
                reason=NoTradeReason.EXPIRY_BEFORE_EXIT,
                detail=f"expiry {chosen.isoformat()} settles at or before the planned exit {exit_at.isoformat()}",
            )
        if chosen not in listed_dates:
            return NoTrade(reason=NoTradeReason.EXPIRY_NOT_LISTED, detail=f"expiry {chosen.isoformat()} is not listed")
        return chosen
    earliest_settlement = exit_at + timedelta(minutes=expiry.min_minutes_after_exit)
    for candidate in listed_dates:
        if settlement_instant(candidate) >= earliest_settlement:
            return candidate
    return NoTrade(
        reason=NoTradeReason.NO_EXPIRY_AFTER_EXIT,
        detail=f"no listed expiry settles at or after {earliest_settlement.isoformat()}",
    )
