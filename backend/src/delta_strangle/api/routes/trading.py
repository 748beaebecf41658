"""Trading at `/api/trading`: control (start/stop/restart/panic), runtime snapshot, sessions, live stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, WebSocket, WebSocketDisconnect, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from delta_strangle.api.deps import NotAuthenticatedError, SessionDep, StateDep, TraderUser, ViewerUser, authenticate
from delta_strangle.api.schemas.trading import (
    ControlAction,
    ControlRequest,
    ControlResponse,
    RuntimeSnapshot,
    SessionDetail,
    SessionPage,
    SessionSummary,
)
from delta_strangle.api.state import AppState
from delta_strangle.api.trading_deps import TradingDep
from delta_strangle.domain.expiry import expiry_problem
from delta_strangle.domain.session import Arm, Disarm
from delta_strangle.engine.commands import CommandRefusedError, CommandResult
from delta_strangle.engine.runner import EngineUnavailableError, TradingRunner
from delta_strangle.logs.context import current_context
from delta_strangle.store import configs, session_queries, users

logger = logging.getLogger(__name__)

_STATUS: dict[type[Exception], int] = {
    CommandRefusedError: status.HTTP_409_CONFLICT,
    EngineUnavailableError: status.HTTP_503_SERVICE_UNAVAILABLE,
    configs.ProfileNotFoundError: status.HTTP_404_NOT_FOUND,
}


class TradingRoute(APIRoute):
    """Answer engine refusals (409), an engine that is not running (503) and unknown profiles (404)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except tuple(_STATUS) as exc:
                code = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
                return JSONResponse({"detail": str(exc)}, status_code=code)

        return guarded


router = APIRouter(prefix="/api/trading", tags=["trading"], route_class=TradingRoute)


@router.post(
    "/control", response_model=ControlResponse, summary="Start, stop, restart or panic (audited)",
    responses={202: {"model": ControlResponse, "description": "Still running in the engine (status `in_progress`)"}},
)
async def control(body: ControlRequest, user: TraderUser, trading: TradingDep, state: StateDep,
                  session: SessionDep, response: Response) -> ControlResponse:
    command = asyncio.ensure_future(_dispatch(body, user.email, trading, state, session))
    # A panic or stop waits until flat is confirmed, which can take long on a bad exchange day: answer
    # well inside the proxy's read timeout and let the engine finish (the live page follows it).
    try:
        done, _ = await asyncio.wait({command}, timeout=CONTROL_WAIT_SECONDS)
    except asyncio.CancelledError:  # the client hung up: the command goes on, and its outcome is logged
        command.add_done_callback(_log_late_result)
        raise
    if done:
        result = command.result()
    else:
        command.add_done_callback(_log_late_result)
        response.status_code = status.HTTP_202_ACCEPTED
        result = CommandResult(
            "in_progress", f"still running in the engine after {CONTROL_WAIT_SECONDS:g} s; the live page shows "
            "its progress", trading.engine.session.id if trading.engine and trading.engine.session else None,
        )
    await users.record_audit(
        session, now=state.clock.now(), actor=user.email, action=f"trading_{body.action.value}",
        target=f"session:{result.session_id}" if result.session_id else None,
        correlation_id=current_context().get("correlation_id"),
        details={**body.model_dump(mode="json", exclude_none=True), "result": result.status},
    )
    return ControlResponse(action=body.action, status=result.status, message=result.message,
                           session_id=result.session_id)


CONTROL_WAIT_SECONDS = 30.0


def _log_late_result(command: asyncio.Future[CommandResult]) -> None:
    if command.cancelled():
        return
    if command.exception() is not None:
        logger.error("control command failed after its request was answered", exc_info=command.exception(),
                     extra={"event": "control_command_failed_late"})
        return
    result = command.result()
    logger.info("control command finished after its request was answered: %s", result.message,
                extra={"event": "control_command_finished_late", "status": result.status,
                       "session_id": result.session_id})


async def _dispatch(body: ControlRequest, actor: str, trading: TradingRunner, state: StateDep,
                    session: SessionDep) -> CommandResult:
    if body.action is ControlAction.START:
        assert body.configuration_id is not None
        profile = await configs.get_profile(session, body.configuration_id)
        version = await configs.get_version(session, profile.id, body.config_version or profile.current_version)
        config = configs.config_of(version)
        problem = expiry_problem(config.expiry, state.clock.now())
        if problem is not None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)
        return await trading.arm(Arm(config=config, profile_id=profile.id, config_version=version.version,
                                     enter_now=body.enter_now, actor=actor))
    if body.action is ControlAction.STOP:
        return await trading.disarm(Disarm(mode=body.stop_mode))
    if body.action is ControlAction.RESTART:
        return await trading.restart()
    return await trading.panic()


@router.get("/runtime", response_model=RuntimeSnapshot, summary="The live snapshot (read-only)")
async def runtime(_viewer: ViewerUser, trading: TradingDep) -> RuntimeSnapshot:
    return trading.snapshot()


@router.get("/sessions", response_model=SessionPage, summary="Sessions, newest first")
async def list_sessions(
    _viewer: ViewerUser, session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 25,
    strategy_id: Annotated[int | None, Query(ge=1, description="only this profile (its id)")] = None,
    mode: Annotated[Literal["sim", "paper", "live"] | None, Query(description="only this trading mode")] = None,
    start: Annotated[str | None, Query(description="from this ISO date or datetime (naive means UTC)")] = None,
    end: Annotated[str | None, Query(description="before this ISO datetime, or through this ISO date")] = None,
) -> SessionPage:
    since, until = _instant("start", start, whole_day=False), _instant("end", end, whole_day=True)
    if since is not None and until is not None and until < since:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "end must not be before start")
    rows, total = await session_queries.list_sessions(
        session, page=page, page_size=page_size, profile_id=strategy_id, mode=mode, start=since, end=until
    )
    legs = await session_queries.legs_of(session, [row.id for row in rows])
    items = [SessionSummary.model_validate({**_row_dict(row), "legs": legs[row.id]}) for row in rows]
    return SessionPage(items=items, total=total, page=page, page_size=page_size,
                       pages=session_queries.page_count(total, page_size))


@router.get("/sessions/{session_id}", response_model=SessionDetail, summary="One session with orders, fills, events")
async def session_detail(session_id: int, _viewer: ViewerUser, session: SessionDep) -> SessionDetail:
    detail = await session_queries.session_detail(session, session_id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {session_id} does not exist")
    row = detail["session"]
    return SessionDetail.model_validate({
        **_row_dict(row), "config_snapshot": row.config_snapshot, "risk_state": row.risk_state,
        "halt_views": row.halt_views, "entry_at": row.entry_at, "latest_entry_at": row.latest_entry_at,
        "exit_at": row.exit_at, "settlement_at": row.settlement_at, "legs": detail["legs"],
        "orders": detail["orders"], "fills": detail["fills"], "events": detail["events"],
    })


def _instant(name: str, text: str | None, *, whole_day: bool) -> datetime | None:
    """Read an ISO date (its midnight, or the next one for `whole_day`) or datetime as an aware UTC instant."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is not an ISO date or datetime: {text!r}"
            ) from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    # A date alone names a whole UTC day: `end=2025-01-05` keeps the sessions of the 5th.
    return datetime.combine(day + timedelta(days=1) if whole_day else day, time.min, tzinfo=UTC)


def _row_dict(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SessionSummary.model_fields if name != "legs"}


STREAM_REAUTH_SECONDS = 1.0


@router.websocket("/stream")
async def stream(websocket: WebSocket, token: str | None = None) -> None:
    """Push runtime snapshots as they change. Authenticate with `?token=` or a first message `{"token": ...}`."""
    state: AppState = websocket.app.state.app_state
    await websocket.accept()
    if token is None:
        with contextlib.suppress(Exception):  # a silent, closed or garbled client is simply not authenticated
            async with asyncio.timeout(10):
                first = await websocket.receive_json()
            token = first.get("token") if isinstance(first, dict) else None
    if not await _viewer_token_ok(state, token):
        await websocket.close(code=4401, reason="not authenticated")
        return
    runner: TradingRunner | None = getattr(websocket.app.state, "trading", None)
    if runner is None or runner.engine is None:
        await websocket.close(code=1013, reason="trading engine not running")
        return
    engine = runner.engine

    async def pump() -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the client went away
            async for snapshot in engine.bus.subscribe():
                await websocket.send_text(snapshot.model_dump_json())

    async def revoked() -> None:
        # A user disabled, a password changed or a token expired ends an open stream too, not only the next
        # one. Polled: a change made by another process (the users CLI) raises no event here.
        while True:
            await asyncio.sleep(STREAM_REAUTH_SECONDS)
            if not await _viewer_token_ok(state, token):
                return

    pumping, checking = asyncio.create_task(pump()), asyncio.create_task(revoked())
    try:
        await asyncio.wait((pumping, checking), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, checking):
            task.cancel()
        await asyncio.gather(pumping, checking, return_exceptions=True)
    if checking.done() and not checking.cancelled() and checking.exception() is None:
        with contextlib.suppress(RuntimeError):  # already closed by the client
            await websocket.close(code=4401, reason="session is no longer valid: log in again")


async def _viewer_token_ok(state: AppState, token: str | None) -> bool:
    try:
        principal = await authenticate(state, token)
    except NotAuthenticatedError:
        return False
    return principal.role.allows(users.Role.VIEWER)
