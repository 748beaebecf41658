"""The job slot: one job at a time, aborted through its event and awaited to its end."""

import asyncio
from typing import Any

import pytest

from delta_strangle.engine.jobs import JobSlot


async def test_an_aborted_job_sees_its_event_and_is_awaited_to_its_end() -> None:
    ended: list[asyncio.Task[Any]] = []
    slot = JobSlot(ended.append)
    steps: list[str] = []

    async def job(abort: asyncio.Event) -> None:
        await abort.wait()
        steps.append("saw abort")
        await asyncio.sleep(0)  # cleanup after the abort (cancel-and-confirm) still runs to the end
        steps.append("cleaned up")

    slot.start(job)
    assert slot.active
    await slot.abort()
    assert steps == ["saw abort", "cleaned up"]
    assert not slot.active
    await asyncio.sleep(0)
    assert len(ended) == 1  # the loop hears of the end


async def test_a_second_job_cannot_start_while_one_runs() -> None:
    slot = JobSlot(lambda _task: None)
    slot.start(lambda abort: abort.wait())
    with pytest.raises(AssertionError, match="already running"):
        slot.start(lambda abort: abort.wait())
    await slot.abort()


async def test_the_end_of_an_older_job_does_not_forget_the_current_one() -> None:
    ended: list[asyncio.Task[Any]] = []
    slot = JobSlot(ended.append)

    async def quick(_abort: asyncio.Event) -> None:
        return None

    slot.start(quick)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    old = ended[0]
    slot.start(lambda abort: abort.wait())
    slot.ended(old)
    assert slot.active
    await slot.abort()
