"""Rows written straight to JSON read exactly as the API's response model would write them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from delta_strangle.api.schemas.logs import BackendLogOut, BackendLogPage
from delta_strangle.logs.ingest import LogIngester
from delta_strangle.logs.query import OUTPUT_COLUMNS, LogPage, Total, row_to_dict
from delta_strangle.logs.rendering import iso_utc, page_json, row_json

from .builders import fresh_database

LINES = [
    b'{"timestamp":"2026-11-25T12:00:00+00:00","level":"INFO","logger":"a","event":"e","message":"whole second",'
    b'"order_id":"o-1","payload":{"size":3,"price":"101.5","nested":[1,{"x":null}]}}',
    b'{"timestamp":"2026-11-25T12:00:00.000001+00:00","level":"WARN","message":"quote \\" and \\\\ and \\n, caf\xc3\xa9",'
    b'"user":"ann@example.org"}',
    b'{"level":"ERROR","message":"not a number","payload":{"ratio":NaN,"up":Infinity}}',
    b'{"level":"INFO","message":"NaN as text only","payload":{"note":"NaN"}}',
    b"Traceback (most recent call last): plain text",
    b'{"level":"INFO","message":"bad byte \xff here"}',
    b'{"level":"INFO","message":"' + b"x" * 300 + b'"}',  # capped below
    b'["a json array, not an object"]',
]


@pytest.fixture
def records(tmp_path: Path) -> list[tuple[Any, ...]]:
    database, log = fresh_database(tmp_path / "db.sqlite"), tmp_path / "backend.log"
    log.write_bytes(b"\n".join(LINES) + b"\n")
    worker = LogIngester(database, log, now_us=lambda: 1_764_072_000_123_456, max_line_bytes=256)
    worker.poll_once()
    rows = worker.connection.execute(f"SELECT {OUTPUT_COLUMNS} FROM backend_logs ORDER BY id").fetchall()  # noqa: S608
    worker.close()
    assert len(rows) == len(LINES)
    return rows


def model_json(record: tuple[Any, ...]) -> Any:
    return json.loads(BackendLogOut.model_validate(row_to_dict(record)).model_dump_json())


def test_each_row_reads_as_the_response_model_writes_it(records: list[tuple[Any, ...]]) -> None:
    for record in records:
        assert json.loads(row_json(record)) == model_json(record), record[6]


def test_payload_constants_outside_standard_json_become_null(records: list[tuple[Any, ...]]) -> None:
    item = json.loads(row_json(records[2]))
    assert item["payload"]["payload"] == {"ratio": None, "up": None}
    assert "NaN" not in row_json(records[2])


def test_non_json_and_capped_lines_come_back_raw_with_their_flags(records: list[tuple[Any, ...]]) -> None:
    plain, capped = json.loads(row_json(records[4])), json.loads(row_json(records[6]))
    assert (plain["payload"], plain["raw"], plain["flags"]) == (None, "Traceback (most recent call last): plain text",
                                                                ["not_json"])
    assert capped["payload"] is None
    assert "capped" in capped["flags"]


def test_a_page_reads_as_the_page_model_writes_it(records: list[tuple[Any, ...]]) -> None:
    page = LogPage(records, "MTIzOjQ1", Total(10_000, False, "gte"))
    expected = BackendLogPage.model_validate(
        {"items": page.rows, "next_cursor": page.next_cursor, "total": vars(page.total)}
    ).model_dump_json()
    assert json.loads(page_json(page)) == json.loads(expected)
    assert json.loads(page_json(LogPage([], None, None))) == {"items": [], "next_cursor": None, "total": None}


def test_times_are_utc_with_a_z_and_a_fraction_only_when_there_is_one() -> None:
    assert iso_utc(1_764_072_000_000_000) == "2025-11-25T12:00:00Z"
    assert iso_utc(1_764_072_000_000_001) == "2025-11-25T12:00:00.000001Z"
