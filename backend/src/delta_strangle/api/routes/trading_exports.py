"""Read-only trading views that are not the engine's: the sessions CSV and the live risk snapshot.

Included before the engine's trading router so `/api/trading/sessions/export` is never read as a session id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from sqlalchemy import func

from delta_strangle.analytics.history import HistoryFilter, ModeFilter, scope_conditions
from delta_strangle.analytics.risk import LiveBookSource, NoLiveBook, risk_snapshot
from delta_strangle.analytics.sessions_export import sessions_filename, stream_sessions_csv
from delta_strangle.api.deps import ClockDep, StateDep, ViewerUser
from delta_strangle.api.schemas.analytics import RiskSnapshotResponse
from delta_strangle.store.journal_tables import TradingSessionRow

router = APIRouter(prefix="/api/trading", tags=["trading"])


def get_live_book_source(request: Request) -> LiveBookSource:
    """The engine's book reader, `app.state.live_book_source` once the engine is wired; else no book."""
    source: LiveBookSource = getattr(request.app.state, "live_book_source", None) or NoLiveBook()
    return source


LiveBookDep = Annotated[LiveBookSource, Depends(get_live_book_source)]


@router.get(
    "/sessions/export",
    summary="Stream every session as CSV, newest first",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"description": "format is not csv, or end is before start"}},
)
async def export_sessions(
    _user: ViewerUser,
    state: StateDep,
    clock: ClockDep,
    format: Annotated[str, Query(description="only csv")] = "csv",
    mode: Annotated[ModeFilter, Query(description="sim, paper, live or all")] = ModeFilter.ALL,
    strategy_id: Annotated[str | None, Query(max_length=64, description="profile id or profile name")] = None,
    start: Annotated[date | None, Query(description="from this UTC day (as the sessions list)")] = None,
    end: Annotated[date | None, Query(description="through this UTC day, included (as the sessions list)")] = None,
) -> StreamingResponse:
    if format != "csv":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"format must be csv (got {format!r})")
    if start is not None and end is not None and end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "end must not be before start")
    now = clock.now()
    scope = HistoryFilter(start=now, end=now, preset=None, strategy_id=strategy_id, mode=mode)
    conditions = scope_conditions(scope)
    # The same calendar as GET /sessions: a session that never entered is placed by its creation.
    began = func.coalesce(TradingSessionRow.started_at, TradingSessionRow.created_at)
    if start is not None:
        conditions.append(began >= datetime.combine(start, time.min, tzinfo=UTC))
    if end is not None:
        conditions.append(began < datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC))
    return StreamingResponse(
        stream_sessions_csv(state.session_factory, conditions),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{sessions_filename(now)}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/risk-snapshot", response_model=RiskSnapshotResponse, summary="Payoff ladder and levels of the live book")
async def risk(
    _user: ViewerUser,
    source: LiveBookDep,
    range_pct: Annotated[Decimal, Query(gt=0, le=50, description="ladder half-width, percent of spot")] = Decimal(10),
    points: Annotated[int, Query(ge=3, le=201, description="ladder rungs")] = 41,
) -> RiskSnapshotResponse:
    book = source.current_book()
    return RiskSnapshotResponse(book=None if book is None else risk_snapshot(book, range_pct=range_pct, points=points))
