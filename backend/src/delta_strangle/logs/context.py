"""Per-task log context (correlation id, user, session, order...) carried by contextvars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CONTEXT_FIELDS = (
    "correlation_id",
    "request_id",
    "user",
    "strategy_id",
    "session_id",
    "order_id",
    "client_order_id",
    "mode",
)

_context: ContextVar[dict[str, Any] | None] = ContextVar("log_context", default=None)


def current_context() -> dict[str, Any]:
    """Return the fields bound to the running task."""
    return dict(_context.get() or {})


def bind(**fields: Any) -> None:
    """Add fields to the running task's log context."""
    merged = current_context()
    merged.update({key: value for key, value in fields.items() if value is not None})
    _context.set(merged)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Bind fields for the duration of a block, then restore the previous context."""
    merged = current_context()
    merged.update({key: value for key, value in fields.items() if value is not None})
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def clear() -> None:
    _context.set({})
