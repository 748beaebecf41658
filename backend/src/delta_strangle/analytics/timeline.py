"""The timeline of a history: orders, fills, engine events and session closes, in time order, from SQL.

One UNION ALL query over the journal, ordered by (timestamp, kind, id), is either streamed through a
server-side cursor (exports: constant memory whatever the row count) or cut to the newest rows (the API).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CompoundSelect, Integer, String, func, literal, null, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from delta_strangle.analytics.history import HistoryFilter, closed_session_ids
from delta_strangle.store.journal_tables import (
    DecimalText,
    EngineEventRow,
    FillRow,
    OrderIntentRow,
    TradingSessionRow,
)

STREAM_BATCH_ROWS = 2000
_COLUMNS = (
    "timestamp", "rank", "row_id", "session_id", "entry_type", "order_id", "client_order_id", "leg_id", "symbol",
    "side", "quantity", "price", "fill_price", "fee", "status", "label", "message", "reference_mid", "attempt",
    "filled_size", "details",
)  # fmt: skip


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the timeline; `entry_type` is order, fill, event or session."""

    timestamp: datetime
    session_id: int
    entry_type: str
    row_id: int
    order_id: str | None = None
    client_order_id: str | None = None
    leg_id: int | None = None
    symbol: str | None = None
    side: str | None = None
    quantity: int | None = None
    price: Decimal | None = None
    fill_price: Decimal | None = None
    fee: Decimal | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _typed_null(type_: Any) -> Any:
    return type_coerce(null(), type_)


def timeline_query(history: HistoryFilter) -> CompoundSelect[Any]:
    """Build the ordered UNION ALL of every timeline source for the sessions in the history."""
    ids = closed_session_ids(history)
    orders = select(
        OrderIntentRow.created_at, literal(0, Integer), OrderIntentRow.id, OrderIntentRow.session_id,
        literal("order", String), OrderIntentRow.exchange_order_id, OrderIntentRow.client_order_id,
        OrderIntentRow.leg_id, OrderIntentRow.symbol, OrderIntentRow.side, OrderIntentRow.size,
        OrderIntentRow.limit_price, OrderIntentRow.average_fill_price, OrderIntentRow.commission,
        OrderIntentRow.status, OrderIntentRow.purpose,
        func.coalesce(OrderIntentRow.error, OrderIntentRow.cancellation_reason),
        OrderIntentRow.reference_mid, OrderIntentRow.attempt, OrderIntentRow.filled_size, _typed_null(JSON),
    ).where(OrderIntentRow.session_id.in_(ids))  # fmt: skip
    fills = select(
        FillRow.occurred_at, literal(1, Integer), FillRow.id, FillRow.session_id, literal("fill", String),
        FillRow.exchange_order_id, FillRow.client_order_id, FillRow.leg_id, FillRow.symbol, FillRow.side,
        FillRow.size, _typed_null(DecimalText()), FillRow.price, FillRow.commission, FillRow.fee_source,
        FillRow.fill_type, FillRow.fill_id, _typed_null(DecimalText()), _typed_null(Integer), FillRow.size,
        _typed_null(JSON),
    ).where(FillRow.session_id.in_(ids))  # fmt: skip
    events = select(
        EngineEventRow.occurred_at, literal(2, Integer), EngineEventRow.id, EngineEventRow.session_id,
        literal("event", String), *(_typed_null(String) for _ in range(2)), _typed_null(Integer),
        *(_typed_null(String) for _ in range(2)), _typed_null(Integer), *(_typed_null(DecimalText()) for _ in range(3)),
        EngineEventRow.level, EngineEventRow.kind, EngineEventRow.message, _typed_null(DecimalText()),
        _typed_null(Integer), _typed_null(Integer), EngineEventRow.details,
    ).where(EngineEventRow.session_id.in_(ids))  # fmt: skip
    closes = select(
        TradingSessionRow.ended_at, literal(3, Integer), TradingSessionRow.id, TradingSessionRow.id,
        literal("session", String), *(_typed_null(String) for _ in range(2)), _typed_null(Integer),
        *(_typed_null(String) for _ in range(2)), _typed_null(Integer), *(_typed_null(DecimalText()) for _ in range(3)),
        TradingSessionRow.state, TradingSessionRow.exit_reason, TradingSessionRow.exit_detail,
        _typed_null(DecimalText()), _typed_null(Integer), _typed_null(Integer), _typed_null(JSON),
    ).where(TradingSessionRow.id.in_(ids))  # fmt: skip
    # The first select gives the union its column types, so its datetime column reads back as aware UTC.
    return union_all(orders, fills, events, closes)


def _ordered(history: HistoryFilter, *, newest_first: bool = False, limit: int | None = None) -> Any:
    union = timeline_query(history).subquery("timeline")
    cols = list(union.columns)
    keys = cols[:3]
    query = select(*(col.label(name) for col, name in zip(cols, _COLUMNS, strict=True)))
    query = query.order_by(*(key.desc() for key in keys) if newest_first else keys)
    return query.limit(limit) if limit is not None else query


def entry_from_row(row: Any) -> TimelineEntry:
    """Turn one result row of the timeline query into an entry with its kind-specific metadata."""
    values = dict(zip(_COLUMNS, row, strict=True))
    kind = values["entry_type"]
    metadata: dict[str, Any]
    if kind == "order":
        metadata = {
            "purpose": values["label"], "status": values["status"], "attempt": values["attempt"],
            "filled_size": values["filled_size"], "reference_mid": values["reference_mid"], "error": values["message"],
        }  # fmt: skip
    elif kind == "fill":
        metadata = {"fill_id": values["message"], "fill_type": values["label"], "fee_source": values["status"]}
    elif kind == "event":
        metadata = {"kind": values["label"], "level": values["status"], "message": values["message"]}
        metadata["details"] = values["details"] or {}
    else:
        metadata = {"state": values["status"], "exit_reason": values["label"], "exit_detail": values["message"]}
    return TimelineEntry(
        timestamp=values["timestamp"],
        session_id=values["session_id"],
        entry_type=kind,
        row_id=values["row_id"],
        order_id=values["order_id"],
        client_order_id=values["client_order_id"],
        leg_id=values["leg_id"],
        symbol=values["symbol"],
        side=values["side"],
        quantity=values["quantity"],
        price=values["price"],
        fill_price=values["fill_price"],
        fee=values["fee"],
        metadata={key: value for key, value in metadata.items() if value is not None},
    )


async def timeline_summary(
    session: AsyncSession | AsyncConnection, history: HistoryFilter
) -> tuple[int, datetime | None]:
    """Count the timeline's rows and find its latest instant, in SQL."""
    union = timeline_query(history).subquery("timeline")
    first = next(iter(union.columns))
    row = (await session.execute(select(func.count(), func.max(first)))).one()
    return int(row[0]), row[1]


async def recent_timeline(session: AsyncSession, history: HistoryFilter, limit: int) -> list[TimelineEntry]:
    """Return the newest `limit` timeline entries, newest first."""
    rows = await session.execute(_ordered(history, newest_first=True, limit=limit))
    return [entry_from_row(row) for row in rows]


async def stream_timeline(
    connection: AsyncSession | AsyncConnection, history: HistoryFilter
) -> AsyncIterator[TimelineEntry]:
    """Yield every timeline entry oldest first through a server-side cursor, a batch at a time."""
    result = await connection.stream(_ordered(history).execution_options(yield_per=STREAM_BATCH_ROWS))
    async for partition in result.partitions(STREAM_BATCH_ROWS):
        for row in partition:
            yield entry_from_row(row)
