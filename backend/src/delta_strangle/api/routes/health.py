"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from delta_strangle import __version__
from delta_strangle.api.deps import StateDep
from delta_strangle.store.migrate import current_revisions, describe, head_revisions

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
        current, expected = await current_revisions(state.engine), head_revisions()
        checks["migrations"] = {"ok": current == expected, "current": describe(current), "head": describe(expected)}
        healthy &= current == expected
    except Exception as exc:  # readiness must report, never crash
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        healthy = False
    for service in state.services:
        report = service.health()
        checks[service.name] = {"ok": report.alive, **report.detail}
        healthy &= report.alive
    return JSONResponse({"status": "ready" if healthy else "not_ready", "checks": checks}, 200 if healthy else 503)
