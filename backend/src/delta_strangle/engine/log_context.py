"""What each of the engine's log lines is about: the strategy profile, the session and the trading mode.

The engine's tasks (its loop, clock and streams, and the jobs, order work and streams they start) run under
`CurrentSession`, a view of the engine that `logs.context` reads whenever a line is written: every line names
the session the engine is on at that moment, and only that one. When a cycle ends and the next is armed, or
recovery picks a session up, the following lines name the new session; no line can carry a session the
engine has left. Lines while no session is open carry the mode only.

Work on a session other than the current one (recovery halting a stale session) is laid under
`about(session)`; order work adds the order's own ids with `logs.context.bound`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from delta_strangle.engine.records import SessionRecord
from delta_strangle.logs.context import bound_view

# Order ids belong to the order being worked: a session's view hides any bound outside it.
FIELDS = ("strategy_id", "session_id", "mode", "order_id", "client_order_id")


class _Engine(Protocol):
    session: SessionRecord | None
    mode: str


def session_fields(session: SessionRecord | None, mode: str) -> dict[str, Any]:
    """The log context of work on `session` (None: no session) by an engine running in `mode`.

    `strategy_id` is the session's strategy profile id as text (what the Log Viewer, the trading and the
    analytics APIs filter by); `mode` is the session's own (sim, paper or live).
    """
    if session is None:
        return dict.fromkeys(FIELDS) | {"mode": mode}
    profile = session.profile_id
    return {"strategy_id": None if profile is None else str(profile), "session_id": session.id,
            "mode": session.mode, "order_id": None, "client_order_id": None}


class CurrentSession(Mapping[str, Any]):
    """The engine's current session as log fields, read whenever a line is written."""

    def __init__(self, engine: _Engine) -> None:
        self._engine = engine

    def __getitem__(self, key: str) -> Any:
        if key not in FIELDS:
            raise KeyError(key)
        return session_fields(self._engine.session, self._engine.mode)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(FIELDS)

    def __len__(self) -> int:
        return len(FIELDS)


def on_current_session(engine: _Engine) -> AbstractContextManager[None]:
    """Log, inside the block and in every task started there, on behalf of whichever session is current."""
    return bound_view(CurrentSession(engine))


def about(session: SessionRecord | None, mode: str) -> AbstractContextManager[None]:
    """Log, inside the block, on behalf of this session whatever the engine's current one is."""
    return bound_view(session_fields(session, mode))
