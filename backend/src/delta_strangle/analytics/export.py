"""The analytics CSV export: `metadata`, `metrics` and `timeline` sections, streamed in constant memory.

The first chunk (header, metadata and metrics) is built before any byte is sent, so a failure there becomes an
ordinary error answer; the timeline then streams from a server-side cursor. Nothing is written to disk.
The layout is documented in docs/analytics.md; the predecessor's columns come first, ours after.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Integer, String, func, literal, literal_column, null, select, type_coerce, union_all
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession, async_sessionmaker

from delta_strangle.analytics.history import (
    HistoryFilter,
    closed_session_ids,
    count_open_sessions,
    load_outcomes,
    outcomes_by_id,
)
from delta_strangle.analytics.metrics import HistoryMetrics, SessionOutcome, compute_metrics, exit_reason_stats
from delta_strangle.analytics.timeline import TimelineEntry
from delta_strangle.store.journal_tables import EngineEventRow, FillRow, OrderIntentRow, TradingSessionRow

logger = logging.getLogger(__name__)

FLUSH_ROWS = 2000
STALE_AFTER = timedelta(minutes=5)
SECTION_HEADER = ("section", "field", "value")
TIMELINE_HEADER = (
    "timeline", "timestamp", "session_id", "entry_type", "order_id", "position_id", "symbol", "side", "quantity",
    "price", "fill_price", "realized_pnl", "unrealized_pnl", "metadata", "client_order_id", "fee",
)  # fmt: skip
_PLACES = Decimal("0.00000001")


def describe_status(
    history: HistoryFilter, now: datetime, sessions: int, timeline_rows: int, still_open: int
) -> tuple[bool, str]:
    """Tell whether the figures are still moving, and say in words what the range holds."""
    # Stale means: the range reaches the present and a session in scope is still open.
    if still_open > 0 and history.end >= now - STALE_AFTER:
        return True, f"{still_open} session(s) still open: their PnL counts once they finish"
    if sessions == 0 and timeline_rows == 0:
        return False, "No data for selected range"
    return False, f"{sessions} finished session(s), {timeline_rows} timeline row(s)"


def export_filename(now: datetime) -> str:
    """Name the download after the UTC instant it was generated."""
    return f"analytics-export-{now:%Y%m%d-%H%M%S}.csv"


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
_COMPACT = json.JSONEncoder(default=_json_default, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def compact_json(value: Any) -> str:
    """Encode JSON compactly with sorted keys (the metadata column)."""
    return _COMPACT.encode(value)


def metric_rows(metrics: HistoryMetrics, outcomes: Iterable[SessionOutcome]) -> list[tuple[str, str, str]]:
    """The metrics section: every HistoryMetrics field in schema order, then per exit reason figures."""
    rows = [("metrics", name, cell(getattr(metrics, name))) for name in HistoryMetrics.model_fields]
    for stats in exit_reason_stats(list(outcomes)):
        prefix = f"exit_reason.{stats.exit_reason}"
        rows += [
            ("metrics", f"{prefix}.count", str(stats.count)),
            ("metrics", f"{prefix}.win_count", str(stats.win_count)),
            ("metrics", f"{prefix}.net_pnl", cell(stats.net_pnl)),
            ("metrics", f"{prefix}.average_pnl", cell(stats.average_pnl)),
        ]
    return rows


def timeline_row(entry: TimelineEntry, outcomes: dict[int, SessionOutcome]) -> list[str]:
    """One timeline line from a typed entry; a session's close carries its net PnL as realized_pnl.

    The export itself renders the stored values directly (`render_timeline_row`); this is the reference
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
        # SQLite keeps SQLAlchemy's 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, no offset): rearrange the text.
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            micro = value[20:]
            return f"{value[:10]}T{value[11:19]}{'' if micro == '000000' else '.' + micro}+00:00"
        value = datetime.fromisoformat(value)
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def csv_field(value: Any) -> str:
    """Quote one value exactly as `csv.writer` does by default (only when it holds a comma, quote or newline)."""
    if value is None:
        return ""
    text = str(value)
    if _NEEDS_QUOTES.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def _details_json(value: Any) -> str:
    if value is None or value == "{}" or value == "null":
        return "{}"
    if isinstance(value, str):
        return _canonical_details(value)
    return _COMPACT.encode(value or {})


@functools.lru_cache(maxsize=1024)
def _canonical_details(stored: str) -> str:
    # Events of one kind often carry the same details (same symbol, same reason): decode and re-encode once.
    return _COMPACT.encode(json.loads(stored) or {})


# Money repeats (tick-grid prices, fixed commissions): remember the rendering of recent values.
_money = functools.lru_cache(maxsize=4096)(money_text)


def _quoted(metadata: str) -> str:
    # Metadata is a JSON object, so it always holds a double quote: csv.writer always quotes it.
    return '"' + metadata.replace('"', '""') + '"'


def _free_text_line(fields: list[str], free: tuple[int, ...]) -> str:
    # The rare line whose ids or symbol hold a comma, quote or newline: quote those fields one by one.
    for index in free:
        fields[index] = csv_field(fields[index])
    return ",".join(fields)


# The renderers read the columns of `raw_timeline_query` by position, write the metadata members in sorted key
# order (so the text equals `compact_json` of the typed entry's metadata) and join the fields into one CSV line.
# Instants, integers and money text never need quoting; the free-text columns are checked together, once.
# Columns the journal declares NOT NULL (purpose, status, fill ids and types, event kind, level and message,
# session state) are encoded without a None check.
def _order_line(row: Any) -> str:
    error, mid = row[15], row[16]
    metadata = (
        f'{{"attempt":{row[17]}'
        + ("" if error is None else f',"error":{encode_basestring(error)}')
        + f',"filled_size":{row[18]},"purpose":{encode_basestring(row[14])}'
        + ("" if mid is None else f',"reference_mid":"{_money(mid)}"')
        + f',"status":{encode_basestring(row[13])}}}'
    )
    fields = [
        "timeline", instant_text(row[0]), str(row[3]), "order", _text(row[4]), _text(row[6]), _text(row[7]),
        _text(row[8]), _text(row[9]), _money(row[10]), _money(row[11]), "", "", _quoted(metadata), _text(row[5]),
        _money(row[12]),
    ]  # fmt: skip
    if _NEEDS_QUOTES.search(f"{row[4]}{row[5]}{row[6]}{row[7]}{row[8]}{row[9]}") is None:
        return ",".join(fields)
    return _free_text_line(fields, _FREE_TEXT)


def _fill_line(row: Any) -> str:
    metadata = (
        f'{{"fee_source":{encode_basestring(row[13])},"fill_id":{encode_basestring(row[15])}'
        f',"fill_type":{encode_basestring(row[14])}}}'
    )
    fields = [
        "timeline", instant_text(row[0]), str(row[3]), "fill", _text(row[4]), _text(row[6]), _text(row[7]),
        _text(row[8]), _text(row[9]), "", _money(row[11]), "", "", _quoted(metadata), _text(row[5]), _money(row[12]),
    ]  # fmt: skip
    if _NEEDS_QUOTES.search(f"{row[4]}{row[5]}{row[6]}{row[7]}{row[8]}{row[9]}") is None:
        return ",".join(fields)
    return _free_text_line(fields, _FREE_TEXT)


def _event_line(row: Any) -> str:
    metadata = (
        f'{{"details":{_details_json(row[19])},"kind":{encode_basestring(row[14])}'
        f',"level":{encode_basestring(row[13])},"message":{encode_basestring(row[15])}}}'
    )
    # Nine empty columns (order_id to unrealized_pnl), the metadata, and two more empty ones.
    return f"timeline,{instant_text(row[0])},{row[3]},event,,,,,,,,,,{_quoted(metadata)},,"


def _session_line(row: Any, nets: dict[int, str]) -> str:
    detail, reason = row[15], row[14]
    metadata = (
        "{"
        + ("" if detail is None else f'"exit_detail":{encode_basestring(detail)},')
        + ("" if reason is None else f'"exit_reason":{encode_basestring(reason)},')
        + f'"state":{encode_basestring(row[13])}}}'
    )
    # Seven empty columns (order_id to fill_price), realized_pnl, an empty unrealized_pnl, the metadata, two empty.
    realized = nets.get(row[3], "")
    return f"timeline,{instant_text(row[0])},{row[3]},session,,,,,,,,{realized},,{_quoted(metadata)},,"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# Positions in a line of the free-text columns: order_id, position_id, symbol, side, quantity, client_order_id.
_FREE_TEXT = (4, 5, 6, 7, 8, 14)
_SESSION_RANK = 3
_RENDERERS: tuple[Callable[[Any], str], ...] = (_order_line, _fill_line, _event_line)


def render_timeline_lines(rows: Iterable[Any], nets: dict[int, str]) -> str:
    """Render stored rows of `raw_timeline_query` as CSV text (CRLF lines), byte for byte what `csv.writer`
    writes for `timeline_row` of the same entries, without building entries, Decimals or datetimes."""
    renderers = _RENDERERS
    return "".join(
        (_session_line(row, nets) if row[1] == _SESSION_RANK else renderers[row[1]](row)) + "\r\n" for row in rows
    )


def _raw(column: Any) -> Any:
    # Read the stored text as is (no Decimal, datetime or JSON result processing): the renderers format it.
    return type_coerce(column, String())


def raw_timeline_query(history: HistoryFilter) -> Any:
    """The ordered UNION ALL of orders, fills, events and session closes, as stored values.

    Columns: timestamp, rank (0 order, 1 fill, 2 event, 3 session), id, session_id, order_id,
    client_order_id, leg_id, symbol, side, quantity, price, fill_price, fee, status, label, message,
    reference_mid, attempt, filled_size, details. Ties at one instant go by rank, then id.
    """
    ids = closed_session_ids(history)
    o, f, e, s = OrderIntentRow, FillRow, EngineEventRow, TradingSessionRow
    nulls = (null(),) * 9
    orders = select(
        _raw(o.created_at), literal(0, Integer), o.id, o.session_id, o.exchange_order_id, o.client_order_id, o.leg_id,
        o.symbol, o.side, o.size, _raw(o.limit_price), _raw(o.average_fill_price), _raw(o.commission), o.status,
        o.purpose, func.coalesce(o.error, o.cancellation_reason), _raw(o.reference_mid), o.attempt, o.filled_size,
        null(),
    ).where(o.session_id.in_(ids))  # fmt: skip
    fills = select(
        _raw(f.occurred_at), literal(1, Integer), f.id, f.session_id, f.exchange_order_id, f.client_order_id,
        f.leg_id, f.symbol, f.side, f.size, null(), _raw(f.price), _raw(f.commission), f.fee_source, f.fill_type,
        f.fill_id, null(), null(), null(), null(),
    ).where(f.session_id.in_(ids))  # fmt: skip
    events = select(
        _raw(e.occurred_at), literal(2, Integer), e.id, e.session_id, *nulls, e.level, e.kind, e.message, null(),
        null(), null(), _raw(e.details),
    ).where(e.session_id.in_(ids))  # fmt: skip
    closes = select(
        _raw(s.ended_at), literal(3, Integer), s.id, s.id, *nulls, s.state, s.exit_reason, s.exit_detail, null(),
        null(), null(), null(),
    ).where(s.id.in_(ids))  # fmt: skip
    # Positional keys: the union sorts once, as a plain ORDER BY over its first three columns.
    return union_all(orders, fills, events, closes).order_by(*(literal_column(str(n)) for n in (1, 2, 3)))


async def timeline_counts(session: AsyncSession, history: HistoryFilter) -> tuple[int, datetime | None]:
    """Count the timeline's rows and find its latest instant: one indexed count per table, not over the union."""
    ids = closed_session_ids(history)
    total, latest = 0, None
    for instant, owner in (
        (OrderIntentRow.created_at, OrderIntentRow.session_id),
        (FillRow.occurred_at, FillRow.session_id),
        (EngineEventRow.occurred_at, EngineEventRow.session_id),
        (TradingSessionRow.ended_at, TradingSessionRow.id),
    ):
        count, newest = (await session.execute(select(func.count(), func.max(instant)).where(owner.in_(ids)))).one()
        total += int(count)
        if newest is not None and (latest is None or newest > latest):
            latest = newest
    return total, latest


class _Rows:
    """A csv.writer over a small buffer that hands its text out and starts again."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def write(self, row: Iterable[Any]) -> None:
        self.writer.writerow(row)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


async def read_ahead(result: AsyncResult[Any], size: int) -> AsyncIterator[Sequence[Row[Any]]]:
    """Yield batches of `size` rows while the next batch is already being read.

    The database driver reads (and SQLite sorts) in its own thread while the caller renders the current batch,
    so the two overlap instead of taking turns. At most two batches are held.
    """
    pending = asyncio.ensure_future(result.fetchmany(size))
    try:
        while batch := await pending:
            pending = asyncio.ensure_future(result.fetchmany(size))
            yield batch
    finally:
        # Never leave a read running on a connection that is about to be handed back.
        if not pending.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(pending)


async def stream_analytics_csv(
    factory: async_sessionmaker[AsyncSession], history: HistoryFilter, now: datetime
) -> AsyncIterator[str]:
    """Yield the export: first the header, metadata and metrics in one chunk, then the timeline in batches."""
    started = time.perf_counter()
    context = {
        "format": "csv",
        **{f"range_{k}" if k in ("start", "end") else k: v for k, v in history.as_text().items()},
    }
    timeline_rows = 0
    try:
        async with factory() as session:
            outcomes = await load_outcomes(session, history)
            record_count, latest = await timeline_counts(session, history)
            still_open = await count_open_sessions(session, history)
            metrics = compute_metrics(outcomes)
            rows = _Rows()
            rows.write(SECTION_HEADER)
            for field, value in _metadata(history, now, outcomes, record_count, latest, still_open):
                rows.write(("metadata", field, cell(value)))
            rows.write(())
            for row in metric_rows(metrics, outcomes):
                rows.write(row)
            rows.write(())
            rows.write(TIMELINE_HEADER)
            yield rows.take()
            nets = {session_id: decimal_text(o.net_usd) for session_id, o in outcomes_by_id(outcomes).items()}
            result = await session.stream(raw_timeline_query(history).execution_options(yield_per=FLUSH_ROWS))
            async for partition in read_ahead(result, FLUSH_ROWS):
                timeline_rows += len(partition)
                yield render_timeline_lines(partition, nets)
    except Exception:
        logger.exception(
            "analytics export failed",
            extra={"event": "analytics_export_failed", "timeline_records": timeline_rows, **context},
        )
        raise
    logger.info(
        "analytics export completed",
        extra={
            "event": "analytics_export_completed",
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "session_count": len(outcomes),
            "metric_rows": len(HistoryMetrics.model_fields),
            "timeline_records": timeline_rows,
            **context,
        },
    )


def _metadata(
    history: HistoryFilter,
    now: datetime,
    outcomes: list[SessionOutcome],
    record_count: int,
    latest: datetime | None,
    still_open: int,
) -> list[tuple[str, Any]]:
    is_stale, message = describe_status(history, now, len(outcomes), record_count, still_open)
    text = history.as_text()
    return [
        ("generated_at", now),
        ("start", text["start"]),
        ("end", text["end"]),
        ("preset", text["preset"]),
        ("strategy_id", text["strategy_id"]),
        ("record_count", record_count),
        ("is_stale", is_stale),
        ("status_message", message),
        ("latest_timestamp", latest),
        ("mode", text["mode"]),
        ("session_count", len(outcomes)),
        ("open_sessions", still_open),
    ]
