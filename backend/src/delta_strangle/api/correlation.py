"""Correlation ids: taken from a trusted upstream header when well-formed, else generated.

Pure ASGI middleware so WebSocket connections and streamed responses carry the id too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from delta_strangle.logs.context import bound

CORRELATION_HEADER = "x-correlation-id"
REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
logger = logging.getLogger(__name__)


def accept_correlation_id(value: str | None) -> str | None:
    """Return the value when it is a safe, bounded id, else None."""
    if value is None:
        return None
    value = value.strip()
    return value if _SAFE_ID.match(value) else None


class CorrelationIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        request_id = accept_correlation_id(headers.get(REQUEST_ID_HEADER))
        correlation_id = accept_correlation_id(headers.get(CORRELATION_HEADER)) or request_id or uuid.uuid4().hex
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                extra = [(CORRELATION_HEADER.encode(), correlation_id.encode())]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        with bound(correlation_id=correlation_id, request_id=request_id or correlation_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if scope["type"] == "http":
                    logger.info(
                        "%s %s -> %s",
                        scope.get("method"),
                        scope.get("path"),
                        status_holder.get("status", 500),
                        extra={
                            "event": "http_request_completed",
                            "method": scope.get("method"),
                            "path": scope.get("path"),
                            "status": status_holder.get("status", 500),
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        },
                    )
