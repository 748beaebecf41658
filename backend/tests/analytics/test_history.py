"""Metrics over a journaled history equal the values worked out by hand in history_fixture.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics.charts import build_charts
from delta_strangle.analytics.history import (
    HistoryFilter,
    HistoryRangeError,
    ModeFilter,
    Preset,
    count_open_sessions,
    load_outcomes,
    resolve_filter,
)
from delta_strangle.analytics.metrics import compute_metrics, exit_reason_stats
from delta_strangle.store.journal_tables import FillRow, SessionLegRow, TradingSessionRow
from tests.analytics.builders import JournalWriter, strangle, utc
from tests.analytics.history_fixture import SIM_NETS, play_history

JANUARY = dict(start=utc(2025, 1, 1), end=utc(2025, 2, 1), preset=None, strategy_id=None)


def history(mode: ModeFilter = ModeFilter.SIM, **overrides: object) -> HistoryFilter:
    values = {**JANUARY, "mode": mode, **overrides}
    return HistoryFilter(**values)  # type: ignore[arg-type]


async def outcomes_for(factory: async_sessionmaker[AsyncSession], flt: HistoryFilter) -> list:  # type: ignore[type-arg]
    async with factory() as session:
        return await load_outcomes(session, flt)


async def test_every_metric_matches_the_hand_computed_history(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    outcomes = await outcomes_for(factory, history())
    metrics = compute_metrics(outcomes)

    assert [o.net_usd for o in outcomes] == SIM_NETS
    assert metrics.trade_count == 8
    assert metrics.days_running == 7
    assert (metrics.win_count, metrics.loss_count, metrics.zero_pnl_count) == (3, 4, 1)
    assert metrics.net_pnl == Decimal("15")
    assert metrics.pnl_before_fees == Decimal("95")
    assert metrics.fees_total == Decimal("80")
    assert metrics.average_fee == Decimal("10")
    assert metrics.average_pnl == Decimal("1.875")
    assert metrics.average_win == Decimal("50")
    assert metrics.average_loss == Decimal("-33.75")
    assert metrics.win_rate == Decimal("37.5")
    assert (metrics.consecutive_wins, metrics.consecutive_losses) == (2, 2)
    assert (metrics.max_gain, metrics.max_loss) == (Decimal("100"), Decimal("-50"))
    assert metrics.max_drawdown == Decimal("120")
    assert metrics.profitable_days == 2
    assert metrics.premium_collected == Decimal("1440")
    assert metrics.fee_drag_pct is not None
    assert metrics.fee_drag_pct.quantize(Decimal("0.0001")) == Decimal("5.5556")


async def test_a_zero_pnl_session_breaks_the_losing_streak(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    metrics = compute_metrics(await outcomes_for(factory, history()))
    # S2, S3 lose, S4 is exactly zero, S5 loses: without the break the streak would be 4 (or 3).
    assert metrics.consecutive_losses == 2


async def test_days_are_trading_days_in_the_profile_zone_not_utc_dates(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    ids = await play_history(journal)
    by_id = {o.session_id: o for o in await outcomes_for(factory, history())}
    # S7 runs from 23:00 to 01:00 IST: it counts on the day it was entered.
    assert by_id[ids["S7"]].trading_day == date(2025, 1, 11)
    # S8 closes on Saturday in UTC but trades on Sunday in Kolkata.
    assert by_id[ids["S8"]].closed_at.date() == date(2025, 1, 11)
    assert by_id[ids["S8"]].trading_day == date(2025, 1, 12)


async def test_modes_are_never_blended_unless_asked(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    live = compute_metrics(await outcomes_for(factory, history(ModeFilter.LIVE)))
    blended = compute_metrics(await outcomes_for(factory, history(ModeFilter.ALL)))
    paper = compute_metrics(await outcomes_for(factory, history(ModeFilter.PAPER)))

    assert (live.trade_count, live.net_pnl, live.fees_total) == (1, Decimal("90"), Decimal("0"))
    assert (blended.trade_count, blended.net_pnl) == (9, Decimal("105"))
    assert paper.trade_count == 0


async def test_fees_are_subtracted_exactly_once_on_journaled_sessions(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    outcomes = await outcomes_for(factory, history(ModeFilter.ALL))
    metrics = compute_metrics(outcomes)
    async with factory() as session:
        commissions = sum((c for c in (await session.scalars(select(FillRow.commission)))), Decimal(0))
        gross = sum((g for g in (await session.scalars(select(SessionLegRow.realised_gross_usd)))), Decimal(0))
        engine_nets = {
            row.id: Decimal(str(row.pnl["net_usd"])) for row in await session.scalars(select(TradingSessionRow))
        }

    assert metrics.fees_total == commissions == Decimal("80")
    assert metrics.net_pnl == gross - commissions
    assert metrics.net_pnl + metrics.fees_total == metrics.pnl_before_fees
    # The engine's own session PnL (net of fees) is what analytics reports, session by session.
    assert {o.session_id: o.net_usd for o in outcomes} == engine_nets


async def test_per_exit_reason_stats_group_sessions(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    stats = exit_reason_stats(await outcomes_for(factory, history()))
    table = [(s.exit_reason, s.count, s.win_count, s.net_pnl) for s in stats]
    assert table == [
        ("max_loss", 3, 0, Decimal("-120")),
        ("time_exit", 3, 1, Decimal("-5")),
        ("max_profit", 1, 1, Decimal("100")),
        ("trailing_floor", 1, 1, Decimal("40")),
    ]


async def test_trailing_efficiency_compares_the_peak_with_what_was_kept(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    metrics = compute_metrics(await outcomes_for(factory, history()))
    four = Decimal("0.0001")
    assert metrics.trailing_sessions == 2
    assert metrics.average_peak_pct == Decimal("50")
    # Kept 100 of a 126 USD peak (70 % of 180) and 40 of a 54 USD peak: 140 / 180.
    assert metrics.capture_ratio_pct is not None
    assert metrics.capture_ratio_pct.quantize(four) == Decimal("77.7778")
    assert metrics.average_realised_pct is not None
    assert metrics.average_realised_pct.quantize(four) == Decimal("38.8889")
    assert metrics.average_giveback_pct is not None
    assert metrics.average_giveback_pct.quantize(four) == Decimal("11.1111")


async def test_slippage_is_fill_against_mid_at_decision_time(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    ids = await play_history(journal)
    outcomes = await outcomes_for(factory, history())
    s1 = next(o for o in outcomes if o.session_id == ids["S1"])
    metrics = compute_metrics(outcomes)
    # Sold the call 1 below mid and bought it back 1 above: 1 USD each; the put sold at mid costs nothing.
    assert (s1.slippage_usd, s1.slipped_fills) == (Decimal("2"), 3)
    assert metrics.slippage_total == Decimal("2")
    assert metrics.average_slippage_per_fill == Decimal("2") / 3


async def test_holding_time_runs_from_first_to_last_fill(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await journal.session(
        strangle("100", "50", "80", "40"), entered_at=utc(2025, 1, 6, 4), closed_at=utc(2025, 1, 6, 6)
    )
    await journal.session(
        strangle("100", "50", "80", "40"), entered_at=utc(2025, 1, 7, 4), closed_at=utc(2025, 1, 7, 5)
    )
    metrics = compute_metrics(await outcomes_for(factory, history()))
    assert metrics.average_holding_seconds == Decimal(5400)


async def test_open_sessions_and_sessions_outside_the_range_are_left_out(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await journal.session(
        strangle("100", "50", "80", "40"), entered_at=utc(2025, 1, 6, 4), closed_at=utc(2025, 1, 6, 6)
    )
    await journal.session(strangle("100", None, "80", None), entered_at=utc(2025, 1, 7, 4), closed_at=None)
    await journal.session(
        strangle("100", "50", "80", "40"), entered_at=utc(2025, 3, 1, 4), closed_at=utc(2025, 3, 1, 6)
    )
    async with factory() as session:
        outcomes = await load_outcomes(session, history())
        still_open = await count_open_sessions(session, history())
        total = await session.scalar(select(func.count()).select_from(TradingSessionRow))
    assert total == 3
    assert len(outcomes) == 1
    assert still_open == 1


async def test_a_strategy_is_chosen_by_profile_id_or_name(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    by_name = await outcomes_for(factory, history(ModeFilter.ALL, strategy_id="alpha-live"))
    by_id = await outcomes_for(factory, history(ModeFilter.ALL, strategy_id="1"))
    assert len(by_name) == 1
    assert len(by_id) == 8


async def test_charts_end_at_the_history_totals(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    charts = build_charts(await outcomes_for(factory, history()))
    assert [p.value for p in charts.cumulative_pnl] == [
        Decimal(v) for v in ("100", "60", "30", "30", "-20", "20", "30", "15")
    ]
    assert charts.cumulative_gross_pnl[-1].value == Decimal("95")
    assert charts.cumulative_fees[-1].value == Decimal("80")
    assert max(p.value for p in charts.drawdown) == Decimal("120")
    assert charts.rolling_win_rate[-1].value == Decimal("37.5")
    assert [b.count for b in charts.pnl_histogram] == [2, 1, 1, 1, 1, 0, 1, 0, 0, 1]


def test_a_preset_sets_the_range_back_from_the_end() -> None:
    now = utc(2025, 2, 1)
    flt = resolve_filter(now, start=None, end=None, preset=Preset.D7, strategy_id=" ", mode=ModeFilter.SIM)
    assert (flt.start, flt.end, flt.strategy_id) == (utc(2025, 1, 25), now, None)


def test_explicit_bounds_win_over_the_preset_and_must_be_ordered() -> None:
    now = utc(2025, 2, 1)
    flt = resolve_filter(now, start=utc(2025, 1, 3), end=None, preset=Preset.D90, strategy_id=None, mode=ModeFilter.ALL)
    assert flt.start == utc(2025, 1, 3)
    with pytest.raises(HistoryRangeError, match="must be before"):
        resolve_filter(now, start=now, end=utc(2025, 1, 1), preset=None, strategy_id=None, mode=ModeFilter.ALL)
    with pytest.raises(HistoryRangeError, match="custom needs a start"):
        resolve_filter(now, start=None, end=None, preset=Preset.CUSTOM, strategy_id=None, mode=ModeFilter.ALL)
