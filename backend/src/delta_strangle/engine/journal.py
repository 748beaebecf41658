"""The journal port the engine writes through, and the batching in front of it.

Writes that protect money go straight through and are awaited: an order intent before its order is sent, a
fill, a state transition. Writes that only refresh figures (risk state, PnL, spot on every quote) are
coalesced: the latest value per session is flushed every `flush_seconds`, at each transition and on stop,
so the database is never written per quote.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from delta_strangle.clock import Clock
from delta_strangle.domain.orders import Fill
from delta_strangle.engine.records import IntentRecord, SessionRecord

logger = logging.getLogger(__name__)


class JournalStore(Protocol):
    """Durable storage of sessions, legs, intents, fills and events (implemented in store.journal)."""

    async def create_session(self, record: SessionRecord) -> int:
        """Insert a session and return its id."""
        ...

    async def close(self) -> None:
        """Release connections and threads of the store's own (called once, when the app stops)."""
        ...

    async def save_session(self, record: SessionRecord) -> None:
        """Write the session's state, risk, PnL and spot, and insert or update its legs."""
        ...

    async def record_intent(self, intent: IntentRecord, session: SessionRecord | None = None) -> int:
        """Insert an order intent and return its id.

        With `session`, its state, exit reason and detail and risk state are written in the same transaction.
        """
        ...

    async def update_intent(self, intent: IntentRecord) -> None:
        """Write the exchange's latest view of an intent."""
        ...

    async def record_fill(self, session_id: int, leg_id: int | None, fill: Fill, fee_source: str) -> bool:
        """Insert a fill once; False when its fill id is already journaled."""
        ...

    async def record_event(
        self, session_id: int | None, at: datetime, kind: str, level: str, message: str, details: dict[str, Any]
    ) -> None:
        """Append an engine event."""
        ...

    async def open_sessions(self, account: str) -> list[SessionRecord]:
        """Return the account's sessions that are not done, oldest first, with legs."""
        ...

    async def last_ended_session(self, account: str, mode: str) -> SessionRecord | None:
        """Return the account's most recently ended (done) session in this mode, with legs; None when there is none."""
        ...

    async def intents(self, session_id: int) -> list[IntentRecord]:
        """Return every intent of a session, oldest first."""
        ...

    async def fills(self, session_id: int) -> list[Fill]:
        """Return every journaled fill of a session, oldest first."""
        ...

    async def net_usd_on(self, account: str, profile_name: str, trading_date: date, exclude_id: int | None) -> Decimal:
        """Sum the net PnL of the profile's finished sessions on one trading date."""
        ...


class Journal:
    """The engine's journal: immediate writes for safety, coalesced writes for figures."""

    def __init__(self, store: JournalStore, clock: Clock, *, flush_seconds: float = 2.0) -> None:
        self.store = store
        self.clock = clock
        self.flush_seconds = flush_seconds
        self._dirty: dict[int, SessionRecord] = {}
        self._carried: dict[int, SessionRecord] = {}
        self._last_flush = clock.now()
        self.writes = 0
        # Session writes from the loop and from jobs are serialised: two overlapping transactions could
        # otherwise commit out of order and leave an older risk state on disk than in memory.
        self._session_lock = asyncio.Lock()
        # Every write of this engine goes through one queue. SQLite takes one writer at a time anyway; two of our
        # own writes racing for its lock would meet its busy handler, which sleeps (1, 2, 5, 10 ms...), and the
        # loser is often the intent of a closing order. Waiting here is FIFO and costs no sleep.
        self._write_lock = asyncio.Lock()

    async def create_session(self, record: SessionRecord) -> None:
        """Insert a new session now."""
        async with self._write_lock:
            record.id = await self.store.create_session(record)
        self.writes += 1

    async def save_now(self, record: SessionRecord) -> None:
        """Write a session (transitions, legs) now, dropping any pending coalesced write of it."""
        async with self._session_lock:
            async with self._write_lock:
                await self.store.save_session(record)
            if record.id is not None:
                self._dirty.pop(record.id, None)
                self._carried.pop(record.id, None)
            self.writes += 1

    def mark_dirty(self, record: SessionRecord) -> None:
        """Note that figures changed; they are written at the next flush."""
        if record.id is not None:
            self._dirty[record.id] = record

    async def flush_if_due(self) -> None:
        """Write pending figures when the flush interval has passed."""
        if self._dirty and (self.clock.now() - self._last_flush).total_seconds() >= self.flush_seconds:
            await self.flush()

    async def flush(self) -> None:
        """Write every pending figure now."""
        async with self._session_lock:
            self._last_flush = self.clock.now()
            # A record leaves the pending set only once written: a write cut short (cancelled at shutdown)
            # is written again by the final flush.
            for session_id, record in list(self._dirty.items()):
                async with self._write_lock:
                    await self.store.save_session(record)
                if self._dirty.get(session_id) is record:
                    del self._dirty[session_id]
                self.writes += 1

    def carry_with_next_intent(self, record: SessionRecord) -> None:
        """Write the session's state and exit decision in one transaction with its next order intent.

        The exit path sends its closing orders before it journals anything else; the first closing intent
        carries the move to `exiting` (and why), so no crash can leave one leg's closing intent on disk with
        the session still journaled `live`: recovery always finds the whole exit to finish.
        """
        if record.id is not None:
            self._carried[record.id] = record

    async def record_intent(self, intent: IntentRecord) -> None:
        """Journal an intent before it is sent (with the session's carried state change, if any)."""
        carried = self._carried.pop(intent.session_id, None)
        async with self._write_lock:
            intent.id = await self.store.record_intent(intent, carried)
        self.writes += 1

    async def update_intent(self, intent: IntentRecord) -> None:
        intent.updated_at = self.clock.now()
        async with self._write_lock:
            await self.store.update_intent(intent)
        self.writes += 1

    async def record_fill(self, session_id: int, leg_id: int | None, fill: Fill, fee_source: str) -> bool:
        self.writes += 1
        async with self._write_lock:
            return await self.store.record_fill(session_id, leg_id, fill, fee_source)

    async def event(
        self, session_id: int | None, kind: str, message: str, *, level: str = "info", **details: Any
    ) -> None:
        """Journal an engine event and log it."""
        log = logger.warning if level in ("warning", "error") else logger.info
        log(message, extra={"event": kind, "session_id": session_id, **_loggable(details)})
        async with self._write_lock:
            await self.store.record_event(session_id, self.clock.now(), kind, level, message, _jsonable(details))
        self.writes += 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _loggable(details: dict[str, Any]) -> dict[str, Any]:
    # `message` and friends are reserved by logging; keep details from clobbering them.
    return {(f"detail_{k}" if k in ("message", "msg", "args", "name") else k): _jsonable(v) for k, v in details.items()}
