"""The log context: values bound to a task, and views read each time a line is written."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from delta_strangle.logs.context import bind, bound, bound_view, current_context
from tests.logs.capture import json_lines

logger = logging.getLogger("tests.logs.context")


async def test_a_view_is_read_when_each_line_is_written_and_none_hides_what_lies_under() -> None:
    working_on: dict[str, Any] = {"session_id": 1, "strategy_id": "7"}
    with json_lines() as lines, bound(mode="sim", session_id=99, user="ops"), bound_view(working_on):
        logger.info("first")
        working_on.update(session_id=2, strategy_id=None)
        logger.info("second")
    first, second = lines
    assert (first["session_id"], first["strategy_id"], first["mode"], first["user"]) == (1, "7", "sim", "ops")
    assert second["session_id"] == 2
    assert "strategy_id" not in second  # None: the line says nothing rather than something stale
    assert current_context() == {}


async def test_a_task_started_inside_a_view_keeps_it_and_bound_inside_copies_its_values() -> None:
    working_on: dict[str, Any] = {"session_id": 1}
    with json_lines() as lines:
        with bound_view(working_on):
            released = asyncio.Event()

            async def long_lived() -> None:
                await released.wait()
                logger.info("from the task")

            task = asyncio.create_task(long_lived())
            working_on["session_id"] = 2
            with bound(client_order_id="ds1abcd-CE0"):
                logger.info("inside bound")
                working_on["session_id"] = 3
                logger.info("still inside bound")
                bind(order_id="o-1")
                logger.info("after bind")
        logger.info("after the view")
        released.set()
        await task
    inside, still, after_bind, outside, from_task = lines
    assert (inside["session_id"], inside["client_order_id"]) == (2, "ds1abcd-CE0")
    assert still["session_id"] == 2  # `bound` copied the view's value when its block began
    assert after_bind["order_id"] == "o-1"
    assert not {"session_id", "order_id", "client_order_id"} & outside.keys()
    assert from_task["session_id"] == 3  # the task reads the view it was started under, as it is now
