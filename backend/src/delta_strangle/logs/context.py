"""Per-task log context (correlation id, user, strategy, session, order...) carried by contextvars.

`bind` and `bound` copy values into the running task's context: every line the task writes afterwards (and
every task it starts afterwards) carries them. `bound_view` lays a mapping over the context instead, read
afresh whenever a line is written, for a long-lived task that works on behalf of something that changes over
its life. A field whose value is None is written as absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

_context: ContextVar[Mapping[str, Any] | None] = ContextVar("log_context", default=None)


class _Overlay(Mapping[str, Any]):
    """`top` over `base`: a key `top` holds (even as None) hides the same key of `base`."""

    def __init__(self, top: Mapping[str, Any], base: Mapping[str, Any]) -> None:
        self._top, self._base = top, base

    def __getitem__(self, key: str) -> Any:
        if key in self._top:
            return self._top[key]
        return self._base[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._base, *self._top]))

    def __len__(self) -> int:
        return len(set(self._base) | set(self._top))


def current_context() -> dict[str, Any]:
    """Return the fields bound to the running task now (views read at this moment; None values left out)."""
    return {key: value for key, value in (_context.get() or {}).items() if value is not None}


def bind(**fields: Any) -> None:
    """Add fields to the running task's log context (a None value leaves the field as it is)."""
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


@contextmanager
def bound_view(fields: Mapping[str, Any]) -> Iterator[None]:
    """Lay a mapping over the running task's context for a block; its values are read whenever a line is written.

    Every key of the mapping replaces the same field underneath, and a None value hides it (the line says
    nothing rather than something stale). Tasks started inside the block inherit the view, so a task that
    lives longer than one unit of work (the trading engine's loop, across sessions) names, on each line, what
    it works on at that moment. The mapping may compute its values; `bind`/`bound` inside the block copy
    them as they are then.
    """
    token = _context.set(_Overlay(fields, current_context()))
    try:
        yield
    finally:
        _context.reset(token)


def clear() -> None:
    _context.set({})
