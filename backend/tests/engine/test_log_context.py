"""Every line the engine writes about a session names its strategy profile, the session and the mode.

Real cycles on the simulator, captured as the real JSON formatter writes them. The exchange is wrapped to
write one line per call, as the Delta adapter does for each REST request, so lines come from every task the
engine runs (loop, clock, jobs, order work, streams), not only from its journaled events.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import time
from pathlib import Path
from typing import Any

from delta_strangle.domain.config import ScheduleConfig
from delta_strangle.domain.market import Quote
from delta_strangle.domain.session import Arm, Disarm, StopMode
from delta_strangle.exchange.base import Exchange
from tests.engine.harness import ChainReadFails, build_harness, profile
from tests.logs.capture import json_lines

call_logger = logging.getLogger("tests.exchange_calls")
DAILY = ScheduleConfig(entry_time=time(9, 30), latest_entry_time=time(9, 32), exit_time=time(9, 38))


class CallLogging:
    """The simulator, writing a line for every call (before it is answered) and noting each order it places."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner
        self.placed: dict[str, str] = {}  # exchange order id -> our client order id

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            asked = {"get_order": lambda: args[0], "cancel_order": lambda: args[1]}.get(name, lambda: None)()
            request_cid = args[0].client_order_id if name == "place_order" else None
            call_logger.info("exchange %s", name, extra={"event": "exchange_call", "call": name,
                                                          "asked_order_id": asked, "request_cid": request_cid})
            result = await attr(*args, **kwargs)
            if name == "place_order":
                self.placed[result.order_id] = result.client_order_id
            return result

        return call


def _named(line: dict[str, Any]) -> tuple[Any, Any, Any]:
    return line.get("strategy_id"), line.get("session_id"), line.get("mode")


async def test_every_line_of_consecutive_sessions_names_its_own_strategy_session_and_mode(tmp_path: Path) -> None:
    h = await build_harness(tmp_path, wrap=CallLogging)
    try:
        with json_lines() as lines:
            # Profile 7 runs a daily cycle to its exit time; the engine arms its next one at once, which is stopped.
            await h.engine.arm(Arm(config=profile(schedule=DAILY), profile_id=7))
            await h.run_until(lambda: h.engine.last_session is not None, max_seconds=3600)
            first, following = h.engine.last_session, h.engine.session
            assert first is not None
            assert following is not None
            await h.engine.disarm(Disarm())
            # Then profile 8 enters at once and is stopped with flatten.
            await h.engine.arm(Arm(config=profile(), profile_id=8, enter_now=True))
            await h.run_until(lambda: h.state() == "live", max_seconds=600)
            third = h.engine.session
            assert third is not None
            await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
            await h.run_until(lambda: h.engine.session is None, max_seconds=600)
    finally:
        await h.close()

    expected = {first.id: ("7", first.id, "sim"), following.id: ("7", following.id, "sim"),
                third.id: ("8", third.id, "sim")}
    assert len(expected) == 3
    for line in lines:
        assert line.get("session_id") in expected, line  # nothing was written without its session
        assert _named(line) == expected[line["session_id"]], line
    # Each session's lines come after every line of the session before it: no line names a session the engine left.
    order = [line["session_id"] for line in lines]
    assert order == sorted(order, key=[first.id, following.id, third.id].index)
    for session in (first, following, third):
        events = {line["event"] for line in lines if line["session_id"] == session.id}
        assert {"armed", "state_changed"} <= events
    for session, traded in ((first, {"strangle_selected", "exit_triggered"}), (third, {"strangle_selected"})):
        own = [line for line in lines if line["session_id"] == session.id]
        assert traded <= {line["event"] for line in own}
        assert any(line["event"] == "exchange_call" and line["payload"]["call"] == "place_order" for line in own)


async def test_every_line_written_while_an_order_is_worked_names_that_order(tmp_path: Path) -> None:
    h = await build_harness(tmp_path, wrap=CallLogging)
    calls: CallLogging = h.traded  # type: ignore[assignment]
    try:
        with json_lines() as lines:
            await h.engine.arm(Arm(config=profile(), profile_id=7, enter_now=True))
            await h.run_until(lambda: h.state() == "live", max_seconds=600)
        session = h.engine.session
        assert session is not None
    finally:
        await h.close()

    exchange_lines = [line for line in lines if line["event"] == "exchange_call"]
    by_call = {call: [line for line in exchange_lines if line["payload"]["call"] == call]
               for call in ("place_order", "get_order", "cancel_order", "list_option_contracts")}
    assert by_call["place_order"]
    assert by_call["list_option_contracts"]
    for line in by_call["place_order"]:
        assert line["client_order_id"] == line["payload"]["request_cid"]
        assert "order_id" not in line  # the exchange has not named it yet
    asked = by_call["get_order"] + by_call["cancel_order"]
    assert asked, "no order was polled or cancelled: the entry filled every child at once"
    for line in asked:
        order_id = line["payload"]["asked_order_id"]
        assert line["order_id"] == order_id
        assert line["client_order_id"] == calls.placed[order_id]
    for line in by_call["list_option_contracts"]:  # choosing the strangle is not order work
        assert not {"client_order_id", "order_id"} & line.keys()
        assert _named(line) == ("7", session.id, "sim")


class DropsStreams:
    """The simulator, except that the account stream fails when first opened and the quote stream drops once."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner
        self.account_opens = 0
        self.quote_opens = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def stream_account_events(self) -> AsyncIterator[Any]:
        self.account_opens += 1
        if self.account_opens == 1:
            raise ConnectionError("private socket refused")
        async for event in self.inner.stream_account_events():
            yield event

    async def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Quote]:
        self.quote_opens += 1
        async for quote in self.inner.stream_quotes(symbols):
            yield quote
            if self.quote_opens == 1:
                raise ConnectionError("public socket dropped")


async def test_a_lost_stream_names_the_session_it_interrupts_and_only_the_mode_while_no_session_is_open(
    tmp_path: Path,
) -> None:
    with json_lines() as lines:
        h = await build_harness(tmp_path, wrap=DropsStreams)
        drops: DropsStreams = h.traded  # type: ignore[assignment]
        try:
            await h.turn_until(lambda: any(line["event"] == "account_stream_lost" for line in lines))
            await h.engine.arm(Arm(config=profile(), profile_id=7, enter_now=True))
            await h.run_until(lambda: h.state() == "live" and drops.quote_opens >= 2, max_seconds=600)
            session = h.engine.session
            assert session is not None
        finally:
            await h.close()
    [idle] = [line for line in lines if line["event"] == "account_stream_lost"]
    assert idle["mode"] == "sim"
    assert not {"session_id", "strategy_id"} & idle.keys()
    [lost] = [line for line in lines if line["event"] == "quote_stream_lost"]
    assert _named(lost) == ("7", session.id, "sim")
    assert lost["payload"]["error"] == "public socket dropped"


async def test_an_error_in_the_engine_loop_is_logged_with_the_session_it_broke(tmp_path: Path) -> None:
    h = await build_harness(tmp_path, wrap=ChainReadFails)
    try:
        with json_lines() as lines:
            await h.engine.arm(Arm(config=profile(), profile_id=7, enter_now=True))
            await h.run_until(lambda: h.state() == "halted", max_seconds=120)
        session = h.engine.session
        assert session is not None
    finally:
        await h.close()
    [error] = [line for line in lines if line["event"] == "engine_loop_error"]
    assert _named(error) == ("7", session.id, "sim")
    assert error["level"] == "ERROR"
    assert "unexpected failure inside strike selection" in error["exception"]
    [halted] = [line for line in lines if line["event"] == "halted"]
    assert _named(halted) == ("7", session.id, "sim")


async def test_recovery_after_a_restart_names_the_session_it_reconciles(tmp_path: Path) -> None:
    h = await build_harness(tmp_path, wrap=CallLogging)
    try:
        await h.engine.arm(Arm(config=profile(), profile_id=7, enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        session = h.engine.session
        assert session is not None
        with json_lines() as lines:
            await h.restart_engine()  # from the test's own task: the engine names the session all the same
            await h.settle(5)
    finally:
        await h.close()
    assert {"recovery_started", "resumed"} <= {line["event"] for line in lines}
    assert any(line["event"] == "exchange_call" and line["payload"]["call"] == "list_positions" for line in lines)
    for line in lines:
        assert _named(line) == ("7", session.id, "sim"), line

