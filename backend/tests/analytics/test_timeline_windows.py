"""Reading the timeline a window of sessions at a time gives exactly the rows, and the order, of one ORDER BY."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics import timeline_windows
from delta_strangle.analytics.history import HistoryFilter, ModeFilter
from delta_strangle.analytics.timeline_csv import raw_timeline_query
from delta_strangle.analytics.timeline_windows import SessionSpan, ordered_timeline, plan_windows, session_spans
from tests.analytics.builders import JournalWriter, strangle, utc
from tests.analytics.history_fixture import play_history

ALL_JANUARY = HistoryFilter(start=utc(2025, 1, 1), end=utc(2025, 2, 1), preset=None, strategy_id=None,
                            mode=ModeFilter.ALL)  # fmt: skip


def span(session_id: int, rows: int, first: str, last: str) -> SessionSpan:
    return SessionSpan(session_id, rows, f"2025-01-01 {first}:00.000000", f"2025-01-01 {last}:00.000000")


def test_windows_close_only_where_no_session_reaches_across() -> None:
    spans = [span(1, 5, "09:00", "10:00"), span(2, 5, "09:30", "11:00"), span(3, 5, "11:00", "12:00"),
             span(4, 5, "12:01", "13:00"), span(5, 5, "14:00", "15:00")]  # fmt: skip
    windows = plan_windows(spans, target_rows=1, max_sessions=10)
    # 2 overlaps 1, 3 starts at the instant 2 ends (rows at one instant must sort together), 4 and 5 are apart.
    assert windows is not None
    assert [(w.session_ids, w.rows) for w in windows] == [([1, 2, 3], 15), ([4], 5), ([5], 5)]


def test_windows_gather_sessions_up_to_the_target_row_count() -> None:
    spans = [span(n, 4, f"{9 + n:02d}:00", f"{9 + n:02d}:30") for n in range(1, 6)]
    windows = plan_windows(spans, target_rows=8, max_sessions=10)
    assert windows is not None
    assert [w.session_ids for w in windows] == [[1, 2], [3, 4], [5]]


def test_a_chain_of_overlapping_sessions_longer_than_a_window_may_name_falls_back() -> None:
    chain = [span(n, 1, f"{9 + n:02d}:00", f"{10 + n:02d}:30") for n in range(1, 6)]
    assert plan_windows(chain, target_rows=1, max_sessions=4) is None
    assert plan_windows(chain, target_rows=1, max_sessions=5) is not None


async def ordered_rows(factory: async_sessionmaker[AsyncSession], flt: HistoryFilter, batch: int) -> list[Any]:
    async with factory() as session:
        spans = await session_spans(session, flt)
        batches = [list(rows) async for rows in ordered_timeline(session, flt, spans, batch)]
    assert all(len(rows) == batch for rows in batches[:-1])
    assert not batches or 0 < len(batches[-1]) <= batch
    return [tuple(row) for rows in batches for row in rows]


async def one_query(factory: async_sessionmaker[AsyncSession], flt: HistoryFilter) -> list[Any]:
    async with factory() as session:
        return [tuple(row) for row in await session.execute(raw_timeline_query(flt))]


async def touching_sessions(journal: JournalWriter) -> None:
    """Sessions whose rows share instants: one closes as the next enters, in two modes that overlap."""
    legs = strangle("100", "50", "80", "40")
    await journal.session(legs, entered_at=utc(2025, 1, 20, 4), closed_at=utc(2025, 1, 20, 6))
    await journal.session(legs, entered_at=utc(2025, 1, 20, 6), closed_at=utc(2025, 1, 20, 8))
    await journal.session(legs, entered_at=utc(2025, 1, 20, 7), closed_at=utc(2025, 1, 20, 9), mode="live")


@pytest.mark.parametrize(
    ("target_rows", "sort_rows", "max_sessions"),
    [
        (10_000, 20_000, 200),  # one window, sorted in Python
        (1, 20_000, 200),  # a window wherever the sessions allow one
        (1, 15, 200),  # windows too large to hold (overlapping sessions) are sorted by the database, streamed
        (1, 20_000, 1),  # overlapping sessions past the limit: the single ordered query
    ],
)
async def test_windows_yield_the_rows_of_the_single_ordered_query_in_its_order(
    journal: JournalWriter,
    factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    target_rows: int,
    sort_rows: int,
    max_sessions: int,
) -> None:
    await play_history(journal)
    await touching_sessions(journal)
    monkeypatch.setattr(timeline_windows, "WINDOW_TARGET_ROWS", target_rows)
    monkeypatch.setattr(timeline_windows, "WINDOW_SORT_ROWS", sort_rows)
    monkeypatch.setattr(timeline_windows, "WINDOW_MAX_SESSIONS", max_sessions)
    expected = await one_query(factory, ALL_JANUARY)
    assert len(expected) == 12 * 11
    for batch in (7, 2000):
        assert await ordered_rows(factory, ALL_JANUARY, batch) == expected


async def test_spans_count_every_row_and_hold_each_sessions_first_and_last_instant(
    journal: JournalWriter, factory: async_sessionmaker[AsyncSession]
) -> None:
    await touching_sessions(journal)
    rows = await one_query(factory, ALL_JANUARY)
    async with factory() as session:
        spans = {s.session_id: s for s in await session_spans(session, ALL_JANUARY)}
    assert sum(s.rows for s in spans.values()) == len(rows)
    for session_id, found in spans.items():
        instants = [row[0] for row in rows if row[3] == session_id]
        assert (found.rows, found.first, found.last) == (len(instants), min(instants), max(instants))
