"""The timeline section of the analytics export: its header, its SQL over stored text, and its CSV lines.

An export can hold millions of timeline rows, so they are read as the journal's stored text (`raw_timeline_query`
for a whole history, `sessions_timeline_query` for a window of sessions, see `timeline_windows.py`) and rendered
straight from it (`render_timeline_lines`), never as entries, Decimals or datetimes. `timeline_row` is the
reference rendering over typed `TimelineEntry` values; the fast path must match it byte for byte.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal, literal_column, null, select, type_coerce, union_all

from delta_strangle.analytics.cells import COMPACT_JSON, NEEDS_QUOTES, cell, compact_json, csv_field, instant_text
from delta_strangle.analytics.cells import money_text as _money_text
from delta_strangle.analytics.history import HistoryFilter, closed_session_ids
from delta_strangle.analytics.metrics import SessionOutcome
from delta_strangle.analytics.timeline import TimelineEntry
from delta_strangle.store.journal_tables import EngineEventRow, FillRow, OrderIntentRow, TradingSessionRow

TIMELINE_HEADER = (
    "timeline", "timestamp", "session_id", "entry_type", "order_id", "position_id", "symbol", "side", "quantity",
    "price", "fill_price", "realized_pnl", "unrealized_pnl", "metadata", "client_order_id", "fee",
)  # fmt: skip


def timeline_row(entry: TimelineEntry, outcomes: dict[int, SessionOutcome]) -> list[str]:
    """One timeline line from a typed entry; a session's close carries its net PnL as realized_pnl.

    The export itself renders the stored values directly (`render_timeline_lines`); this is the reference
    rendering it must match, byte for byte.
    """
    realized = None
    if entry.entry_type == "session" and entry.session_id in outcomes:
        realized = outcomes[entry.session_id].net_usd
    return [
        "timeline", cell(entry.timestamp), cell(entry.session_id), entry.entry_type, cell(entry.order_id),
        cell(entry.leg_id), cell(entry.symbol), cell(entry.side), cell(entry.quantity), cell(entry.price),
        cell(entry.fill_price), cell(realized), "", compact_json(entry.metadata), cell(entry.client_order_id),
        cell(entry.fee),
    ]  # fmt: skip


def _raw(column: Any) -> Any:
    # Read the stored text as is (no Decimal, datetime or JSON result processing): the renderers format it.
    return type_coerce(column, String())


def _raw_union(session_ids: Any) -> Any:
    o, f, e, s = OrderIntentRow, FillRow, EngineEventRow, TradingSessionRow
    nulls = (null(),) * 9
    orders = select(
        _raw(o.created_at), literal(0, Integer), o.id, o.session_id, o.exchange_order_id, o.client_order_id, o.leg_id,
        o.symbol, o.side, o.size, _raw(o.limit_price), _raw(o.average_fill_price), _raw(o.commission), o.status,
        o.purpose, func.coalesce(o.error, o.cancellation_reason), _raw(o.reference_mid), o.attempt, o.filled_size,
        null(),
    ).where(o.session_id.in_(session_ids))  # fmt: skip
    fills = select(
        _raw(f.occurred_at), literal(1, Integer), f.id, f.session_id, f.exchange_order_id, f.client_order_id,
        f.leg_id, f.symbol, f.side, f.size, null(), _raw(f.price), _raw(f.commission), f.fee_source, f.fill_type,
        f.fill_id, null(), null(), null(), null(),
    ).where(f.session_id.in_(session_ids))  # fmt: skip
    events = select(
        _raw(e.occurred_at), literal(2, Integer), e.id, e.session_id, *nulls, e.level, e.kind, e.message, null(),
        null(), null(), _raw(e.details),
    ).where(e.session_id.in_(session_ids))  # fmt: skip
    closes = select(
        _raw(s.ended_at), literal(3, Integer), s.id, s.id, *nulls, s.state, s.exit_reason, s.exit_detail, null(),
        null(), null(), null(),
    ).where(s.id.in_(session_ids))  # fmt: skip
    return union_all(orders, fills, events, closes)


# Positional keys: the union sorts once, as a plain ORDER BY over its first three columns.
_ORDER: tuple[Any, ...] = tuple(literal_column(str(n)) for n in (1, 2, 3))


def raw_timeline_query(history: HistoryFilter) -> Any:
    """The ordered UNION ALL of orders, fills, events and session closes of the history, as stored values.

    Columns: timestamp, rank (0 order, 1 fill, 2 event, 3 session), id, session_id, order_id,
    client_order_id, leg_id, symbol, side, quantity, price, fill_price, fee, status, label, message,
    reference_mid, attempt, filled_size, details. Ties at one instant go by rank, then id.
    """
    return _raw_union(closed_session_ids(history)).order_by(*_ORDER)


def sessions_timeline_query(*, ordered: bool) -> Any:
    """The same rows for the sessions bound to the expanding parameter `session_ids`, in time order or in none."""
    union = _raw_union(bindparam("session_ids", expanding=True))
    return union.order_by(*_ORDER) if ordered else union


# The sort key of a row of these queries (timestamp, rank, id): what their ORDER BY sorts on.
TIMELINE_ORDER = operator.itemgetter(0, 1, 2)


def _details_json(value: Any) -> str:
    if value is None or value == "{}" or value == "null":
        return "{}"
    if isinstance(value, str):
        return _canonical_details(value)
    return COMPACT_JSON.encode(value or {})


@functools.lru_cache(maxsize=1024)
def _canonical_details(stored: str) -> str:
    # Events of one kind often carry the same details (same symbol, same reason): decode and re-encode once.
    return COMPACT_JSON.encode(json.loads(stored) or {})


# Money repeats (tick-grid prices, fixed commissions): remember the rendering of recent values.
_money = functools.lru_cache(maxsize=4096)(_money_text)


def _free_text_line(fields: list[str]) -> str:
    # The rare line whose ids or symbol hold a comma, quote or newline: quote those fields one by one.
    for index in _FREE_TEXT:
        fields[index] = csv_field(fields[index])
    return ",".join(fields) + "\r\n"


# Positions in a line of the free-text columns: order_id, position_id, symbol, side, quantity, client_order_id.
_FREE_TEXT = (4, 5, 6, 7, 8, 14)


# The renderers read the columns of `raw_timeline_query` by position and return one CSV line (CRLF included).
# They write the metadata members in sorted key order, so the text equals `compact_json` of the typed entry's
# metadata, and double its quotes: metadata is a JSON object, so it always holds a double quote and csv.writer
# always quotes it. Instants, integers and money text never need quoting; the free-text columns are checked
# together, once. Columns the journal declares NOT NULL (purpose, status, size, fill ids and types, event kind,
# level and message, session state) are encoded without a None check. This runs once per timeline row, so each
# line is a single f-string rather than a list of fields.
def _order_line(row: Any) -> str:
    order_id, client_id, leg, symbol, side, error, mid = row[4], row[5], row[6], row[7], row[8], row[15], row[16]
    metadata = (
        f'{{"attempt":{row[17]}'
        + ("" if error is None else f',"error":{encode_basestring(error)}')
        + f',"filled_size":{row[18]},"purpose":{encode_basestring(row[14])}'
        + ("" if mid is None else f',"reference_mid":"{_money(mid)}"')
        + f',"status":{encode_basestring(row[13])}}}'
    ).replace('"', '""')
    if NEEDS_QUOTES.search(f"{order_id}{client_id}{leg}{symbol}{side}") is None:
        return (
            f"timeline,{instant_text(row[0])},{row[3]},order,{'' if order_id is None else order_id},"
            f"{'' if leg is None else leg},{symbol},{side},{row[9]},{_money(row[10])},{_money(row[11])},,,"
            f'"{metadata}",{"" if client_id is None else client_id},{_money(row[12])}\r\n'
        )
    return _free_text_line([
        "timeline", instant_text(row[0]), str(row[3]), "order", _text(order_id), _text(leg), symbol, side,
        str(row[9]), _money(row[10]), _money(row[11]), "", "", f'"{metadata}"', _text(client_id), _money(row[12]),
    ])  # fmt: skip


def _fill_line(row: Any) -> str:
    order_id, client_id, leg, symbol, side = row[4], row[5], row[6], row[7], row[8]
    metadata = (
        f'{{"fee_source":{encode_basestring(row[13])},"fill_id":{encode_basestring(row[15])}'
        f',"fill_type":{encode_basestring(row[14])}}}'
    ).replace('"', '""')
    if NEEDS_QUOTES.search(f"{order_id}{client_id}{leg}{symbol}{side}") is None:
        return (
            f"timeline,{instant_text(row[0])},{row[3]},fill,{order_id},{'' if leg is None else leg},{symbol},{side},"
            f'{row[9]},,{_money(row[11])},,,"{metadata}",{"" if client_id is None else client_id},'
            f"{_money(row[12])}\r\n"
        )
    return _free_text_line([
        "timeline", instant_text(row[0]), str(row[3]), "fill", order_id, _text(leg), symbol, side, str(row[9]), "",
        _money(row[11]), "", "", f'"{metadata}"', _text(client_id), _money(row[12]),
    ])  # fmt: skip


def _event_line(row: Any) -> str:
    metadata = (
        f'{{"details":{_details_json(row[19])},"kind":{encode_basestring(row[14])}'
        f',"level":{encode_basestring(row[13])},"message":{encode_basestring(row[15])}}}'
    ).replace('"', '""')
    # Nine empty columns (order_id to unrealized_pnl), the metadata, and two more empty ones.
    return f'timeline,{instant_text(row[0])},{row[3]},event,,,,,,,,,,"{metadata}",,\r\n'


def _session_line(row: Any, nets: dict[int, str]) -> str:
    detail, reason = row[15], row[14]
    metadata = (
        "{"
        + ("" if detail is None else f'"exit_detail":{encode_basestring(detail)},')
        + ("" if reason is None else f'"exit_reason":{encode_basestring(reason)},')
        + f'"state":{encode_basestring(row[13])}}}'
    ).replace('"', '""')
    # Seven empty columns (order_id to fill_price), realized_pnl, an empty unrealized_pnl, the metadata, two empty.
    realized = nets.get(row[3], "")
    return f'timeline,{instant_text(row[0])},{row[3]},session,,,,,,,,{realized},,"{metadata}",,\r\n'


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_SESSION_RANK = 3
_RENDERERS: tuple[Callable[[Any], str], ...] = (_order_line, _fill_line, _event_line)


def render_timeline_lines(rows: Iterable[Any], nets: dict[int, str]) -> str:
    """Render stored rows of `raw_timeline_query` as CSV text (CRLF lines), byte for byte what `csv.writer`
    writes for `timeline_row` of the same entries, without building entries, Decimals or datetimes.

    `nets` maps a session id to its net PnL as text, for the session-close lines."""
    renderers = _RENDERERS
    return "".join(_session_line(row, nets) if row[1] == _SESSION_RANK else renderers[row[1]](row) for row in rows)
