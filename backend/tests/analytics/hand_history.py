"""What a history should say, worked out by hand from the journaled fills and commissions, not by the code under test.

Per session: gross is the cash of its fills (sells in, buy-backs out; every leg ends flat, so that is the realised
PnL whatever the average cost), fees are the commissions the exchange reported on its fills, net is gross minus
fees. Premium is what the opening sells collected; slippage compares each order's average fill with the mid the
engine recorded when it decided the order. Then each metric follows its definition in docs/analytics.md, written
out plainly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.store.journal_tables import FillRow, OrderIntentRow, TradingSessionRow

IST = ZoneInfo("Asia/Kolkata")
ZERO = Decimal(0)


@dataclass(frozen=True)
class HandSession:
    session_id: int
    mode: str
    closed_at: datetime
    exit_reason: str
    day: date
    gross: Decimal
    fees: Decimal
    premium: Decimal
    slippage: Decimal
    slipped_orders: int
    holding: timedelta
    engine_net: Decimal
    engine_peak_pct: Decimal | None
    first_exit_fill: datetime
    entry_fees: Decimal
    entry_prices: dict[str, Decimal]

    @property
    def net(self) -> Decimal:
        return self.gross - self.fees


def trading_day(first_fill: datetime, exit_time: time) -> date:
    """The cycle's day in IST: an enter-now cycle started after the profile's exit time belongs to the next day."""
    local = first_fill.astimezone(IST)
    return local.date() + timedelta(days=1) if local.time() >= exit_time else local.date()


async def hand_sessions(
    factory: async_sessionmaker[AsyncSession], contract_value: Decimal, exit_times: dict[int, time]
) -> list[HandSession]:
    """Every finished session's figures from its fills and orders, in closing order."""
    async with factory() as db:
        rows = list(await db.scalars(select(TradingSessionRow).where(TradingSessionRow.state == "done")))
        fills = list(await db.scalars(select(FillRow)))
        intents = list(await db.scalars(select(OrderIntentRow)))
    sessions = []
    for row in sorted(rows, key=lambda r: (r.ended_at, r.id)):
        mine = [f for f in fills if f.session_id == row.id]
        if not any(f.side == "sell" for f in mine):
            continue
        gross = fees = premium = entry_fees = ZERO
        for fill in mine:
            cash = fill.price * fill.size * contract_value
            gross += cash if fill.side == "sell" else -cash
            fees += fill.commission
            if fill.side == "sell":
                premium += cash
                entry_fees += fill.commission
        slippage, slipped = ZERO, 0
        for intent in (i for i in intents if i.session_id == row.id and i.reference_mid is not None):
            filled = [f for f in mine if f.client_order_id == intent.client_order_id]
            size = sum(f.size for f in filled)
            if size == 0:
                continue
            average = sum((f.price * f.size for f in filled), ZERO) / size
            worse_by = intent.reference_mid - average if intent.side == "sell" else average - intent.reference_mid
            slippage += worse_by * size * contract_value
            slipped += 1
        times = sorted(f.occurred_at for f in mine)
        peak = (row.risk_state or {}).get("peak_net_pct")
        sessions.append(
            HandSession(
                session_id=row.id, mode=row.mode, closed_at=row.ended_at, exit_reason=row.exit_reason or "unknown",
                day=trading_day(times[0], exit_times[row.id]), gross=gross, fees=fees, premium=premium,
                slippage=slippage, slipped_orders=slipped, holding=times[-1] - times[0],
                engine_net=Decimal(str(row.pnl["net_usd"])), engine_peak_pct=None if peak is None else Decimal(peak),
                first_exit_fill=min(f.occurred_at for f in mine if f.side == "buy"), entry_fees=entry_fees,
                entry_prices={f.symbol: f.price for f in mine if f.side == "sell"},
            )
        )  # fmt: skip
    return sessions


def net_pct_at(session: HandSession, marks: dict[str, Decimal], contracts: int, contract_value: Decimal) -> Decimal:
    """Net % of premium while both legs are open at these marks: what the engine's profit peak tracks."""
    open_pnl = sum(((price - marks[symbol]) * contracts * contract_value
                    for symbol, price in session.entry_prices.items()), ZERO)  # fmt: skip
    return (open_pnl - session.entry_fees) / session.premium * 100


def expected_metrics(sessions: list[HandSession], peaks: dict[int, Decimal]) -> dict[str, Any]:
    """Every metric of the history over these sessions (closing order); `peaks` are the profit peaks in %."""
    n = len(sessions)
    nets = [s.net for s in sessions]
    wins = [x for x in nets if x > 0]
    losses = [x for x in nets if x < 0]
    longest_win = longest_loss = run_win = run_loss = 0
    for x in nets:
        run_win = run_win + 1 if x > 0 else 0
        run_loss = run_loss + 1 if x < 0 else 0
        longest_win, longest_loss = max(longest_win, run_win), max(longest_loss, run_loss)
    cumulative = peak = drawdown = ZERO
    for x in nets:
        cumulative += x
        peak = max(peak, cumulative)
        drawdown = max(drawdown, peak - cumulative)
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for s in sessions:
        per_day[s.day] += s.net
    gross = sum((s.gross for s in sessions), ZERO)
    fees = sum((s.fees for s in sessions), ZERO)
    premium = sum((s.premium for s in sessions), ZERO)
    slippage = sum((s.slippage for s in sessions), ZERO)
    orders = sum(s.slipped_orders for s in sessions)
    trailed = [s for s in sessions if peaks.get(s.session_id, ZERO) > 0]
    kept = [s.net / s.premium * 100 for s in trailed]
    return {
        "trade_count": n,
        "days_running": len(per_day),
        "win_count": len(wins),
        "loss_count": len(losses),
        "average_pnl": sum(nets, ZERO) / n,
        "average_win": sum(wins, ZERO) / len(wins) if wins else ZERO,
        "average_loss": sum(losses, ZERO) / len(losses) if losses else ZERO,
        "win_rate": Decimal(100) * len(wins) / n,
        "consecutive_wins": longest_win,
        "consecutive_losses": longest_loss,
        "max_gain": max(wins, default=ZERO),
        "max_loss": min(losses, default=ZERO),
        "max_drawdown": drawdown,
        "net_pnl": sum(nets, ZERO),
        "pnl_before_fees": gross,
        "fees_total": fees,
        "average_fee": fees / n,
        "profitable_days": sum(1 for total in per_day.values() if total > 0),
        "zero_pnl_count": sum(1 for x in nets if x == 0),
        "premium_collected": premium,
        "fee_drag_pct": fees * 100 / premium,
        "slippage_total": slippage,
        "average_slippage_per_fill": slippage / orders if orders else None,
        "average_holding_seconds": Decimal(sum(s.holding.total_seconds() for s in sessions)) / n,
        "trailing_sessions": len(trailed),
        "average_peak_pct": sum((peaks[s.session_id] for s in trailed), ZERO) / len(trailed) if trailed else None,
        "average_realised_pct": sum(kept, ZERO) / len(trailed) if trailed else None,
        "average_giveback_pct": (
            sum((peaks[s.session_id] - k for s, k in zip(trailed, kept, strict=True)), ZERO) / len(trailed)
            if trailed else None
        ),
        "capture_ratio_pct": (
            sum((s.net for s in trailed), ZERO) * 100
            / sum((peaks[s.session_id] * s.premium / 100 for s in trailed), ZERO)
            if trailed else None
        ),
    }  # fmt: skip


def expected_exit_reasons(sessions: list[HandSession]) -> list[dict[str, Any]]:
    """Count, wins, net total and average per exit reason, most frequent first (ties by name)."""
    groups: dict[str, list[Decimal]] = defaultdict(list)
    for s in sessions:
        groups[s.exit_reason].append(s.net)
    table = [
        {"exit_reason": reason, "count": len(nets), "win_count": sum(1 for x in nets if x > 0),
         "net_pnl": sum(nets, ZERO), "average_pnl": sum(nets, ZERO) / len(nets)}
        for reason, nets in groups.items()
    ]  # fmt: skip
    return sorted(table, key=lambda row: (-row["count"], row["exit_reason"]))


def expected_charts(sessions: list[HandSession]) -> dict[str, list[Any]]:
    """One point per session (value only) for each series, and the histogram's bucket counts."""
    charts: dict[str, list[Any]] = {name: [] for name in
                                    ("cumulative_pnl", "cumulative_gross_pnl", "cumulative_fees", "drawdown",
                                     "rolling_win_rate")}  # fmt: skip
    net = gross = fees = peak = ZERO
    for index, s in enumerate(sessions):
        net, gross, fees = net + s.net, gross + s.gross, fees + s.fees
        peak = max(peak, net)
        last_ten = sessions[max(0, index - 9) : index + 1]
        charts["cumulative_pnl"].append(net)
        charts["cumulative_gross_pnl"].append(gross)
        charts["cumulative_fees"].append(fees)
        charts["drawdown"].append(peak - net)
        charts["rolling_win_rate"].append(Decimal(100) * sum(1 for o in last_ten if o.net > 0) / len(last_ten))
    nets = [s.net for s in sessions]
    low, high = min(nets), max(nets)
    counts = [0] * 10
    for x in nets:
        # Ten equal-width buckets from the lowest to the highest net; the highest falls in the last one.
        counts[min(9, int((x - low) / ((high - low) / 10)))] += 1
    charts["pnl_histogram"] = counts
    return charts
