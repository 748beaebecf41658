"""The exchange boundary's exception tree. Retry only what says it is retryable.

    ExchangeError
    ├── TransientError          retryable: 5xx, gateway errors, timeouts on reads
    │   └── RateLimitedError     429; carries retry_after_seconds (from X-RATE-LIMIT-RESET)
    ├── AuthError               bad key, signature, expired timestamp, missing permission
    ├── NotFoundError           unknown product, order or client order id
    ├── OrderRejectedError      the exchange refused an order; carries Delta's error code
    │   └── InsufficientMarginError
    └── UnknownOutcomeError     an order request whose fate is unknown: look it up, never resend
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ExchangeError(Exception):
    """Base of every error raised across the exchange boundary."""

    retryable = False

    def __init__(self, message: str, *, code: str | None = None, context: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.context = dict(context or {})


class TransientError(ExchangeError):
    retryable = True


class RateLimitedError(TransientError):
    def __init__(self, message: str, *, retry_after_seconds: float, code: str | None = "rate_limited"):
        super().__init__(message, code=code)
        self.retry_after_seconds = retry_after_seconds


class AuthError(ExchangeError):
    pass


class NotFoundError(ExchangeError):
    pass


class OrderRejectedError(ExchangeError):
    pass


class InsufficientMarginError(OrderRejectedError):
    pass


class UnknownOutcomeError(ExchangeError):
    """The request may or may not have reached the matching engine."""

    def __init__(self, message: str, *, client_order_id: str | None = None):
        super().__init__(message, code="unknown_outcome")
        self.client_order_id = client_order_id
