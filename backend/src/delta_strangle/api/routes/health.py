"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from delta_strangle import __version__
from delta_strangle.api.deps import StateDep
from delta_strangle.store.migrate import current_revision, head_revision

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
async def health(state: StateDep) -> dict[str, str]:
    return {"status": "ok", "version": __version__, "mode": state.settings.trading_mode.value}


@router.get("/ready", summary="Readiness: database, migrations and background services")
async def ready(state: StateDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    healthy = True
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
        current, head = await current_revision(state.engine), head_revision()
        checks["migrations"] = {"ok": current == head, "current": current, "head": head}
        healthy &= current == head
    except Exception as exc:  # readiness must report, never crash
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        healthy = False
    for service in state.services:
        report = service.health()
        checks[service.name] = {"ok": report.alive, **report.detail}
        healthy &= report.alive
    return JSONResponse({"status": "ready" if healthy else "not_ready", "checks": checks}, 200 if healthy else 503)
