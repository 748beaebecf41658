"""Session-level performance metrics over finished strangle sessions, in Decimal USD.

One `SessionOutcome` is one cycle of a profile. Its net PnL is `gross_usd - fees_usd`, computed in exactly one
place (`SessionOutcome.net_usd`): the journal keeps gross PnL and fees apart, so nothing here ever subtracts
fees from a figure that already had them taken out (the predecessor's double deduction).

Conventions: a session with a net of exactly zero is neither a win nor a loss and breaks both streaks;
days are trading days in the profile's time zone; money is Decimal, ratios are Decimal percentages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SessionOutcome:
    """What one finished session earned, and what it cost, as the analytics need it."""

    session_id: int
    profile_id: int | None
    profile_name: str
    mode: str
    config_version: int | None
    closed_at: datetime
    trading_day: date
    exit_reason: str | None
    gross_usd: Decimal
    fees_usd: Decimal
    premium_usd: Decimal
    leg_count: int
    peak_net_pct: Decimal | None = None
    slippage_usd: Decimal = ZERO
    slipped_fills: int = 0
    holding_seconds: float | None = None

    @property
    def net_usd(self) -> Decimal:
        """Gross PnL minus fees: the one place fees are subtracted."""
        return self.gross_usd - self.fees_usd

    @property
    def net_pct_of_premium(self) -> Decimal | None:
        if self.premium_usd <= 0:
            return None
        return self.net_usd / self.premium_usd * HUNDRED


class ExitReasonStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    exit_reason: str
    count: int
    win_count: int
    net_pnl: Decimal
    average_pnl: Decimal


class HistoryMetrics(BaseModel):
    """The predecessor's fields first, in its order (the export's compatible baseline), then ours."""

    model_config = ConfigDict(frozen=True)

    trade_count: int = 0
    days_running: int = 0
    win_count: int = 0
    loss_count: int = 0
    average_pnl: Decimal = ZERO
    average_win: Decimal = ZERO
    average_loss: Decimal = ZERO
    win_rate: Decimal = ZERO
    consecutive_wins: int = 0
    consecutive_losses: int = 0
    max_gain: Decimal = ZERO
    max_loss: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    net_pnl: Decimal = ZERO
    pnl_before_fees: Decimal = ZERO
    fees_total: Decimal = ZERO
    average_fee: Decimal = ZERO
    profitable_days: int = 0
    zero_pnl_count: int = 0
    premium_collected: Decimal = ZERO
    fee_drag_pct: Decimal | None = None
    slippage_total: Decimal = ZERO
    average_slippage_per_fill: Decimal | None = None
    average_holding_seconds: Decimal | None = None
    trailing_sessions: int = 0
    average_peak_pct: Decimal | None = None
    average_realised_pct: Decimal | None = None
    average_giveback_pct: Decimal | None = None
    capture_ratio_pct: Decimal | None = None


def _mean(total: Decimal, count: int) -> Decimal:
    return total / count if count else ZERO


def _longest_streaks(nets: Sequence[Decimal]) -> tuple[int, int]:
    best_win = best_loss = run_win = run_loss = 0
    for net in nets:
        run_win = run_win + 1 if net > 0 else 0
        run_loss = run_loss + 1 if net < 0 else 0
        best_win, best_loss = max(best_win, run_win), max(best_loss, run_loss)
    return best_win, best_loss


def max_drawdown(nets: Sequence[Decimal]) -> Decimal:
    """Return the largest fall of cumulative net from its running peak (the peak starts at zero)."""
    peak = cumulative = worst = ZERO
    for net in nets:
        cumulative += net
        peak = max(peak, cumulative)
        worst = max(worst, peak - cumulative)
    return worst


def _trailing(outcomes: Sequence[SessionOutcome]) -> dict[str, Decimal | int | None]:
    # Only sessions that saw a profit peak say anything about how much of it the exit kept.
    seen = [o for o in outcomes if o.peak_net_pct is not None and o.peak_net_pct > 0 and o.premium_usd > 0]
    if not seen:
        return {"trailing_sessions": 0}
    peaks = [o.peak_net_pct or ZERO for o in seen]
    realised = [o.net_pct_of_premium or ZERO for o in seen]
    peak_usd = sum((p * o.premium_usd / HUNDRED for p, o in zip(peaks, seen, strict=True)), ZERO)
    kept_usd = sum((o.net_usd for o in seen), ZERO)
    return {
        "trailing_sessions": len(seen),
        "average_peak_pct": _mean(sum(peaks, ZERO), len(seen)),
        "average_realised_pct": _mean(sum(realised, ZERO), len(seen)),
        "average_giveback_pct": _mean(sum((p - r for p, r in zip(peaks, realised, strict=True)), ZERO), len(seen)),
        "capture_ratio_pct": kept_usd / peak_usd * HUNDRED,
    }


def compute_metrics(outcomes: Sequence[SessionOutcome]) -> HistoryMetrics:
    """Compute every metric over sessions given in closing order."""
    if not outcomes:
        return HistoryMetrics()
    nets = [o.net_usd for o in outcomes]
    wins = [n for n in nets if n > 0]
    losses = [n for n in nets if n < 0]
    gross = sum((o.gross_usd for o in outcomes), ZERO)
    fees = sum((o.fees_usd for o in outcomes), ZERO)
    premium = sum((o.premium_usd for o in outcomes), ZERO)
    by_day: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for outcome in outcomes:
        by_day[outcome.trading_day] += outcome.net_usd
    streak_wins, streak_losses = _longest_streaks(nets)
    slipped = sum(o.slipped_fills for o in outcomes)
    slippage = sum((o.slippage_usd for o in outcomes), ZERO)
    held = [Decimal(str(o.holding_seconds)) for o in outcomes if o.holding_seconds is not None]
    return HistoryMetrics(
        trade_count=len(outcomes),
        days_running=len(by_day),
        win_count=len(wins),
        loss_count=len(losses),
        average_pnl=_mean(sum(nets, ZERO), len(nets)),
        average_win=_mean(sum(wins, ZERO), len(wins)),
        average_loss=_mean(sum(losses, ZERO), len(losses)),
        win_rate=Decimal(len(wins)) * HUNDRED / len(outcomes),
        consecutive_wins=streak_wins,
        consecutive_losses=streak_losses,
        max_gain=max(wins, default=ZERO),
        max_loss=min(losses, default=ZERO),
        max_drawdown=max_drawdown(nets),
        net_pnl=gross - fees,
        pnl_before_fees=gross,
        fees_total=fees,
        average_fee=_mean(fees, len(outcomes)),
        profitable_days=sum(1 for net in by_day.values() if net > 0),
        zero_pnl_count=len(nets) - len(wins) - len(losses),
        premium_collected=premium,
        fee_drag_pct=fees / premium * HUNDRED if premium > 0 else None,
        slippage_total=slippage,
        average_slippage_per_fill=slippage / slipped if slipped else None,
        average_holding_seconds=_mean(sum(held, ZERO), len(held)) if held else None,
        **_trailing(outcomes),
    )


def exit_reason_stats(outcomes: Sequence[SessionOutcome]) -> list[ExitReasonStats]:
    """Group sessions by exit reason: count, wins, net total and average, most frequent first."""
    groups: dict[str, list[Decimal]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.exit_reason or "unknown"].append(outcome.net_usd)
    stats = [
        ExitReasonStats(
            exit_reason=reason,
            count=len(nets),
            win_count=sum(1 for n in nets if n > 0),
            net_pnl=sum(nets, ZERO),
            average_pnl=_mean(sum(nets, ZERO), len(nets)),
        )
        for reason, nets in groups.items()
    ]
    return sorted(stats, key=lambda s: (-s.count, s.exit_reason))
