"""The one long job (entry, exit, unwind) the engine loop owns at a time, and the event that aborts it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

Work = Callable[[asyncio.Event], Coroutine[Any, Any, Any]]


class JobSlot:
    """Runs at most one job; `on_end` hears of each job's end (the loop then sees its outcome in order)."""

    def __init__(self, on_end: Callable[[asyncio.Task[Any]], None]) -> None:
        self._on_end = on_end
        self._task: asyncio.Task[Any] | None = None
        self._abort = asyncio.Event()

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, work: Work) -> None:
        """Run one job with a fresh abort event; only one runs at a time."""
        assert not self.active, "a job is already running"
        self._abort = asyncio.Event()
        self._task = asyncio.create_task(work(self._abort), name="engine-job")
        self._task.add_done_callback(self._on_end)

    def ended(self, task: asyncio.Task[Any]) -> None:
        """Forget a job the loop has seen end (unless another one has started since)."""
        if task is self._task:
            self._task = None

    async def abort(self) -> None:
        """Ask the running job to stop and wait until it has (its orders cancelled and confirmed)."""
        task = self._task
        if task is not None and not task.done():
            self._abort.set()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
        self._task = None
