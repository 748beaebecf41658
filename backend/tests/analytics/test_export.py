"""The analytics CSV reads back, as a spreadsheet would, into the three sections with the journaled rows."""

from __future__ import annotations

import csv
import io
import logging
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics import export
from delta_strangle.analytics.export import (
    SECTION_HEADER,
    TIMELINE_HEADER,
    decimal_text,
    export_filename,
    stream_analytics_csv,
)
from delta_strangle.analytics.history import HistoryFilter, ModeFilter
from delta_strangle.analytics.metrics import HistoryMetrics
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
