"""Working one leg: a child order whose cancel is never confirmed is the last one sent for that leg."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from delta_strangle.domain.config import ExecutionConfig
from delta_strangle.domain.orders import Order, OrderRequest, Side
from delta_strangle.domain.session import Arm, SessionState
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.errors import TransientError
from tests.engine.harness import build_harness, profile


class PutCannotBeCancelled:
    """The simulator, except that the put's sales rest far from the market and cancelling them always times out."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner
        self.put_orders: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def place_order(self, request: OrderRequest) -> Order:
        if request.symbol.startswith("P-") and request.side is Side.SELL and request.limit_price is not None:
            order = await self.inner.place_order(request.model_copy(update={"limit_price": request.limit_price * 10}))
            self.put_orders.add(order.order_id)
            return order
        return await self.inner.place_order(request)

    async def cancel_order(self, product_id: int, order_id: str) -> Order:
        if order_id in self.put_orders:
            raise TransientError("gateway timeout while cancelling")
        return await self.inner.cancel_order(product_id, order_id)


async def test_an_unconfirmed_cancel_stops_the_leg_and_halts_instead_of_sending_the_next_child(tmp_path: Path) -> None:
    # The predecessor took any answer to its cancel as confirmation and sent the next attempt: overfill risk.
    execution = ExecutionConfig(limit_attempts=3, attempt_seconds=5, legging_timeout_seconds=600,
                                max_slippage_pct=Decimal(50), market_fallback=False)
    h = await build_harness(tmp_path, wrap=PutCannotBeCancelled)
    try:
        await h.engine.arm(Arm(config=profile(execution=execution), enter_now=True))
        await h.run_until(lambda: h.state() in {"live", "done", "halted"} and not h.engine.job_active,
                          max_seconds=600)
        session = h.engine.session
        assert session is not None
        assert session.state is SessionState.HALTED
        assert (session.halt_reason or "").startswith("entry orders in an unknown state")
        intents = await h.store.intents(session.id)
        put_sales = [i for i in intents if i.symbol.startswith("P-") and i.purpose.value == "entry"]
        assert len(put_sales) == 1  # no second child while the first may still be live on the exchange
        [resting] = [o for o in h.exchange.account.orders.values() if o.symbol.startswith("P-")]
        assert resting.is_open  # and indeed it is: the halt says so instead of assuming it gone
    finally:
        await h.close()
