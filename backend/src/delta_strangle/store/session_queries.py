"""The journal's read side for the API and the CLI: session pages, one session in full, what is still open."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.domain.session import SessionState
from delta_strangle.store.journal_tables import (
    EngineEventRow,
    FillRow,
    OrderIntentRow,
    SessionLegRow,
    TradingSessionRow,
)

OPEN_STATES = tuple(s.value for s in SessionState if s is not SessionState.DONE)


async def list_sessions(
    db: AsyncSession, *, page: int, page_size: int, profile_id: int | None = None, mode: str | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> tuple[list[TradingSessionRow], int]:
    """Return one page of sessions, newest first, and the total count, narrowed by profile, mode and [start, end)."""
    row = TradingSessionRow
    # A session that never entered has no start; its creation places it on the calendar instead.
    began = func.coalesce(row.started_at, row.created_at)
    where: list[ColumnElement[bool]] = []
    if profile_id is not None:
        where.append(row.profile_id == profile_id)
    if mode is not None:
        where.append(row.mode == mode)
    if start is not None:
        where.append(began >= start)
    if end is not None:
        where.append(began < end)
    total = await db.scalar(select(func.count()).select_from(row).where(*where)) or 0
    query = select(row).where(*where).order_by(row.id.desc())
    rows = await db.scalars(query.offset((page - 1) * page_size).limit(page_size))
    return list(rows), int(total)


async def profile_has_open_session(db: AsyncSession, profile_id: int) -> bool:
    """Tell whether a session that is not done (waiting, entering, live, exiting or halted) runs this profile."""
    query = select(TradingSessionRow.id).where(
        TradingSessionRow.profile_id == profile_id, TradingSessionRow.state.in_(OPEN_STATES)
    )
    return await db.scalar(query.limit(1)) is not None


def page_count(total: int, page_size: int) -> int:
    return math.ceil(total / page_size) if total else 0


async def session_detail(db: AsyncSession, session_id: int) -> dict[str, Any] | None:
    """Return a session with its legs, order intents, fills and events, or None when it does not exist."""
    row = await db.get(TradingSessionRow, session_id)
    if row is None:
        return None
    legs = list(await db.scalars(select(SessionLegRow).where(SessionLegRow.session_id == session_id)))
    intents = list(
        await db.scalars(
            select(OrderIntentRow).where(OrderIntentRow.session_id == session_id).order_by(OrderIntentRow.id)
        )
    )
    fills = list(await db.scalars(select(FillRow).where(FillRow.session_id == session_id).order_by(FillRow.id)))
    events = list(
        await db.scalars(
            select(EngineEventRow).where(EngineEventRow.session_id == session_id).order_by(EngineEventRow.id)
        )
    )
    return {"session": row, "legs": legs, "orders": intents, "fills": fills, "events": events}


async def legs_of(db: AsyncSession, session_ids: list[int]) -> dict[int, list[SessionLegRow]]:
    """Return the legs of several sessions, keyed by session id."""
    result: dict[int, list[SessionLegRow]] = {sid: [] for sid in session_ids}
    if session_ids:
        for leg in await db.scalars(select(SessionLegRow).where(SessionLegRow.session_id.in_(session_ids))):
            result[leg.session_id].append(leg)
    return result


async def status_counts(db: AsyncSession) -> dict[str, int]:
    """Count open positions (legs whose journaled fills do not net to zero) and sessions that may hold any."""
    live = await db.scalar(
        select(func.count()).select_from(TradingSessionRow).where(TradingSessionRow.state.in_(OPEN_STATES))
    )
    # Sizes come from the journaled fills, not the leg rows: a crash between the two writes cannot hide a position.
    signed = case((FillRow.side == "sell", -FillRow.size), else_=FillRow.size)
    per_leg = (
        select(FillRow.leg_id)
        .join(TradingSessionRow, FillRow.session_id == TradingSessionRow.id)
        .where(TradingSessionRow.state.in_(OPEN_STATES))
        .group_by(FillRow.leg_id)
        .having(func.sum(signed) != 0)
        .subquery()
    )
    open_legs = await db.scalar(select(func.count()).select_from(per_leg))
    exposed = await db.scalar(
        select(func.count())
        .select_from(TradingSessionRow)
        .where(TradingSessionRow.state.in_([s.value for s in SessionState if s.may_hold_positions]))
    )
    return {"open_positions": int(open_legs or 0), "live_sessions": int(exposed or 0), "armed_sessions": int(live or 0)}
