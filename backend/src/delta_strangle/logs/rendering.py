"""Stored log rows as JSON text for the viewer: the page, the live tail and the NDJSON export.

The viewer's list is the hot path, so rows are written straight to JSON text rather than built as
dicts and validated by a response model (which cost more than the SQL itself). The stored line
of a JSON row is embedded as the payload verbatim: ingestion only marks a line as JSON after
`json.loads` accepted it as an object, so it needs no second parse. The output is exactly what
the `BackendLogOut` model would produce (tests compare the two); times are ISO 8601 UTC with `Z`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Any

from delta_strangle.logs.parse import from_epoch_us
from delta_strangle.logs.query import FLAG_NAMES, LogPage, Total
from delta_strangle.logs.schema import FLAG_CAPPED, FLAG_NOT_JSON

_NOT_A_PAYLOAD = FLAG_NOT_JSON | FLAG_CAPPED
# Python's json accepts these non-standard constants; a browser's JSON.parse does not.
_NON_STANDARD = ("NaN", "Infinity")
_TEXT_COLUMNS = (
    (3, "level"), (4, "logger"), (5, "event"), (6, "message"), (7, "correlation_id"), (8, "request_id"),
    (9, "user"), (10, "strategy_id"), (11, "session_id"), (12, "order_id"), (13, "client_order_id"),
    (14, "mode"), (15, "source"),
)


def iso_utc(epoch_us: int) -> str:
    """Epoch microseconds as ISO 8601 UTC with a `Z`, fraction only when there is one (as pydantic writes it)."""
    return from_epoch_us(epoch_us).isoformat()[:-6] + "Z"


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _payload(raw: str) -> str | None:
    if any(constant in raw for constant in _NON_STANDARD):
        # Rare: re-encode with those constants as null, as the response model would.
        try:
            parsed = json.loads(raw, parse_constant=lambda _name: None)
        except ValueError:
            return None
        return json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
    return raw


def row_json(row: Sequence[Any]) -> str:
    """One stored row (in OUTPUT_COLUMNS order) as a JSON object."""
    flags: int = row[16]
    raw: str = row[17]
    parts = [f'{{"id":{int(row[0])},"logged_at":"{iso_utc(row[1])}","ingested_at":"{iso_utc(row[2])}"']
    parts.extend(f',"{name}":{_text(row[index])}' for index, name in _TEXT_COLUMNS)
    parts.append(',"flags":[' + ",".join(f'"{name}"' for bit, name in FLAG_NAMES if flags & bit) + "]")
    payload = None if flags & _NOT_A_PAYLOAD else _payload(raw)
    if payload is None:
        parts.append(f',"payload":null,"raw":{encode_basestring(raw)}}}')
    else:
        parts.append(f',"payload":{payload},"raw":null}}')
    return "".join(parts)


def _total_json(total: Total | None) -> str:
    if total is None:
        return "null"
    return f'{{"value":{int(total.value)},"exact":{"true" if total.exact else "false"},"relation":"{total.relation}"}}'


def page_json(page: LogPage) -> bytes:
    """A page of the viewer's list as the UTF-8 body of the response."""
    cursor = "null" if page.next_cursor is None else encode_basestring(page.next_cursor)
    items = ",".join(row_json(row) for row in page.records)
    return f'{{"items":[{items}],"next_cursor":{cursor},"total":{_total_json(page.total)}}}'.encode()
