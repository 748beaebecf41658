"""Viewer queries over stored rows: filters, newest-first cursors, totals."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from delta_strangle.logs.query import Cursor, InvalidCursorError, LogFilter, search_logs
from delta_strangle.logs.viewer_db import open_reader

from .builders import fresh_database, ingester, json_line


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    lines = []
    for index in range(30):
        level = ("INFO", "WARNING", "ERROR")[index % 3]
        extra = {"order_id": f"o{index}"} if index % 10 == 0 else {}
        lines.append(json_line(f"message {index} {'needle' if index == 7 else 'hay'}", seconds=index, level=level,
                               event=f"event_{index % 2}", correlation_id=f"c{index // 5}", **extra))
    log.write_text("".join(lines))
    ingester(database, log).poll_once()
    reader = open_reader(database)
    yield reader
    reader.close()


def numbers(page_rows: list[dict[str, object]]) -> list[int]:
    return [int(str(row["message"]).split()[1]) for row in page_rows]


def test_pages_walk_newest_first_without_gaps_or_repeats(connection: sqlite3.Connection) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        page = search_logs(connection, LogFilter(), cursor=cursor, limit=7)
        seen += numbers(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(range(29, -1, -1))


def test_first_page_carries_an_exact_total_later_pages_none(connection: sqlite3.Connection) -> None:
    first = search_logs(connection, LogFilter(levels=("ERROR",)), limit=4)
    assert first.total is not None
    assert (first.total.value, first.total.exact) == (10, True)
    second = search_logs(connection, LogFilter(levels=("ERROR",)), cursor=first.next_cursor, limit=4)
    assert second.total is None


def test_several_levels_merge_newest_first(connection: sqlite3.Connection) -> None:
    page = search_logs(connection, LogFilter(levels=("ERROR", "WARNING")), limit=5)
    assert numbers(page.rows) == [29, 28, 26, 25, 23]


def test_filters_combine(connection: sqlite3.Connection) -> None:
    page = search_logs(connection, LogFilter(levels=("INFO",), equals={"correlation_id": "c1", "event": "event_0"}))
    assert numbers(page.rows) == [6]


def test_free_text_matches_whole_words(connection: sqlite3.Connection) -> None:
    assert numbers((search_logs(connection, LogFilter(text="needle"))).rows) == [7]
    assert (search_logs(connection, LogFilter(text="need"))).rows == []


def test_free_text_is_literal_never_fts_syntax(connection: sqlite3.Connection) -> None:
    page = search_logs(connection, LogFilter(text='hay" OR message:*'))
    assert page.rows == []


def test_date_range_is_inclusive(connection: sqlite3.Connection) -> None:
    first = search_logs(connection, LogFilter(), limit=30)
    times = {int(str(row["message"]).split()[1]): row["logged_at"] for row in first.rows}
    from delta_strangle.logs.parse import to_epoch_us

    window = LogFilter(start_us=to_epoch_us(times[3]), end_us=to_epoch_us(times[5]))  # type: ignore[arg-type]
    assert numbers((search_logs(connection, window)).rows) == [5, 4, 3]


def test_total_beyond_the_cap_is_marked_as_a_lower_bound(connection: sqlite3.Connection) -> None:
    from delta_strangle.logs import query

    total = query.count_matches(connection, LogFilter(levels=("INFO",)), cap=3)
    unfiltered = query.count_matches(connection, LogFilter(), cap=3)
    assert (total.value, total.exact, total.relation) == (3, False, "gte")
    assert (unfiltered.value, unfiltered.exact, unfiltered.relation) == (30, False, "approx")


def test_order_id_filter_and_payload_round_trip(connection: sqlite3.Connection) -> None:
    page = search_logs(connection, LogFilter(equals={"order_id": "o10"}))
    assert numbers(page.rows) == [10]
    assert page.rows[0]["payload"]["order_id"] == "o10"  # type: ignore[index]


def test_cursor_round_trips_and_rejects_garbage() -> None:
    assert Cursor.decode(Cursor(123, 4).encode()) == Cursor(123, 4)
    with pytest.raises(InvalidCursorError):
        Cursor.decode("not-a-cursor")


def walk(connection: sqlite3.Connection, log_filter: LogFilter, limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = search_logs(connection, log_filter, cursor=cursor, limit=limit)
        seen += numbers(page.rows)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_cursor_pages_stay_inside_a_date_range(connection: sqlite3.Connection) -> None:
    first = search_logs(connection, LogFilter(), limit=30)
    times = {int(str(row["message"]).split()[1]): row["logged_at"] for row in first.rows}
    from delta_strangle.logs.parse import to_epoch_us

    window = LogFilter(start_us=to_epoch_us(times[4]), end_us=to_epoch_us(times[20]))  # type: ignore[arg-type]
    assert walk(connection, window, limit=3) == list(range(20, 3, -1))
    assert walk(connection, LogFilter(levels=("ERROR", "WARNING"), end_us=window.end_us), limit=2) == [
        n for n in range(20, -1, -1) if n % 3
    ]


def test_rows_sharing_an_instant_page_by_id_without_gaps(tmp_path: Path) -> None:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_text("".join(json_line(f"message {n}", seconds=n // 4, level="ERROR") for n in range(12)))
    ingester(database, log).poll_once()
    reader = open_reader(database)
    try:
        expected = [n for second in range(2, -1, -1) for n in range(second * 4 + 3, second * 4 - 1, -1)]
        assert walk(reader, LogFilter(), limit=3) == expected
        assert walk(reader, LogFilter(levels=("ERROR", "INFO")), limit=5) == expected
    finally:
        reader.close()


def test_first_page_total_agrees_with_a_separate_count(connection: sqlite3.Connection) -> None:
    from delta_strangle.logs import query

    filters = [
        LogFilter(),
        LogFilter(levels=("ERROR",)),
        LogFilter(levels=("ERROR", "WARNING"), equals={"event": "event_1"}),
        LogFilter(equals={"correlation_id": "c1"}, levels=("INFO",)),
        LogFilter(text="needle"),
        LogFilter(levels=("CRITICAL",)),
    ]
    for log_filter in filters:
        page = search_logs(connection, log_filter, limit=5)
        assert page.total == query.count_matches(connection, log_filter)
    assert (search_logs(connection, LogFilter(levels=("CRITICAL",)))).total == query.Total(0, True, "eq")


def test_several_levels_stop_counting_together_at_the_cap(connection: sqlite3.Connection) -> None:
    from delta_strangle.logs import query

    sql, params = query.build_count_sql(LogFilter(levels=("INFO", "WARNING", "ERROR")), cap=4)
    assert connection.execute(sql, params).fetchone()[0] == 5
    total = query.count_matches(connection, LogFilter(levels=("INFO", "WARNING")), cap=4)
    assert (total.value, total.relation) == (4, "gte")


def test_level_with_event_or_logger_walks_one_composite_index(tmp_path: Path) -> None:
    from delta_strangle.logs import query

    connection = sqlite3.connect(fresh_database(tmp_path / "plan.sqlite"))
    for column, index in (("event", "ix_backend_logs_level_event"), ("logger", "ix_backend_logs_level_logger")):
        log_filter = LogFilter(levels=("ERROR",), equals={column: "x"}, start_us=1, end_us=2)
        assert not log_filter.filters_rows  # so the exact total keeps the full cap
        for sql, params in (
            query.build_page_sql(log_filter, Cursor(2, 9), 100),
            query.build_count_sql(log_filter, 1000),
        ):
            plan = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            assert f"INDEX {index} (level=? AND {column}=? AND logged_at_us>? AND logged_at_us<?)" in plan
    connection.close()
