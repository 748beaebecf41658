"""Entry and exit jobs when one side will not trade: the other leg is never left working alone, nothing is hidden."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from delta_strangle.domain.config import ExecutionConfig
from delta_strangle.domain.orders import Order, OrderRequest, Side
from delta_strangle.domain.session import Arm, Disarm, SessionState, StopMode
from delta_strangle.engine.runtime import build_snapshot
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import OrderRejectedError
from delta_strangle.store.db import create_session_factory
from delta_strangle.store.session_queries import session_detail
from tests.engine.harness import Harness, build_harness, profile


class Wrapped:
    """The simulator behind a test's hand on `place_order`."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class PutSalesRestFarAway(Wrapped):
    """Every sale of the put is priced at ten times its limit, so it rests and never fills."""

    async def place_order(self, request: OrderRequest) -> Order:
        if request.symbol.startswith("P-") and request.side is Side.SELL and request.limit_price is not None:
            request = request.model_copy(update={"limit_price": request.limit_price * 10})
        return await self.inner.place_order(request)


class RefusesBuyBacks(Wrapped):
    """Once `refusing` is set, every buy is rejected, as a venue without liquidity or in cancel-only mode would."""

    refusing = False

    async def place_order(self, request: OrderRequest) -> Order:
        if self.refusing and request.side is Side.BUY:
            raise OrderRejectedError("refused by the test", code="test_refused")
        return await self.inner.place_order(request)


async def _events(h: Harness, session_id: int) -> list[Any]:
    async with create_session_factory(h.db)() as db:
        detail = await session_detail(db, session_id)
    assert detail is not None
    return list(detail["events"])


async def test_a_leg_that_does_not_fill_within_the_legging_timeout_is_given_up_and_the_sold_leg_bought_back(
    tmp_path: Path,
) -> None:
    # One child per leg at the touch: the call sells at once; the put's child would rest for 120 s.
    execution = ExecutionConfig(limit_attempts=1, attempt_seconds=120, legging_timeout_seconds=20,
                                max_slippage_pct=Decimal(50), market_fallback=False)
    h = await build_harness(tmp_path, wrap=PutSalesRestFarAway)
    try:
        await h.engine.arm(Arm(config=profile(execution=execution), enter_now=True))
        await h.run_until(lambda: h.engine.last_session is not None and not h.engine.job_active, max_seconds=600)
        session = h.engine.last_session
        assert session.state is SessionState.DONE
        assert session.exit_reason == "legging_unwind"
        assert session.started_at is not None
        assert session.ended_at is not None
        assert (session.ended_at - session.started_at).total_seconds() < 120  # cut at the legging timeout
        intents = await h.store.intents(session.id)
        put_sales = [i for i in intents if i.symbol.startswith("P-") and i.purpose.value == "entry"]
        assert [(i.exchange_state, i.filled_size) for i in put_sales] == [("cancelled", 0)]
        alerts = [e for e in await _events(h, session.id) if e.kind == "legging_unwind"]
        assert len(alerts) == 1
        assert alerts[0].level == "error"
        assert alerts[0].details["alert"] is True
        assert alerts[0].details["filled"] == {"call": 2, "put": 0}
        assert all(size == 0 for size in session.sizes.values())
        assert [p for p in await h.exchange.list_positions(session.product_ids) if p.size != 0] == []
    finally:
        await h.close()


async def test_a_buy_back_the_exchange_keeps_refusing_halts_with_the_open_legs_still_on_the_books(
    tmp_path: Path,
) -> None:
    # The predecessor logged failed closes and then booked the legs closed at the mark.
    gates: list[RefusesBuyBacks] = []

    def wrap(sim: Exchange) -> Any:
        gates.append(RefusesBuyBacks(sim))
        return gates[0]

    h = await build_harness(tmp_path, wrap=wrap)
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        gates[0].refusing = True
        await h.until_awaited(h.engine.disarm(Disarm(mode=StopMode.FLATTEN)))
        await h.run_until(lambda: h.state() == "halted", max_seconds=600)
        session = h.engine.session
        assert session is not None
        assert (session.halt_reason or "").startswith("exit incomplete")
        assert session.ended_at is None
        assert set(session.sizes.values()) == {-2}
        assert await h.positions() == session.sizes  # the journal still shows exactly what the exchange holds
        halted = [alert for alert in build_snapshot(h.engine).alerts if alert.code == "halted"]
        assert len(halted) == 1
        assert halted[0].details["engine"] == session.sizes
    finally:
        await h.close()


async def test_an_unexpected_failure_on_one_leg_stops_the_other_legs_orders_before_the_session_halts(
    tmp_path: Path,
) -> None:
    h = await build_harness(tmp_path)
    record_intent = h.store.record_intent

    async def disk_fails_for_the_put(intent: Any, session: Any = None) -> int:
        if intent.symbol.startswith("P-"):
            raise sqlite3.OperationalError("disk I/O error")
        return await record_intent(intent, session)

    h.store.record_intent = disk_fails_for_the_put  # type: ignore[method-assign]
    try:
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "halted", max_seconds=120)
        session = h.engine.session
        assert session is not None
        assert "internal error" in (session.halt_reason or "")
        orders_at_halt = len(h.exchange.account.orders)
        await h.settle(120)
        assert len(h.exchange.account.orders) == orders_at_halt  # a halted session trades nothing more
        assert not any(order.is_open for order in h.exchange.account.orders.values())
        assert session.halt_views["journal"] == session.sizes  # what the halt showed is still what is held
        assert await h.positions() == {symbol: size for symbol, size in session.sizes.items() if size}
    finally:
        await h.close()
