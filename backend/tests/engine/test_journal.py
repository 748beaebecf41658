"""The engine's journal: each event is stored and logged with its session id, so the Log Viewer can filter by it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.engine.journal import Journal

NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


class EventStore:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.saved: list[Any] = []

    async def save_session(self, record: Any) -> None:
        self.saved.append(record)

    async def record_event(self, session_id: int | None, at: datetime, kind: str, level: str, message: str,
                           details: dict[str, Any]) -> None:
        self.events.append((session_id, at, kind, level, message, details))


async def test_an_event_is_stored_and_logged_with_its_session_id(caplog: pytest.LogCaptureFixture) -> None:
    store = EventStore()
    journal = Journal(store, ReplayClock(NOW))  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="delta_strangle.engine.journal"):
        await journal.event(42, "legging_unwind", "entry incomplete: buying back", level="error", alert=True,
                            client_order_id="ds42abcd-CE0", name="clashes with the record's own field")
    assert store.events == [(42, NOW, "legging_unwind", "error", "entry incomplete: buying back",
                             {"alert": True, "client_order_id": "ds42abcd-CE0",
                              "name": "clashes with the record's own field"})]
    [record] = [r for r in caplog.records if getattr(r, "event", None) == "legging_unwind"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "entry incomplete: buying back"
    assert record.session_id == 42  # type: ignore[attr-defined]
    assert record.client_order_id == "ds42abcd-CE0"  # type: ignore[attr-defined]
    assert record.detail_name == "clashes with the record's own field"  # type: ignore[attr-defined]


async def test_figures_that_change_on_every_quote_are_written_once_per_flush_interval() -> None:
    # The predecessor appended to a PnL history on every cycle and copied it into four JSON blobs.
    store = EventStore()
    clock = ReplayClock(NOW)
    journal = Journal(store, clock, flush_seconds=2.0)  # type: ignore[arg-type]
    session = SimpleNamespace(id=7)
    for _ in range(50):  # fifty quotes within one second: the session's figures change each time
        journal.mark_dirty(session)  # type: ignore[arg-type]
        await journal.flush_if_due()
        await clock.advance(0.02)
    assert store.saved == []
    await clock.advance(1.0)
    await journal.flush_if_due()
    assert store.saved == [session]  # one row rewritten with the latest figures, nothing appended per quote
    await journal.flush_if_due()
    assert store.saved == [session]  # nothing pending: nothing written
