"""A stop that meets an entry on its last order, with the interleaving forced (no timing involved).

The put's sell order is held at the exchange's door: in one case it has filled and only its answer is held
(the entry completes under the stop's feet), in the other it is refused once released (the entry cannot
complete). The stop is delivered while the answer is held, so it always reaches the engine first. Whatever
mode the operator chose, a stop during entry ends flat: the entry is aborted and anything filled bought back,
or, when the entry completed anyway, both legs are flattened (`exiting`). It never reports an unwind that
did not happen while the session stays live.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from delta_strangle.domain.config import ExecutionConfig
from delta_strangle.domain.orders import Order, OrderRequest, Side
from delta_strangle.domain.session import OPERATOR_STOP, Arm, Disarm, SessionState, StopMode
from delta_strangle.exchange.errors import OrderRejectedError
from delta_strangle.exchange.sim.exchange import SimulatedExchange
from tests.engine.harness import Harness, build_harness, profile

# One child per leg, priced at the far touch: each sell fills the moment it reaches the book.
CROSSING = ExecutionConfig(limit_attempts=1, attempt_seconds=10, legging_timeout_seconds=60,
                           max_slippage_pct=Decimal(50), market_fallback=False)
STOP_MODES = [StopMode.FLATTEN, StopMode.KEEP_MONITORING, None]


def _is_put_sale(request: OrderRequest) -> bool:
    return request.symbol.startswith("P-") and request.side is Side.SELL


class HeldAnswer:
    """An exchange in front of the simulator that holds the first put sale until the test releases it.

    `fills`: the order reaches the book (and fills) and only the answer waits; otherwise it waits at the door
    and is then refused, as if the exchange had rejected it.
    """

    def __init__(self, inner: SimulatedExchange, *, fills: bool) -> None:
        self.inner, self.fills = inner, fills
        self.holding, self.release = asyncio.Event(), asyncio.Event()
        self._used = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def stream_quotes(self, symbols: Sequence[str]) -> AsyncIterator[Any]:
        return self.inner.stream_quotes(symbols)

    def stream_account_events(self) -> AsyncIterator[Any]:
        return self.inner.stream_account_events()

    async def place_order(self, request: OrderRequest) -> Order:
        if self._used or not _is_put_sale(request):
            return await self.inner.place_order(request)
        self._used = True
        order = await self.inner.place_order(request) if self.fills else None
        self.holding.set()
        await self.release.wait()
        if order is None:
            raise OrderRejectedError("held and refused by the test", code="test_refused")
        return order


async def _entry_held_on_the_put(tmp_path: Path, *, fills: bool) -> tuple[Harness, HeldAnswer]:
    gates: list[HeldAnswer] = []

    def wrap(exchange: SimulatedExchange) -> HeldAnswer:
        gates.append(HeldAnswer(exchange, fills=fills))
        return gates[0]

    h = await build_harness(tmp_path, wrap=wrap)
    gate = gates[0]
    await h.engine.arm(Arm(config=profile(execution=CROSSING), enter_now=True))

    def call_sold_and_put_held() -> bool:
        session = h.engine.session
        call = next((leg for leg in session.legs.values() if leg.symbol.startswith("C-")), None) if session else None
        return gate.holding.is_set() and call is not None and call.position.size == -call.target_size

    await h.run_until(call_sold_and_put_held, max_seconds=120)
    assert h.state() == "entering"
    return h, gate


async def _deliver_stop(h: Harness, gate: HeldAnswer, mode: StopMode | None) -> asyncio.Future[Any]:
    """Send the stop and wait until it has reached the engine and aborted the entry job; then release the put."""
    stop = asyncio.ensure_future(h.engine.disarm(Disarm(mode=mode)))
    await h.turn_until(lambda: h.engine.abort_reason == OPERATOR_STOP)
    assert h.state() == "entering"  # the entry has not finished: the stop is first
    gate.release.set()
    return stop


async def _ended_flat_with_both_legs_bought_back(h: Harness) -> None:
    await h.run_until(lambda: h.engine.last_session is not None and not h.engine.job_active, max_seconds=600)
    session = h.engine.last_session
    assert session is not None
    assert session.state is SessionState.DONE
    assert session.exit_reason == OPERATOR_STOP
    assert h.engine.session is None  # stopped: no next cycle is armed
    assert all(size == 0 for size in session.sizes.values())
    assert [p for p in await h.exchange.list_positions(session.product_ids) if p.size != 0] == []
    net: dict[str, int] = {}
    for fill in await h.store.fills(session.id):  # what the journal holds, fill by fill
        net[fill.symbol] = net.get(fill.symbol, 0) + (fill.size if fill.side is Side.BUY else -fill.size)
    assert set(net.values()) == {0}


@pytest.mark.parametrize("mode", STOP_MODES, ids=lambda m: m.value if m else "no_mode")
async def test_a_stop_that_arrives_as_the_entry_completes_flattens_both_legs(tmp_path: Path,
                                                                               mode: StopMode | None) -> None:
    h, gate = await _entry_held_on_the_put(tmp_path, fills=True)
    try:
        stop = await _deliver_stop(h, gate, mode)
        result = await h.until_awaited(stop)
        assert result.status == "exiting", result.message
        await _ended_flat_with_both_legs_bought_back(h)
        fills = await h.store.fills(h.engine.last_session.id)
        assert {f.symbol[0] for f in fills if f.side is Side.BUY} == {"C", "P"}
    finally:
        await h.close()


@pytest.mark.parametrize("mode", STOP_MODES, ids=lambda m: m.value if m else "no_mode")
async def test_a_stop_that_arrives_before_the_last_leg_fills_unwinds_the_filled_leg(tmp_path: Path,
                                                                                    mode: StopMode | None) -> None:
    h, gate = await _entry_held_on_the_put(tmp_path, fills=False)
    try:
        stop = await _deliver_stop(h, gate, mode)
        result = await h.until_awaited(stop)
        assert result.status == "stopped", result.message
        assert "bought back" in result.message
        await _ended_flat_with_both_legs_bought_back(h)
        fills = await h.store.fills(h.engine.last_session.id)
        assert {f.symbol[0] for f in fills} == {"C"}  # the put never sold; the call was bought back
    finally:
        await h.close()

