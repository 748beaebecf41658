"""Analytics at `/api/analytics`: the history (metrics, charts, timeline) and its CSV export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import StreamingResponse

from delta_strangle.analytics.export import export_filename, stream_analytics_csv
from delta_strangle.analytics.history import HistoryFilter, HistoryRangeError, ModeFilter, Preset, resolve_filter
from delta_strangle.analytics.report import history_report
from delta_strangle.api.deps import ClockDep, SessionDep, SettingsDep, StateDep, ViewerUser
from delta_strangle.api.schemas.analytics import HistoryResponse

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


def history_filter(
    clock: ClockDep,
    settings: SettingsDep,
    start: Annotated[datetime | None, Query(description="range start (ISO 8601; naive means UTC)")] = None,
    end: Annotated[datetime | None, Query(description="range end (ISO 8601; default now)")] = None,
    preset: Annotated[Preset | None, Query(description="7D, 30D, 90D or custom; explicit start/end win")] = None,
    strategy_id: Annotated[str | None, Query(max_length=64, description="profile id or profile name")] = None,
    mode: Annotated[ModeFilter | None, Query(description="sim, paper, live or all; default the server's mode")] = None,
) -> HistoryFilter:
    """Parse the filters shared by the history and the export; a bad range is a 422 naming the problem."""
    try:
        return resolve_filter(
            clock.now(),
            start=start,
            end=end,
            preset=preset,
            strategy_id=strategy_id,
            mode=mode or ModeFilter(settings.trading_mode.value),
        )
    except HistoryRangeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


FilterDep = Annotated[HistoryFilter, Depends(history_filter)]


@router.get("/history", response_model=HistoryResponse, summary="Metrics, charts and timeline of finished sessions")
async def history(
    _user: ViewerUser,
    flt: FilterDep,
    session: SessionDep,
    clock: ClockDep,
    timeline_limit: Annotated[int, Query(ge=0, le=1000, description="newest timeline rows to include")] = 200,
) -> HistoryResponse:
    report = await history_report(session, flt, clock.now(), timeline_limit)
    return HistoryResponse.model_validate(report.model_dump())


@router.get(
    "/export",
    summary="Stream the history as CSV (sections metadata, metrics, timeline)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, 422: {"description": "format is not csv, or a bad range"}},
)
async def export(
    _user: ViewerUser,
    flt: FilterDep,
    state: StateDep,
    clock: ClockDep,
    format: Annotated[str, Query(description="only csv")] = "csv",
) -> StreamingResponse:
    if format != "csv":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"format must be csv (got {format!r})")
    now = clock.now()
    chunks = stream_analytics_csv(state.session_factory, flt, now)
    # Build the header, metadata and metrics before answering, so a failure there is a plain error response.
    first = await anext(chunks)

    async def body() -> AsyncIterator[str]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export_filename(now)}"',
            "Cache-Control": "no-store",
        },
    )
