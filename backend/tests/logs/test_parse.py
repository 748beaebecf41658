from delta_strangle.logs.parse import NON_JSON_EVENT, RAW_LEVEL, from_epoch_us, normalise_level, parse_line
from delta_strangle.logs.schema import COLUMNS, FLAG_INVALID_UTF8, FLAG_NOT_JSON

from .builders import T0, json_line

FIELDS = COLUMNS[1:]


def row_of(raw: bytes) -> dict[str, object]:
    return dict(zip(FIELDS, parse_line(raw, 0, 42), strict=True))


def test_json_line_becomes_typed_columns() -> None:
    raw = json_line("placed", level="WARN", order_id=7, correlation_id="c-1", strategyId="s1").rstrip("\n").encode()
    row = row_of(raw)
    assert row["level"] == "WARNING"
    assert row["order_id"] == "7"
    assert row["correlation_id"] == "c-1"
    assert row["strategy_id"] == "s1"
    assert from_epoch_us(row["logged_at_us"]) == T0  # type: ignore[arg-type]
    assert row["raw"] == raw.decode()
    assert row["flags"] == 0


def test_non_json_line_is_kept_as_raw_message() -> None:
    row = row_of(b"Traceback (most recent call last):")
    assert (row["level"], row["event"]) == (RAW_LEVEL, NON_JSON_EVENT)
    assert row["message"] == "Traceback (most recent call last):"
    assert row["flags"] == FLAG_NOT_JSON
    assert row["logged_at_us"] == 42


def test_json_that_is_not_an_object_is_raw() -> None:
    assert row_of(b"[1, 2]")["event"] == NON_JSON_EVENT


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    row = row_of(b'{"message": "caf\xe9", "level": "INFO"}')
    assert row["flags"] == FLAG_INVALID_UTF8
    assert row["message"] == "caf\ufffd"


def test_bad_timestamp_falls_back_to_ingest_time() -> None:
    assert row_of(b'{"timestamp": "yesterday", "message": "x"}')["logged_at_us"] == 42


def test_warn_is_an_alias_of_warning() -> None:
    assert normalise_level("warn") == "WARNING"
    assert normalise_level(" error ") == "ERROR"
