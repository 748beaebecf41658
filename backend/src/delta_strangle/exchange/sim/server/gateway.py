"""What Delta's gateway does before a request reaches the exchange: CDN check, faults, signature, rate limit.

Error bodies are the spellings seen from the real gateway (delta-exchange-api.md §2.1, §3.1, §5).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.config import RateLimitModel
from delta_strangle.exchange.sim.core import SimError, SimulatedExchangeCore
from delta_strangle.exchange.sim.faults import FaultKind
from delta_strangle.exchange.sim.signing import prehash, signature_matches


def envelope(result: Any, meta: dict[str, Any] | None = None) -> JSONResponse:
    """Return Delta's success envelope."""
    body: dict[str, Any] = {"success": True, "result": result}
    if meta is not None:
        body["meta"] = meta
    return JSONResponse(body)


def error_response(error: SimError) -> JSONResponse:
    """Return Delta's error envelope for a SimError."""
    body: dict[str, Any] = {"code": error.code}
    if error.context:
        body["context"] = error.context
    return JSONResponse({"success": False, "error": body}, status_code=error.status)


class GatewayRejectionError(Exception):
    """A request stopped before the exchange; carries the exact response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass
class RateLimiter:
    """Delta's fixed 5-minute window of weighted units, one bucket per user (or per IP when unsigned)."""

    model: RateLimitModel
    buckets: dict[str, tuple[int, int]] = field(default_factory=dict)

    def _window(self, now: datetime) -> int:
        return math.floor(now.timestamp() / self.model.window_seconds)

    def reset_ms(self, now: datetime) -> int:
        window_end = (self._window(now) + 1) * self.model.window_seconds
        return max(0, int((window_end - now.timestamp()) * 1000))

    def used(self, bucket: str, now: datetime) -> int:
        window, used = self.buckets.get(bucket, (self._window(now), 0))
        return used if window == self._window(now) else 0

    def charge(self, bucket: str, weight: int, now: datetime) -> bool:
        """Spend `weight` units; False (nothing spent) when the quota would be exceeded."""
        used = self.used(bucket, now)
        if used + weight > self.model.quota:
            return False
        self.buckets[bucket] = (self._window(now), used + weight)
        return True


def too_many_requests(reset_ms: int) -> GatewayRejectionError:
    # Delta documents only the status and the header; the body is our choice (delta-exchange-api.md §5).
    response = JSONResponse({"success": False, "error": {"code": "rate_limit_exceeded"}}, status_code=429,
                            headers={"X-RATE-LIMIT-RESET": str(reset_ms)})
    return GatewayRejectionError(response)


async def apply_request_faults(core: SimulatedExchangeCore, limiter: RateLimiter, path: str) -> None:
    """Inject latency, 5xx answers and 429 storms per the fault plan."""
    now = core.now
    latency = core.faults.fires(FaultKind.LATENCY, now, path=path)
    if latency is not None and latency.latency_ms:
        await asyncio.sleep(latency.latency_ms / 1000)  # network latency is real time, whatever the sim clock
    if core.faults.fires(FaultKind.RATE_LIMIT_STORM, now, path=path) is not None:
        raise too_many_requests(limiter.reset_ms(now))
    failure = core.faults.fires(FaultKind.HTTP_5XX, now, path=path)
    if failure is not None:
        raise GatewayRejectionError(JSONResponse({"success": False, "error": {"code": "internal_server_error"}},
                                            status_code=failure.status))


def check_user_agent(request: Request) -> None:
    if not request.headers.get("user-agent"):
        raise GatewayRejectionError(JSONResponse({"error": "Forbidden", "message": "Request blocked by CDN"},
                                            status_code=403))


def authenticate(core: SimulatedExchangeCore, request: Request, body: bytes) -> Account:
    """Verify api-key, timestamp freshness and the HMAC signature exactly as §3.1 describes."""
    api_key = request.headers.get("api-key")
    timestamp = request.headers.get("timestamp")
    signature = request.headers.get("signature")
    if not api_key or not timestamp or not signature:
        raise GatewayRejectionError(JSONResponse({"success": False, "error": "unauthorized"}, status_code=401))
    account = core.account_by_key(api_key)
    if account is None:
        raise GatewayRejectionError(JSONResponse({"success": False, "error": {"code": "invalid_api_key"}},
                                            status_code=401))
    server_time = int(core.now.timestamp())
    try:
        request_time = int(timestamp)
    except ValueError:
        request_time = 0
    too_old = server_time - request_time > core.config.signature_window_seconds
    too_new = request_time - server_time > core.config.future_timestamp_tolerance_seconds
    if too_old or too_new:
        raise GatewayRejectionError(JSONResponse({"success": False, "error": {
            "code": "expired_signature", "context": {"request_time": request_time, "server_time": server_time}}},
            status_code=401))
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode() if isinstance(raw_path, bytes) else request.url.path
    path = path.split("?", 1)[0]
    query = request.scope.get("query_string", b"").decode()
    message = prehash(request.method, timestamp, path, query, body.decode())
    if not signature_matches(account.api_secret, message, signature):
        raise GatewayRejectionError(JSONResponse({"success": False, "error": {"code": core.config.bad_signature_code}},
                                            status_code=401))
    return account


@dataclass
class Ctx:
    """One request as a handler sees it."""

    core: SimulatedExchangeCore
    request: Request
    query: dict[str, str]
    body: dict[str, Any]
    account: Account | None
    limiter: RateLimiter

    def user(self) -> Account:
        assert self.account is not None, "private handler reached without authentication"
        return self.account
