"""The analytics CSV reads back, as a spreadsheet would, into the three sections with the journaled rows."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics import export
from delta_strangle.analytics.cells import csv_field, decimal_text, instant_text, money_text
from delta_strangle.analytics.export import export_filename, stream_analytics_csv
from delta_strangle.analytics.history import HistoryFilter, ModeFilter, load_outcomes, outcomes_by_id
from delta_strangle.analytics.metrics import HistoryMetrics
from delta_strangle.analytics.sections import SECTION_HEADER
from delta_strangle.analytics.timeline import stream_timeline, timeline_summary
from delta_strangle.analytics.timeline_csv import TIMELINE_HEADER, timeline_row
from delta_strangle.analytics.timeline_windows import latest_instant, session_spans
from delta_strangle.store.journal_tables import (
    EngineEventRow,
    FillRow,
    OrderIntentRow,
    SessionLegRow,
    TradingSessionRow,
)
from tests.analytics.builders import JournalWriter, strangle, utc
from tests.analytics.history_fixture import play_history

NOW = utc(2025, 2, 1, 12)


def january(mode: ModeFilter = ModeFilter.SIM) -> HistoryFilter:
    return HistoryFilter(start=utc(2025, 1, 1), end=utc(2025, 2, 1), preset=None, strategy_id=None, mode=mode)


async def export_text(factory: async_sessionmaker[AsyncSession], flt: HistoryFilter) -> str:
    return "".join([chunk async for chunk in stream_analytics_csv(factory, flt, NOW)])


def sections(text: str) -> tuple[list[list[str]], list[list[str]], list[list[str]], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    first_blank = rows.index([])
    second_blank = rows.index([], first_blank + 1)
    return rows[:1], rows[1:first_blank], rows[first_blank + 1 : second_blank], rows[second_blank + 1 :]


async def test_the_export_has_metadata_metrics_and_timeline_in_that_order(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    ids = await play_history(journal)
    header, metadata, metrics, timeline = sections(await export_text(factory, january()))

    assert header == [list(SECTION_HEADER)]
    assert {row[0] for row in metadata} == {"metadata"}
    assert {row[0] for row in metrics} == {"metrics"}
    assert timeline[0] == list(TIMELINE_HEADER)
    meta = {row[1]: row[2] for row in metadata}
    assert meta["start"] == "2025-01-01T00:00:00+00:00"
    assert meta["end"] == "2025-02-01T00:00:00+00:00"
    assert meta["mode"] == "sim"
    assert meta["session_count"] == "8"
    assert meta["is_stale"] == "False"
    # Per session: 2 entry orders, 2 entry fills, 2 exit orders, 2 exit fills, 2 events and 1 close.
    assert meta["record_count"] == str(8 * 11) == str(len(timeline) - 1)
    assert meta["latest_timestamp"] == "2025-01-11T23:30:00+00:00"
    values = {row[1]: row[2] for row in metrics}
    assert [row[1] for row in metrics][: len(HistoryMetrics.model_fields)] == list(HistoryMetrics.model_fields)
    assert (values["net_pnl"], values["fees_total"], values["pnl_before_fees"]) == ("15", "80", "95")
    assert values["exit_reason.max_loss.count"] == "3"
    s1_rows = [dict(zip(TIMELINE_HEADER, row, strict=True)) for row in timeline[1:] if row[2] == str(ids["S1"])]
    # Rows at one instant go orders, fills, events, session close (then by id).
    at_entry = ["order", "order", "fill", "fill", "event"]
    assert [r["entry_type"] for r in s1_rows] == [*at_entry, *at_entry, "session"]
    fill = s1_rows[2]
    assert (fill["symbol"], fill["side"], fill["quantity"], fill["fill_price"], fill["fee"]) == (
        "C-BTC-100000-070125", "sell", "1000", "100", "2.5",
    )  # fmt: skip
    assert s1_rows[-1]["realized_pnl"] == "100"


PREDECESSOR_METADATA = ["generated_at", "start", "end", "preset", "strategy_id", "record_count", "is_stale",
                        "status_message", "latest_timestamp"]  # fmt: skip
PREDECESSOR_METRICS = [
    "trade_count", "days_running", "win_count", "loss_count", "average_pnl", "average_win", "average_loss",
    "win_rate", "consecutive_wins", "consecutive_losses", "max_gain", "max_loss", "max_drawdown", "net_pnl",
    "pnl_before_fees", "fees_total", "average_fee", "profitable_days",
]  # fmt: skip


async def test_metadata_and_metric_names_keep_the_documented_order(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    _, metadata, metrics, _ = sections(await export_text(factory, january()))
    # The predecessor's names first, in its order (spreadsheets read them by position), ours after.
    assert [row[1] for row in metadata] == [*PREDECESSOR_METADATA, "mode", "session_count", "open_sessions"]
    assert [row[1] for row in metrics][:29] == [
        *PREDECESSOR_METRICS, "zero_pnl_count", "premium_collected", "fee_drag_pct", "slippage_total",
        "average_slippage_per_fill", "average_holding_seconds", "trailing_sessions", "average_peak_pct",
        "average_realised_pct", "average_giveback_pct", "capture_ratio_pct",
    ]  # fmt: skip
    assert [row[1] for row in metrics][29:33] == [
        "exit_reason.max_loss.count", "exit_reason.max_loss.win_count", "exit_reason.max_loss.net_pnl",
        "exit_reason.max_loss.average_pnl",
    ]  # fmt: skip


async def test_timeline_rows_are_in_time_order(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    *_, timeline = sections(await export_text(factory, january(ModeFilter.ALL)))
    stamps = [row[1] for row in timeline[1:]]
    assert stamps == sorted(stamps)


async def test_an_empty_range_says_so(factory: async_sessionmaker[AsyncSession]) -> None:
    _, metadata, metrics, timeline = sections(await export_text(factory, january()))
    meta = {row[1]: row[2] for row in metadata}
    assert (meta["record_count"], meta["status_message"]) == ("0", "No data for selected range")
    assert {row[1]: row[2] for row in metrics}["trade_count"] == "0"
    assert timeline == [list(TIMELINE_HEADER)]


async def test_an_open_session_marks_a_range_reaching_now_as_stale(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await journal.session(strangle("100", None, "80", None), entered_at=utc(2025, 2, 1, 4), closed_at=None)
    flt = HistoryFilter(start=utc(2025, 1, 1), end=NOW, preset=None, strategy_id=None, mode=ModeFilter.SIM)
    _, metadata, _, _ = sections(await export_text(factory, flt))
    meta = {row[1]: row[2] for row in metadata}
    assert meta["is_stale"] == "True"
    assert "still open" in meta["status_message"]


async def test_the_export_streams_in_batches(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    await play_history(journal)
    monkeypatch.setattr(export, "FLUSH_ROWS", 10)
    chunks = [chunk async for chunk in stream_analytics_csv(factory, january(), NOW)]
    # Header chunk, 88 timeline rows in batches of 10, and the remainder.
    assert len(chunks) == 1 + 8 + 1


async def test_completion_is_logged_with_row_counts(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    await play_history(journal)
    with caplog.at_level(logging.INFO, logger="delta_strangle.analytics.export"):
        await export_text(factory, january())
    done = [r for r in caplog.records if getattr(r, "event", None) == "analytics_export_completed"]
    assert len(done) == 1
    assert (done[0].timeline_records, done[0].session_count, done[0].format) == (88, 8, "csv")  # type: ignore[attr-defined]


def test_decimals_are_plain_text_without_exponents() -> None:
    assert decimal_text(Decimal("100.000")) == "100"
    assert decimal_text(Decimal("1E+2")) == "100"
    assert decimal_text(Decimal("-0.000000001")) == "0"
    assert decimal_text(Decimal("5.5555555555")) == "5.55555556"


def test_the_file_name_carries_the_generation_instant() -> None:
    assert export_filename(utc(2025, 3, 4, 5, 6)) == "analytics-export-20250304-050600.csv"


# The export renders stored text directly; these prove it writes what the typed path (entries, Decimals,
# datetimes, csv.writer) would, byte for byte, including values that need quoting, escaping or rounding.


async def tricky_journal(factory: async_sessionmaker[AsyncSession]) -> HistoryFilter:
    """Write a session whose rows hold commas, quotes, newlines, non-ASCII text and odd decimals."""
    at = utc(2025, 1, 5, 4)
    async with factory() as session, session.begin():
        session.add(
            TradingSessionRow(
                id=1, token="0001", account="acct", mode="sim", profile_id=7, profile_name="p, \"quoted\"",
                config_version=1, config_snapshot={}, state="done", trading_date="2025-01-05", created_at=at,
                started_at=at, ended_at=at + timedelta(hours=2, microseconds=250), updated_at=at,
                exit_reason="max_loss", exit_detail='stop "hard",\nline two', risk_state={}, pnl={}, spot={},
            )
        )  # fmt: skip
        await session.flush()
        session.add(
            SessionLegRow(
                id=11, session_id=1, kind="call", symbol="C-BTC-100000-060125", product_id=5, strike=Decimal(100000),
                expiry="2025-01-06", settlement_at=at, contract_value=Decimal("0.001"), tick_size=Decimal("0.1"),
                target_size=1, size=0, avg_entry_price=Decimal(0), entry_premium_usd=Decimal("12.5"),
                realised_gross_usd=Decimal("3.10"), fees_usd=Decimal("0.123456789"),
            )
        )  # fmt: skip
        await session.flush()
        prices = [("512.50", "513.000"), ("1E+2", None), ("0.000000015", "-0.5"), ("-0", "7")]
        for n, (price, mid) in enumerate(prices):
            session.add(
                OrderIntentRow(
                    session_id=1, leg_id=11, client_order_id=f"c,{n}", purpose="entry", attempt=n + 1,
                    symbol="C-BTC-100000-060125", product_id=5, side="sell" if n % 2 else "buy", size=n + 1,
                    order_type="limit_order", time_in_force="gtc", limit_price=Decimal(price),
                    reference_mid=None if mid is None else Decimal(mid), reduce_only=False, status="terminal",
                    exchange_order_id=None if n == 1 else f'x"{n}\nz', filled_size=n, average_fill_price=Decimal(price),
                    commission=Decimal("0.0100"), error='rejected: "size", too big' if n == 2 else None,
                    cancellation_reason="user" if n == 3 else None,
                    created_at=at + timedelta(seconds=n, microseconds=n * 1001), updated_at=at,
                )
            )  # fmt: skip
            session.add(
                FillRow(
                    fill_id=f"f{n}\n", session_id=1, leg_id=11, exchange_order_id=f"x{n}", client_order_id=None,
                    symbol="C-BTC-100000-060125", product_id=5, side="sell", size=n + 1, price=Decimal(price),
                    commission=Decimal("0.0123400"), fee_source="exchange", fill_type="normal",
                    occurred_at=at + timedelta(seconds=n),
                )
            )  # fmt: skip
        for n, details in enumerate([{}, {"z": 1, "a": {"y": [1.5, None, True], "b": "é ✓"}}, {"s": 'q"uote'}]):
            session.add(
                EngineEventRow(
                    session_id=1, occurred_at=at + timedelta(seconds=n), kind="note", level="warning",
                    message=f"ünïcode, {n}", details=details,
                )
            )  # fmt: skip
    return HistoryFilter(start=utc(2025, 1, 1), end=utc(2025, 2, 1), preset=None, strategy_id=None, mode=ModeFilter.SIM)


async def test_the_timeline_is_what_csv_writer_writes_for_the_typed_entries(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    flt = await tricky_journal(factory)
    *_, timeline = (await export_text(factory, flt)).split("\r\n\r\n")
    async with factory() as session:
        outcomes = outcomes_by_id(await load_outcomes(session, flt))
        entries = [entry async for entry in stream_timeline(session, flt)]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(TIMELINE_HEADER)
    writer.writerows(timeline_row(entry, outcomes) for entry in entries)

    assert len(entries) == 4 + 4 + 3 + 1
    assert timeline == expected.getvalue()
    # The reference path did meet every awkward case.
    assert '"{""attempt"":3,""error"":""rejected: \\""size\\"", too big""' in timeline
    assert "ünïcode, 1" in timeline
    assert "é ✓" in timeline
    assert '"x""0\nz"' in timeline


async def test_record_count_and_latest_instant_match_the_whole_timeline(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await play_history(journal)
    for mode in ModeFilter:
        flt = january(mode)
        async with factory() as session:
            spans = await session_spans(session, flt)
            assert (sum(s.rows for s in spans), latest_instant(spans)) == await timeline_summary(session, flt)


_stored_decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=None, min_value=-(10**12), max_value=10**12
)


@given(_stored_decimals)
def test_money_text_renders_stored_decimals_as_decimal_text(value: Decimal) -> None:
    stored = format(value, "f")  # what DecimalText writes
    assert money_text(stored) == decimal_text(Decimal(stored))


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)))
def test_instant_text_renders_stored_instants_as_aware_isoformat(value: datetime) -> None:
    stored = value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLite's DATETIME text
    assert instant_text(stored) == value.replace(tzinfo=UTC).isoformat()
    assert instant_text(value.isoformat()) == value.replace(tzinfo=UTC).isoformat()


@given(st.lists(st.text(), min_size=2, max_size=5))
def test_csv_fields_are_quoted_as_csv_writer_quotes_them(values: list[str]) -> None:
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerow(values)
    assert ",".join(csv_field(value) for value in values) + "\r\n" == expected.getvalue()
