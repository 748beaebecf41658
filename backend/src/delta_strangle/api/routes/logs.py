"""The log viewer (list, summary, export, live tail) and the dashboard's client-log intake."""

from __future__ import annotations

import hmac
import json
import time
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from delta_strangle.api.deps import (
    ClockDep,
    NotAuthenticatedError,
    StateDep,
    ViewerUser,
    authenticate,
    get_current_user,
    oauth2_scheme,
)
from delta_strangle.api.schemas.logs import (
    BackendLogExportQuery,
    BackendLogPage,
    BackendLogPageQuery,
    BackendLogStreamQuery,
    BackendLogSummary,
    BackendLogSummaryQuery,
    ClientLogAccepted,
    ClientLogBatch,
)
from delta_strangle.api.state import AppState
from delta_strangle.logs.client_logs import MAX_BODY_BYTES, RateLimiter, emit_client_logs
from delta_strangle.logs.export import export_logs
from delta_strangle.logs.livetail import follow_logs
from delta_strangle.logs.parse import to_epoch_us
from delta_strangle.logs.query import InvalidCursorError, search_logs
from delta_strangle.logs.rendering import page_json
from delta_strangle.logs.summary import summarize
from delta_strangle.logs.tail import TAIL_SERVICE_NAME
from delta_strangle.logs.viewer_db import LogViewerDatabase
from delta_strangle.store import users

router = APIRouter(prefix="/api/logs", tags=["logs"])
_TOO_LARGE = f"log batches are limited to {MAX_BODY_BYTES} bytes"


def _viewer(state: AppState) -> LogViewerDatabase:
    """The log viewer's reader threads (a service of the app), or 503 when the database is not a SQLite file."""
    for service in state.services:
        if isinstance(service, LogViewerDatabase):
            return service
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the log viewer needs the SQLite database file")


@router.get("/backend", response_model=BackendLogPage, summary="Backend logs, newest first, with cursor pagination")
async def list_backend_logs(
    _user: ViewerUser, state: StateDep, params: Annotated[BackendLogPageQuery, Query()]
) -> Response:
    log_filter = params.to_filter()
    try:
        # One hop to a reader thread: the query and the JSON body (the document BackendLogPage describes,
        # written directly: validating a hundred rows through the response model cost more than the query).
        body = await _viewer(state).run(
            lambda connection: page_json(search_logs(connection, log_filter, cursor=params.cursor, limit=params.limit))
        )
    except InvalidCursorError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return Response(body, media_type="application/json")


@router.get("/backend/summary", response_model=BackendLogSummary, summary="Counts, top events, latest problems, lag")
async def backend_log_summary(
    _user: ViewerUser, state: StateDep, clock: ClockDep, params: Annotated[BackendLogSummaryQuery, Query()]
) -> dict[str, Any]:
    end = params.end or clock.now()
    start = params.start or end - timedelta(hours=1)
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "end must not be before start")
    log_path = state.settings.backend_log_path
    since_us, until_us, now_us = to_epoch_us(start), to_epoch_us(end), to_epoch_us(clock.now())
    result = await _viewer(state).run(
        lambda connection: summarize(connection, since_us=since_us, until_us=until_us, now_us=now_us,
                                     log_path=log_path)
    )
    tail = next((service for service in state.services if service.name == TAIL_SERVICE_NAME), None)
    result["ingestion"]["service"] = tail.health().detail if tail is not None else None
    return result


@router.get("/backend/export", summary="Stream the filtered logs as CSV or NDJSON")
async def export_backend_logs(
    _user: ViewerUser, state: StateDep, clock: ClockDep, params: Annotated[BackendLogExportQuery, Query()]
) -> StreamingResponse:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    media = "text/csv; charset=utf-8" if params.format == "csv" else "application/x-ndjson"
    return StreamingResponse(
        export_logs(_viewer(state), params.to_filter(), fmt=params.format),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="backend-logs-export-{stamp}.{params.format}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/backend/stream", summary="Live tail of new matching logs (server-sent events)")
async def stream_backend_logs(
    request: Request, _user: ViewerUser, state: StateDep, clock: ClockDep,
    params: Annotated[BackendLogStreamQuery, Query()], token: Annotated[str | None, Depends(oauth2_scheme)],
) -> StreamingResponse:
    async def ended() -> bool:
        if await request.is_disconnected():
            return True
        try:  # a user disabled, a password changed or a token expired ends an open tail too
            await authenticate(state, token)
        except NotAuthenticatedError:
            return True
        return False

    events = follow_logs(_viewer(state), params.to_filter(), clock=clock, after_id=params.after_id, disconnected=ended)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


async def client_log_principal(
    state: StateDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Header(alias="X-Log-API-Key")] = None,
) -> str:
    """Admit a logged-in viewer, or a caller presenting LOG_INGEST_API_KEY; answer who it is."""
    configured = state.settings.log_ingest_api_key
    if api_key and configured is not None and configured.get_secret_value():
        if hmac.compare_digest(api_key.encode(), configured.get_secret_value().encode()):
            return "api-key"
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log ingest key is not valid")
    user = await get_current_user(state, token)
    if not user.role.allows(users.Role.VIEWER):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this action needs the viewer role")
    return str(user.email)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "client_log_limiter", None)
    if limiter is None:
        limiter = RateLimiter()
        request.app.state.client_log_limiter = limiter
    return limiter


@router.post(
    "/batch", response_model=ClientLogAccepted, status_code=status.HTTP_202_ACCEPTED,
    summary="Accept a batch of the dashboard's own logs (JSON, any content type so sendBeacon works)",
)
async def accept_client_logs(
    request: Request, principal: Annotated[str, Depends(client_log_principal)]
) -> ClientLogAccepted:
    address = request.client.host if request.client else None
    if not _limiter(request).allow(f"{principal}|{address}", time.monotonic()):
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many log batches: slow down",
                            headers={"Retry-After": "2"})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _TOO_LARGE)
    try:
        document = json.loads(body)
        batch = ClientLogBatch.model_validate({"logs": document} if isinstance(document, list) else document)
    except ValueError as exc:
        detail = exc.errors(include_url=False) if isinstance(exc, ValidationError) else "body must be JSON"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from exc
    accepted = emit_client_logs(
        (record.model_dump() for record in batch.logs), principal=principal, address=address
    )
    return ClientLogAccepted(accepted=accepted)
