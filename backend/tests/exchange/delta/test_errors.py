from __future__ import annotations

import json

import pytest

from delta_strangle.exchange.delta.errors import (
    error_from_response,
    is_expired_signature,
    normalise_code,
    parse_error_body,
    server_time_from,
)
from delta_strangle.exchange.errors import (
    AuthError,
    ExchangeError,
    InsufficientMarginError,
    NotFoundError,
    OrderRejectedError,
    RateLimitedError,
    TransientError,
)

from .conftest import FIXTURES


def _body(name: str) -> bytes:
    return (FIXTURES / "rest" / "errors" / name).read_bytes()


@pytest.mark.parametrize(
    ("status", "fixture", "expected", "code"),
    [
        (401, "SignatureExpired__docs_gateway.json", AuthError, "signature_expired"),
        (401, "expired_signature__india_testnet_live_2026.json", AuthError, "expired_signature"),
        (401, "InvalidApiKey__docs_gateway.json", AuthError, "invalid_api_key"),
        (401, "invalid_api_key__india_testnet_live_2026.json", AuthError, "invalid_api_key"),
        (401, "Signature_Mismatch__docs.json", AuthError, "signature_mismatch"),
        (401, "invalid_signature__ccxt.json", AuthError, "invalid_signature"),
        (403, "UnauthorizedApiAccess__docs_gateway.json", AuthError, "unauthorized_api_access"),
        (401, "Unauthorized__mcp_read_only_key.json", AuthError, "unauthorized"),
        (401, "unauthorized__india_testnet_live_2026_no_auth_headers.json", AuthError, "unauthorized"),
        (403, "ip_not_whitelisted_for_api_key__docs.json", AuthError, "ip_not_whitelisted_for_api_key"),
        (403, "Forbidden_CDN__docs.json", AuthError, "forbidden"),
        (400, "insufficient_margin__ccxt.json", InsufficientMarginError, "insufficient_margin"),
        (400, "insufficient_margin__docs.json", InsufficientMarginError, "insufficient_margin"),
        (400, "bad_schema__ccxt.json", OrderRejectedError, "bad_schema"),
        (400, "open_order_not_found__ccxt.json", NotFoundError, "open_order_not_found"),
        (400, "unavailable__ccxt.json", TransientError, "unavailable"),
    ],
)
def test_every_recorded_error_body_maps_to_its_exception(
    status: int, fixture: str, expected: type[ExchangeError], code: str
) -> None:
    error = error_from_response(status, _body(fixture), {})
    assert type(error) is expected
    assert error.code == code


def test_code_spellings_normalise_to_snake_case() -> None:
    assert normalise_code("SignatureExpired") == "signature_expired"
    assert normalise_code("Signature Mismatch") == "signature_mismatch"
    assert normalise_code("UnauthorizedApiAccess") == "unauthorized_api_access"
    assert normalise_code("invalid-api-key") == "invalid_api_key"


def test_string_error_and_top_level_message_are_both_read() -> None:
    assert parse_error_body(b'{"error": "InvalidApiKey", "message": "Api Key not found"}') == (
        "invalid_api_key",
        "Api Key not found",
        {},
    )


def test_rejection_keeps_deltas_code_and_context() -> None:
    error = error_from_response(400, _body("insufficient_margin__ccxt.json"), {})
    assert error.context["available_balance"] == "0.000000000000000000"
    assert not error.retryable


def test_429_without_body_is_rate_limited_with_reset_from_header() -> None:
    error = error_from_response(429, b"", {"X-RATE-LIMIT-RESET": "1500"})
    assert isinstance(error, RateLimitedError)
    assert error.retry_after_seconds == 1.5
    assert error.retryable


def test_gateway_html_and_5xx_are_transient() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = error_from_response(502, html, {})
    assert isinstance(error, TransientError)
    assert "502 Bad Gateway" in str(error)
    assert isinstance(error_from_response(503, b"", {}), TransientError)


def test_html_403_from_the_cdn_is_an_auth_error_not_a_retry() -> None:
    assert isinstance(error_from_response(403, b"<html>Request blocked</html>", {}), AuthError)


def test_unknown_404_is_not_found() -> None:
    assert isinstance(error_from_response(404, b'{"success":false,"error":{"code":"whatever"}}', {}), NotFoundError)


def test_expired_signature_exposes_server_time_in_seconds_even_when_given_in_ms() -> None:
    error = error_from_response(401, _body("expired_signature__india_testnet_live_2026.json"), {})
    assert is_expired_signature(error)
    assert server_time_from(error) == 1790879659.0
    body = json.dumps(
        {"success": False, "error": {"code": "expired_signature", "context": {"server_time": 1763901206087}}}
    )
    assert server_time_from(error_from_response(401, body, {})) == pytest.approx(1763901206.087)
    assert not is_expired_signature(error_from_response(401, _body("invalid_signature__ccxt.json"), {}))
