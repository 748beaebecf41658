"""Stored log rows as JSON text for the viewer: the page, the live tail and the NDJSON export.

The viewer's list is the hot path, so rows are written straight to JSON text rather than built as
dicts and validated by a response model (which cost more than the SQL itself). The stored line
of a JSON row is embedded as the payload verbatim: ingestion only marks a line as JSON after
`json.loads` accepted it as an object, so it needs no second parse. The output is exactly what
the `BackendLogOut` model would produce (tests compare the two); times are ISO 8601 UTC with `Z`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from delta_strangle.logs.query import FLAG_NAMES, LogPage, Total
from delta_strangle.logs.schema import FLAG_CAPPED, FLAG_NOT_JSON

_NOT_A_PAYLOAD = FLAG_NOT_JSON | FLAG_CAPPED
# Python's json accepts these non-standard constants; a browser's JSON.parse does not.
_NON_STANDARD = ("NaN", "Infinity")


@lru_cache(maxsize=4096)
def _utc_second(epoch_seconds: int) -> str:
    # Rows on a page share a handful of seconds: format each once.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_seconds))


def iso_utc(epoch_us: int) -> str:
    """Epoch microseconds as ISO 8601 UTC with a `Z`, fraction only when there is one (as pydantic writes it)."""
    seconds, micros = divmod(epoch_us, 1_000_000)
    return f"{_utc_second(seconds)}.{micros:06d}Z" if micros else f"{_utc_second(seconds)}Z"


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
    """One stored row (in OUTPUT_COLUMNS order) as a JSON object; one f-string, as this is the hot path."""
    flags: int = row[16]
    raw: str = row[17]
    payload = None if flags & _NOT_A_PAYLOAD else _payload(raw)
    if payload is None:
        tail = f'"payload":null,"raw":{encode_basestring(raw)}}}'
    else:
        tail = f'"payload":{payload},"raw":null}}'
    flag_names = ",".join(f'"{name}"' for bit, name in FLAG_NAMES if flags & bit) if flags else ""
    return (
        f'{{"id":{int(row[0])},"logged_at":"{iso_utc(row[1])}","ingested_at":"{iso_utc(row[2])}",'
        f'"level":{_text(row[3])},"logger":{_text(row[4])},"event":{_text(row[5])},"message":{_text(row[6])},'
        f'"correlation_id":{_text(row[7])},"request_id":{_text(row[8])},"user":{_text(row[9])},'
        f'"strategy_id":{_text(row[10])},"session_id":{_text(row[11])},"order_id":{_text(row[12])},'
        f'"client_order_id":{_text(row[13])},"mode":{_text(row[14])},"source":{_text(row[15])},'
        f'"flags":[{flag_names}],{tail}'
    )


def _total_json(total: Total | None) -> str:
    if total is None:
        return "null"
    return f'{{"value":{int(total.value)},"exact":{"true" if total.exact else "false"},"relation":"{total.relation}"}}'


def page_json(page: LogPage) -> bytes:
    """A page of the viewer's list as the UTF-8 body of the response."""
    cursor = "null" if page.next_cursor is None else encode_basestring(page.next_cursor)
    items = ",".join(row_json(row) for row in page.records)
    return f'{{"items":[{items}],"next_cursor":{cursor},"total":{_total_json(page.total)}}}'.encode()
