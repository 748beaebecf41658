"""Turn one line of backend.log into a `backend_logs` row, whatever the line holds.

A JSON object becomes typed columns plus the raw line; anything else (a traceback printed by a
library, a truncated line) is kept as a raw message marked with level RAW and event non_json_line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from delta_strangle.logs.schema import FLAG_INVALID_UTF8, FLAG_NOT_JSON

RAW_LEVEL = "RAW"
NON_JSON_EVENT = "non_json_line"
DEFAULT_EVENT = "unnamed"
DEFAULT_LOGGER = "unknown"
MESSAGE_CAP = 4096
NAME_CAP = 128
LEVEL_CAP = 16
SOURCE_CAP = 32

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_LEVEL_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL", "ERR": "ERROR"}
# (column, keys tried in order) for the context ids; camelCase spellings come from the dashboard.
_CONTEXT_KEYS: tuple[tuple[str, ...], ...] = (
    ("correlation_id", "correlationId"),
    ("request_id", "requestId"),
    ("user",),
    ("strategy_id", "strategyId"),
    ("session_id", "sessionId"),
    ("order_id", "orderId"),
    ("client_order_id", "clientOrderId"),
    ("mode",),
)

Row = tuple[Any, ...]


def to_epoch_us(moment: datetime) -> int:
    """Return an aware datetime as integer microseconds since the Unix epoch."""
    return (moment - _EPOCH) // _ONE_US


def from_epoch_us(value: int) -> datetime:
    """Return integer epoch microseconds as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=value)


def normalise_level(value: object) -> str:
    """Return the standard level name for a level as written (WARN means WARNING)."""
    level = str(value).strip().upper()[:LEVEL_CAP] or "INFO"
    return _LEVEL_ALIASES.get(level, level)


def _text(value: object, cap: int) -> str | None:
    if value is None or value == "":
        return None
    text = value if isinstance(value, str) else str(value)
    return text[:cap]


def _timestamp_us(value: object, fallback_us: int) -> int:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return fallback_us
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return to_epoch_us(moment)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch seconds, as some libraries write them.
        return int(value * 1_000_000)
    return fallback_us


def decode_line(raw: bytes) -> tuple[str, int]:
    """Decode UTF-8, replacing invalid bytes; return the text and FLAG_INVALID_UTF8 when any were replaced."""
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), FLAG_INVALID_UTF8


def parse_line(raw: bytes, flags: int, now_us: int) -> Row:
    """Return the row (every column but `id`) for one line without its newline."""
    text, utf8_flag = decode_line(raw.rstrip(b"\r"))
    flags |= utf8_flag
    record: Any = None
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
    if not isinstance(record, dict):
        return (
            now_us, now_us, RAW_LEVEL, DEFAULT_LOGGER, NON_JSON_EVENT, text[:MESSAGE_CAP],
            None, None, None, None, None, None, None, None, "backend", flags | FLAG_NOT_JSON, text,
        )
    get = record.get
    message = get("message")
    if message is None:
        message = get("msg", "")
    context: list[str | None] = [None] * len(_CONTEXT_KEYS)
    for index, keys in enumerate(_CONTEXT_KEYS):
        for key in keys:
            value = get(key)
            if value is not None:
                context[index] = _text(value, NAME_CAP)
                break
    return (
        _timestamp_us(get("timestamp") or get("time"), now_us),
        now_us,
        normalise_level(get("level") or get("levelname") or "INFO"),
        _text(get("logger") or get("name"), NAME_CAP) or DEFAULT_LOGGER,
        _text(get("event"), NAME_CAP) or DEFAULT_EVENT,
        _text(message, MESSAGE_CAP) or "",
        *context,
        _text(get("source"), SOURCE_CAP) or "backend",
        flags,
        text,
    )
