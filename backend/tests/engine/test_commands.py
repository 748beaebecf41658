"""Operator commands: what each does to the session, and that a refused one changes nothing."""

from pathlib import Path

import pytest

from delta_strangle.domain.instruments import OptionKind, Underlying
from delta_strangle.domain.orders import OrderRequest, OrderType, Side, TimeInForce
from delta_strangle.domain.session import Arm, Disarm, SessionState
from delta_strangle.engine.commands import CommandRefusedError
from tests.engine.harness import build_harness, profile


async def test_a_stop_without_a_mode_while_live_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    h = await build_harness(tmp_path)
    try:
        await h.engine.arm(Arm(config=profile()))
        await h.run_until(lambda: h.state() == "live", max_seconds=7200)
        with pytest.raises(CommandRefusedError, match="choose keep_monitoring or flatten"):
            await h.engine.disarm(Disarm())
        session = h.engine.session
        assert session is not None
        assert session.state is SessionState.LIVE
        assert session.rearm is True  # the refused stop did not quietly disarm the next cycle
    finally:
        await h.close()


async def test_a_position_on_another_product_neither_blocks_entry_nor_is_touched_by_panic(tmp_path: Path) -> None:
    # The predecessor adopted every open position on the account and bought all of them back at exit.
    h = await build_harness(tmp_path)
    try:
        contracts = await h.exchange.list_option_contracts(Underlying.BTC)
        expiry = min(c.expiry for c in contracts)
        manual = next(c for c in contracts if c.expiry == expiry and c.kind is OptionKind.CALL and c.strike == 95000)
        await h.exchange.place_order(OrderRequest(product_id=manual.product_id, symbol=manual.symbol, side=Side.SELL,
                                                  size=1, order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC))
        await h.engine.arm(Arm(config=profile(), enter_now=True))
        await h.run_until(lambda: h.state() == "live", max_seconds=600)
        session = h.engine.session
        assert session is not None
        assert manual.product_id not in session.product_ids
        result = await h.until_awaited(h.engine.panic())
        assert result.status == "stopped"
        assert [p for p in await h.exchange.list_positions(session.product_ids) if p.size != 0] == []
        assert [p.size for p in await h.exchange.list_positions([manual.product_id])] == [-1]
    finally:
        await h.close()
