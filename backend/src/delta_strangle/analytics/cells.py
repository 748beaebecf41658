"""How one value becomes the text of a CSV cell in the exports: decimals, instants, compact JSON, quoting.

Two paths produce the same text: `cell` and `compact_json` format typed values (Decimal, datetime, dicts), and
`money_text` / `instant_text` format the journal's stored text directly, without building those objects, for
the timeline rows an export streams by the million.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_PLACES = Decimal("0.00000001")


def decimal_text(value: Decimal) -> str:
    """Render money and ratios with at most 8 decimals, without exponent or trailing zeros."""
    text = format(value.quantize(_PLACES).normalize(), "f")
    return "0" if text in ("-0", "") else text


def cell(value: Any) -> str:
    """Render one CSV value: blanks for None, plain decimals, ISO instants, True/False."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# One encoder, built once: json.dumps with these options would build a new one per call.
COMPACT_JSON = json.JSONEncoder(default=_json_default, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def compact_json(value: Any) -> str:
    """Encode JSON compactly with sorted keys (the metadata column)."""
    return COMPACT_JSON.encode(value)


# What `format(Decimal, "f")` stores and `decimal_text` would print unchanged: no exponent, no trailing zero,
# at most 8 decimals, few enough digits that quantizing cannot round.
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{0,7}[1-9])?")


def money_text(value: str | Decimal | None) -> str:
    """Render stored money text as `decimal_text` would, parsing it only when it is not already plain."""
    if value is None:
        return ""
    if isinstance(value, str):
        if value != "-0" and _PLAIN_DECIMAL.fullmatch(value):
            return value
        return decimal_text(Decimal(value))
    return decimal_text(value)


def instant_text(value: str | datetime | None) -> str:
    """Render a stored instant as the aware UTC datetime's `isoformat()`, without building one when possible."""
    if value is None:
        return ""
    if isinstance(value, str):
        # SQLite keeps SQLAlchemy's 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, no offset): rearrange the text, leaving out
        # zero microseconds as isoformat() does. This runs once per timeline row, hence the string methods.
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            if value.endswith(".000000"):
                return value[:19].replace(" ", "T") + "+00:00"
            return value.replace(" ", "T") + "+00:00"
        value = datetime.fromisoformat(value)
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


NEEDS_QUOTES = re.compile(r'[",\r\n]')


def csv_field(value: Any) -> str:
    """Quote one value exactly as `csv.writer` does by default (only when it holds a comma, quote or newline)."""
    if value is None:
        return ""
    text = str(value)
    if NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'
