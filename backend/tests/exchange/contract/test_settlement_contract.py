"""The Delta client's settlement read against the simulator's Delta-protocol server: both sides agree.

The server answers `GET /v2/products/{symbol}` for a product it settled the way Delta does (`state: "expired"`,
`settlement_price` what one unit settled at, "0" out of the money, and the index TWAP in
`product_specs.settlement_index_price`), and `DeltaMarketData.get_product_settlement` reads back exactly the
prices the simulator settled positions at.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from tests.exchange.sim.builders import START, small_config

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.delta.market_data import DeltaMarketData
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.errors import NotFoundError
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.product import SimProduct
from delta_strangle.exchange.sim.server.app import create_sim_app


@pytest.fixture
async def served() -> AsyncIterator[tuple[SimulatedExchangeCore, DeltaMarketData, ReplayClock]]:
    clock = ReplayClock(START)
    core = build_core(small_config(), START)
    app = create_sim_app(core, clock, drive=False)
    rest = DeltaRestClient(base_url="http://sim", user_agent="delta-strangle-contract-tests", clock=clock,
                           transport=httpx.ASGITransport(app=app))  # type: ignore[arg-type]
    yield core, DeltaMarketData(rest=rest, public_ws_url="ws://unused", user_agent="t", clock=clock), clock
    await rest.aclose()


def first_expiry_calls(core: SimulatedExchangeCore) -> list[SimProduct]:
    calls = [p for p in core.market.products() if p.contract_type == "call_options"]
    first = min(p.settlement_time for p in calls)
    return sorted((p for p in calls if p.settlement_time == first), key=lambda p: p.strike)


async def test_a_live_product_reads_as_live_with_no_settlement_price(
    served: tuple[SimulatedExchangeCore, DeltaMarketData, ReplayClock],
) -> None:
    core, data, _ = served
    product = first_expiry_calls(core)[0]
    settlement = await data.get_product_settlement(product.symbol)
    assert (settlement.product_id, settlement.state) == (product.id, "live")
    assert (settlement.settlement_price, settlement.settlement_index_price) == (None, None)
    assert not settlement.is_published


async def test_a_product_the_simulator_settled_reads_back_at_the_prices_it_settled_at(
    served: tuple[SimulatedExchangeCore, DeltaMarketData, ReplayClock],
) -> None:
    core, data, clock = served
    calls = first_expiry_calls(core)
    deep_in, far_out = calls[0], calls[-1]  # strikes 8 000 below and above a 95 000 index on a 6-hour walk
    await clock.advance((deep_in.settlement_time - START).total_seconds() + 60)

    settled_in = await data.get_product_settlement(deep_in.symbol)
    settled_out = await data.get_product_settlement(far_out.symbol)

    index = deep_in.settlement_price
    assert index is not None
    assert deep_in.state == "expired"
    assert settled_in.state == settled_out.state == "expired"
    assert settled_in.settlement_index_price == settled_out.settlement_index_price == index
    assert settled_in.settlement_price == index - deep_in.strike == deep_in.settlement_value()
    assert settled_out.settlement_price == Decimal(0) == far_out.settlement_value()
    assert settled_in.is_published
    assert settled_out.is_published


async def test_an_unknown_symbol_is_not_found_on_both_sides(
    served: tuple[SimulatedExchangeCore, DeltaMarketData, ReplayClock],
) -> None:
    _, data, _ = served
    with pytest.raises(NotFoundError, match="C-BTC-1000-010199"):
        await data.get_product_settlement("C-BTC-1000-010199")
