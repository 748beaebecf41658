"""The REST half of the Delta client: signed httpx calls, server-clock offset, rate budget, structured call logs.

Every request is built once: the query string is encoded once and placed verbatim in the URL,
the body is serialised once, and the signature covers exactly those strings. Reads retry
transient failures; writes are sent once (an expired signature, which Delta rejects before doing
anything, is the one exception: it is re-signed with a corrected clock and sent again).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from delta_strangle.clock import Clock
from delta_strangle.exchange.delta.errors import error_from_response, is_expired_signature, server_time_from
from delta_strangle.exchange.delta.rate_limit import RateBudget, endpoint_weight, is_cancel
from delta_strangle.exchange.delta.retry import Backoff, retry_transient
from delta_strangle.exchange.delta.signing import auth_headers, mask_sensitive
from delta_strangle.exchange.errors import AuthError, ExchangeError, RateLimitedError, TransientError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
DEBUG_BODY_LIMIT = 2048
Params = Sequence[tuple[str, str | int]]


class NotSentError(TransientError):
    """The connection failed before the request left us: safe to send again, even an order."""


@dataclass(frozen=True)
class Envelope:
    """A successful Delta response: `result`, `meta` and the HTTP status."""

    result: Any
    meta: Mapping[str, Any] = field(default_factory=dict)
    status: int = 200


def build_query(params: Params) -> str:
    """Encode query parameters once, in the given order (commas become %2C, as requests/httpx send them)."""
    return "&".join(f"{quote(str(key), safe='')}={quote(str(value), safe='')}" for key, value in params)


def serialise_body(body: Mapping[str, Any] | None) -> str:
    """Serialise a request body once, compactly; the same text is signed and sent."""
    return "" if body is None else json.dumps(body, separators=(",", ":"))


class ServerClock:
    """Our clock corrected by the measured offset to Delta's, so signatures land inside the 5 s window."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.offset_seconds = 0.0

    def now(self) -> datetime:
        return self._clock.now() + timedelta(seconds=self.offset_seconds)

    def timestamp(self) -> str:
        """Return Delta's notion of now as epoch seconds text."""
        return str(int(self.now().timestamp()))

    def observe(self, server_epoch_seconds: float, local_midpoint: datetime, *, resolution: float = 0.0) -> None:
        """Record a server time seen at a local instant (half the resolution is added: `Date` truncates)."""
        self.offset_seconds = server_epoch_seconds + resolution / 2 - local_midpoint.timestamp()


class DeltaRestClient:
    """Signed, logged, rate-budgeted calls to Delta's REST API v2."""

    def __init__(
        self,
        *,
        base_url: str,
        user_agent: str,
        clock: Clock,
        api_key: str | None = None,
        api_secret: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        debug_verbose: bool = False,
        budget: RateBudget | None = None,
        backoff: Backoff | None = None,
        correlation_id: Callable[[], str | None] | None = None,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("user_agent must be non-empty: Delta's CDN blocks requests without one")
        self._clock = clock
        self.server_clock = ServerClock(clock)
        self._api_key = api_key
        self._api_secret = api_secret
        self._debug_verbose = debug_verbose
        self.budget = budget or RateBudget(clock)
        self.backoff = backoff or Backoff()
        self._correlation_id = correlation_id or (lambda: None)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout_seconds,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
        )

    @property
    def has_credentials(self) -> bool:
        return bool(self._api_key and self._api_secret)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get(self, path: str, params: Params = (), *, auth: bool = False) -> Envelope:
        """Read, retrying transient failures and 429s with backoff."""
        query = build_query(params)
        return await retry_transient(
            lambda: self._signed_call("GET", path, query, "", auth=auth),
            policy=self.backoff,
            clock=self._clock,
            what=f"GET {path}",
        )

    async def send(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, *, params: Params = ()
    ) -> Envelope:
        """Write once (signed); never retried except for a rejected stale signature."""
        return await self._signed_call(method, path, build_query(params), serialise_body(body), auth=True)

    async def _signed_call(self, method: str, path: str, query: str, body: str, *, auth: bool) -> Envelope:
        try:
            return await self._once(method, path, query, body, auth=auth)
        except AuthError as error:
            if not is_expired_signature(error):
                raise
            server_time = server_time_from(error)
            if server_time is not None:
                self.server_clock.observe(server_time, self._clock.now(), resolution=1.0)
            logger.warning(
                "Delta rejected a stale signature; re-signing with clock offset %.2f s",
                self.server_clock.offset_seconds,
                extra={"event": "delta_clock_resync", "offset_seconds": self.server_clock.offset_seconds},
            )
            return await self._once(method, path, query, body, auth=auth)

    async def _once(self, method: str, path: str, query: str, body: str, *, auth: bool) -> Envelope:
        if auth and not self.has_credentials:
            raise AuthError(f"{method} {path} needs Delta API credentials", code="credentials_missing")
        await self.budget.acquire(endpoint_weight(method, path), wait=method == "GET", exempt=is_cancel(method, path))
        headers = {"Content-Type": "application/json"} if body else {}
        if auth and self._api_key and self._api_secret:
            headers.update(
                auth_headers(
                    api_key=self._api_key,
                    secret=self._api_secret,
                    method=method,
                    timestamp=self.server_clock.timestamp(),
                    path=path,
                    query=query,
                    body=body,
                )
            )
        url = f"{path}?{query}" if query else path
        request = self._http.build_request(method, url, content=body.encode() if body else None, headers=headers)
        call_id = uuid.uuid4().hex[:12]
        sent_at = self._clock.now()
        started = time.perf_counter()
        try:
            response = await self._http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self._log_call(call_id, method, path, None, started, None, error=type(exc).__name__)
            raise NotSentError(f"{method} {path}: could not connect ({type(exc).__name__})", code="not_sent") from exc
        except httpx.TransportError as exc:
            self._log_call(call_id, method, path, None, started, None, error=type(exc).__name__)
            raise TransientError(f"{method} {path}: {type(exc).__name__}", code="transport_error") from exc
        self._observe_date(response, sent_at)
        self._log_call(call_id, method, path, response.status_code, started, response)
        if self._debug_verbose:
            self._log_bodies(call_id, method, path, query, body, response)
        return self._envelope(response)

    def _envelope(self, response: httpx.Response) -> Envelope:
        status = response.status_code
        data: Any = None
        if 200 <= status < 300:
            try:
                data = response.json() if response.content else {}
            except ValueError:
                raise TransientError(f"Delta HTTP {status} with a non-JSON body", code="bad_gateway_body") from None
            if not isinstance(data, Mapping) or data.get("success", True) is not False:
                if isinstance(data, Mapping) and "result" in data:
                    raw_meta = data.get("meta")
                    meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
                    return Envelope(result=data["result"], meta=meta, status=status)
                return Envelope(result=data, status=status)
        error: ExchangeError = error_from_response(status, response.content, response.headers)
        if isinstance(error, RateLimitedError):
            self.budget.on_rate_limited(error.retry_after_seconds)
        raise error

    def _observe_date(self, response: httpx.Response, sent_at: datetime) -> None:
        date_header = response.headers.get("date")
        if not date_header:
            return
        try:
            server = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        midpoint = sent_at + (self._clock.now() - sent_at) / 2
        self.server_clock.observe(server.timestamp(), midpoint, resolution=1.0)

    def _log_call(
        self,
        call_id: str,
        method: str,
        path: str,
        status: int | None,
        started: float,
        response: httpx.Response | None,
        *,
        error: str | None = None,
    ) -> None:
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        header_remaining = response.headers.get("x-ratelimit-remaining") if response is not None else None
        extra: dict[str, Any] = {
            "event": "delta_http_call",
            "call_id": call_id,
            "http_method": method,
            "path": path,
            "status": status,
            "latency_ms": latency_ms,
            "rate_limit_remaining": header_remaining if header_remaining is not None else self.budget.remaining,
        }
        if error is not None:
            extra["transport_error"] = error
        correlation_id = self._correlation_id()
        if correlation_id is not None:  # otherwise the log formatter adds the task's bound correlation id
            extra["correlation_id"] = correlation_id
        outcome = status if status is not None else error
        logger.info("Delta %s %s -> %s in %.1f ms", method, path, outcome, latency_ms, extra=extra)

    def _log_bodies(
        self, call_id: str, method: str, path: str, query: str, body: str, response: httpx.Response
    ) -> None:
        logger.debug(
            "Delta %s %s bodies",
            method,
            path,
            extra={
                "event": "delta_http_body",
                "call_id": call_id,
                "query": query,
                "request_body": _masked(body),
                "response_body": _masked(response.text),
            },
        )


def _masked(text: str) -> str:
    if not text:
        return ""
    try:
        shown = json.dumps(mask_sensitive(json.loads(text)), separators=(",", ":"))
    except ValueError:
        shown = text
    return shown if len(shown) <= DEBUG_BODY_LIMIT else shown[:DEBUG_BODY_LIMIT] + "… [truncated]"
