"""The sessions CSV: one row per session, the predecessor's columns first (same order and formatting), ours after.

Sessions stream newest first in pages (keyset on id), each page read in its own short transaction.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.analytics.history import slippage_usd
from delta_strangle.analytics.metrics import ZERO
from delta_strangle.store.journal_tables import OrderIntentRow, SessionLegRow, TradingSessionRow

logger = logging.getLogger(__name__)

PAGE_SESSIONS = 200
HEADER = (
    "strategy_id", "activated_at", "stopped_at", "config_snapshot", "total_pnl", "total_fees", "win_rate",
    "trade_count", "exit_reason", "underlying_symbol", "spot_entry", "spot_exit", "ce_symbol", "ce_strike", "ce_delta",
    "ce_distance_pct", "pe_symbol", "pe_strike", "pe_delta", "pe_distance_pct",
    "session_id", "mode", "profile_version", "state", "pnl_before_fees", "slippage_usd",
)  # fmt: skip


def sessions_filename(now: datetime) -> str:
    return f"trading-sessions-{now:%Y%m%dT%H%M%SZ}.csv"


def signed(value: Decimal | None, places: int) -> str:
    """Format with fixed decimals and a `+` on positive values, as the predecessor's export did."""
    if value is None:
        return ""
    text = f"{value:.{places}f}"
    return f"+{text}" if value > 0 else text


def _spot(spot: dict[str, Any], *keys: str) -> Decimal | None:
    for key in keys:
        if spot.get(key) not in (None, ""):
            return Decimal(str(spot[key]))
    return None


def session_row(row: TradingSessionRow, legs: list[SessionLegRow], slippage: Decimal) -> list[str]:
    """Render one session; PnL is gross minus fees from its legs (fees taken out once)."""
    gross = sum((leg.realised_gross_usd for leg in legs), ZERO)
    fees = sum((leg.fees_usd for leg in legs), ZERO)
    traded = [leg for leg in legs if leg.entry_premium_usd > 0]
    net = gross - fees
    spot_entry = _spot(row.spot or {}, "entry", "entry_spot")
    spot_exit = _spot(row.spot or {}, "exit", "exit_spot", "last")
    by_kind = {leg.kind: leg for leg in legs}
    cells = [
        row.profile_name, _iso(row.started_at), _iso(row.ended_at),
        json.dumps(row.config_snapshot or {}, separators=(",", ":"), sort_keys=True),
        signed(net, 2) if traded else "", signed(fees, 2) if traded else "",
        ("100" if net > 0 else "0") if traded else "", str(len(traded)), row.exit_reason or "",
        str((row.config_snapshot or {}).get("underlying", "")), _plain(spot_entry), _plain(spot_exit),
    ]  # fmt: skip
    for kind in ("call", "put"):
        leg = by_kind.get(kind)
        cells += _leg_cells(leg, spot_entry or spot_exit)
    cells += [
        str(row.id), row.mode, "" if row.config_version is None else str(row.config_version), row.state,
        signed(gross, 2) if traded else "", signed(slippage, 2) if traded else "",
    ]  # fmt: skip
    return cells


def _leg_cells(leg: SessionLegRow | None, spot_ref: Decimal | None) -> list[str]:
    if leg is None:
        return ["", "", "", ""]
    distance = leg.distance_from_spot_pct
    if distance is None and spot_ref:
        distance = (leg.strike - spot_ref) / spot_ref * 100
    delta = "" if leg.entry_delta is None else f"{leg.entry_delta:+.4f}"
    return [leg.symbol, _plain(leg.strike), delta, signed(distance, 2) if distance is not None else ""]


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


async def _page(session: AsyncSession, conditions: list[ColumnElement[bool]], before_id: int | None) -> list[list[str]]:
    query = select(TradingSessionRow).where(*conditions)
    if before_id is not None:
        query = query.where(TradingSessionRow.id < before_id)
    rows = list(await session.scalars(query.order_by(TradingSessionRow.id.desc()).limit(PAGE_SESSIONS)))
    ids = [row.id for row in rows]
    legs: dict[int, list[SessionLegRow]] = defaultdict(list)
    contract_values: dict[int, Decimal] = {}
    for leg in await session.scalars(select(SessionLegRow).where(SessionLegRow.session_id.in_(ids))):
        legs[leg.session_id].append(leg)
        contract_values[leg.id] = leg.contract_value
    slippage: dict[int, Decimal] = defaultdict(lambda: ZERO)
    intents = select(OrderIntentRow).where(OrderIntentRow.session_id.in_(ids), OrderIntentRow.filled_size > 0)
    for intent in await session.scalars(intents):
        if intent.leg_id in contract_values:
            cost = slippage_usd(intent, contract_values[intent.leg_id])
            slippage[intent.session_id] += cost or ZERO
    return [session_row(row, legs[row.id], slippage[row.id]) for row in rows]


async def stream_sessions_csv(
    factory: async_sessionmaker[AsyncSession], conditions: list[ColumnElement[bool]]
) -> AsyncIterator[str]:
    """Yield the sessions CSV newest first, one page of sessions per chunk."""
    started = time.perf_counter()
    exported = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    yield buffer.getvalue()
    before: int | None = None
    try:
        while True:
            async with factory() as session:
                rows = await _page(session, conditions, before)
            if not rows:
                break
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerows(rows)
            yield buffer.getvalue()
            exported += len(rows)
            before = int(rows[-1][HEADER.index("session_id")])
    except Exception:
        logger.exception("sessions export failed", extra={"event": "sessions_export_failed", "exported": exported})
        raise
    logger.info(
        "sessions export completed",
        extra={
            "event": "sessions_export_completed",
            "format": "csv",
            "exported": exported,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
