"""Delta's error bodies → the exchange exception tree (`exchange.errors`).

Delta answers errors in several shapes, depending on which layer refused the request:

    {"success": false, "error": {"code": "insufficient_margin", "context": {...}}}   matching/API layer
    {"success": false, "error": "Unauthorized"}                                      bare string code
    {"error": "SignatureExpired", "message": "your signature has expired"}            gateway, no `success`
    <html>…</html> with 403/5xx                                                       CDN / load balancer

Codes are spelled several ways for one condition (`InvalidApiKey`, `invalid_api_key`,
`Signature Mismatch`, `signature_mismatch`), so they are normalised to snake_case first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from delta_strangle.exchange.errors import (
    AuthError,
    ExchangeError,
    InsufficientMarginError,
    NotFoundError,
    OrderRejectedError,
    RateLimitedError,
    TransientError,
)

RATE_LIMIT_RESET_HEADER = "x-rate-limit-reset"
DEFAULT_RETRY_AFTER_SECONDS = 1.0

AUTH_CODES = frozenset(
    {
        "signature_expired",
        "expired_signature",
        "request_expired",
        "invalid_api_key",
        "api_key_not_found",
        "unauthorized_api_access",
        "unauthorized",
        "signature_mismatch",
        "invalid_signature",
        "ip_not_whitelisted_for_api_key",
        "ip_not_whitelisted",
        "forbidden",
        "credentials_missing",
    }
)
EXPIRED_SIGNATURE_CODES = frozenset({"signature_expired", "expired_signature", "request_expired"})
NOT_FOUND_CODES = frozenset({"open_order_not_found", "order_not_found", "not_found", "product_not_found"})
TRANSIENT_CODES = frozenset({"unavailable", "internal_server_error", "service_unavailable", "timeout"})
RATE_LIMIT_CODES = frozenset({"rate_limit_exceeded", "too_many_requests", "rate_limited"})


def normalise_code(code: str) -> str:
    """Turn `SignatureExpired`, `Signature Mismatch` or `invalid-api-key` into snake_case."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", code.strip())
    return re.sub(r"[\s\-]+", "_", spaced).lower()


def parse_error_body(body: bytes | str) -> tuple[str | None, str | None, dict[str, Any]]:
    """Return (normalised code, message, context) from any Delta error body; HTML or junk gives no code."""
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None, _text_snippet(body), {}
    if not isinstance(data, Mapping):
        return None, None, {}
    error = data.get("error")
    message = data.get("message") if isinstance(data.get("message"), str) else None
    context: dict[str, Any] = {}
    code: str | None = None
    if isinstance(error, str):
        code = error
    elif isinstance(error, Mapping):
        code = error.get("code") if isinstance(error.get("code"), str) else None
        if isinstance(error.get("context"), Mapping):
            context = dict(error["context"])
        if isinstance(error.get("message"), str):
            message = message or error["message"]
    return (normalise_code(code) if code else None), message, context


def _text_snippet(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:200]


def retry_after_seconds(headers: Mapping[str, str]) -> float:
    """Read `X-RATE-LIMIT-RESET` (milliseconds until the quota window resets) as seconds."""
    for key, value in headers.items():
        if key.lower() == RATE_LIMIT_RESET_HEADER:
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER_SECONDS


def error_from_response(status: int, body: bytes | str, headers: Mapping[str, str]) -> ExchangeError:
    """Build the exception for a non-success Delta response."""
    code, message, context = parse_error_body(body)
    text = f"Delta HTTP {status}: {code or 'no code'}" + (f" ({message})" if message else "")
    if status == 429 or code in RATE_LIMIT_CODES:
        return RateLimitedError(text, retry_after_seconds=retry_after_seconds(headers), code=code or "rate_limited")
    if code in AUTH_CODES or status in (401, 403):
        return AuthError(text, code=code or f"http_{status}", context=context)
    if code == "insufficient_margin":
        return InsufficientMarginError(text, code=code, context=context)
    if code in NOT_FOUND_CODES or status == 404:
        return NotFoundError(text, code=code or "not_found", context=context)
    if code in TRANSIENT_CODES or status >= 500 or status in (408, 502, 503, 504):
        return TransientError(text, code=code or f"http_{status}", context=context)
    if code is not None and status < 500:
        return OrderRejectedError(text, code=code, context=context)
    return ExchangeError(text, code=f"http_{status}", context=context)


def is_expired_signature(error: ExchangeError) -> bool:
    """Tell whether an auth failure was only a stale timestamp (safe to re-sign and resend)."""
    return isinstance(error, AuthError) and error.code in EXPIRED_SIGNATURE_CODES


def server_time_from(error: ExchangeError) -> float | None:
    """Return the server's epoch seconds from an `expired_signature` context, if it carried one."""
    raw = error.context.get("server_time")
    try:
        value = float(str(raw))
    except (TypeError, ValueError):
        return None
    # Seen in seconds; accept ms/µs too rather than trusting one observation.
    while value > 1e11:
        value /= 1000.0
    return value
