"""`DeltaMarketData` reading one product's settlement from a hand-written Delta (`httpx.MockTransport`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.exchange.delta.market_data import DeltaMarketData
from delta_strangle.exchange.delta.rest import DeltaRestClient
from delta_strangle.exchange.delta.wire import WireError
from delta_strangle.exchange.errors import NotFoundError

from .conftest import FIXTURES

SYMBOL = "C-BTC-30900-190723"


def expired_call() -> dict[str, Any]:
    recorded = (FIXTURES / "rest/get_products_states_expired__global_ccxt_2023_btc_call.json").read_text()
    [product] = json.loads(recorded)["result"]
    return dict(product)


def market_data(clock: ReplayClock, answers: dict[str, httpx.Response], asked: list[str]) -> DeltaMarketData:
    def delta(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return answers.get(request.url.path) or httpx.Response(
            404, json={"success": False, "error": {"code": "not_found"}}
        )

    rest = DeltaRestClient(base_url="https://api.india.delta.exchange", user_agent="delta-strangle/test", clock=clock,
                           transport=httpx.MockTransport(delta))
    return DeltaMarketData(rest=rest, public_ws_url="ws://unused", user_agent="delta-strangle/test", clock=clock)


async def test_a_product_settlement_is_read_from_the_product_by_its_symbol(clock: ReplayClock) -> None:
    asked: list[str] = []
    answer = httpx.Response(200, json={"success": True, "result": expired_call()})
    data = market_data(clock, {f"/v2/products/{SYMBOL}": answer}, asked)
    settlement = await data.get_product_settlement(SYMBOL)
    assert asked == [f"/v2/products/{SYMBOL}"]
    assert settlement.is_published
    assert settlement.settlement_price == Decimal("0")
    assert settlement.settlement_index_price == Decimal("29993.536675710806")


async def test_a_product_still_live_has_no_settlement_price_yet(clock: ReplayClock) -> None:
    live = {**expired_call(), "state": "live", "settlement_price": None, "product_specs": {}}
    answer = httpx.Response(200, json={"success": True, "result": live})
    settlement = await market_data(clock, {f"/v2/products/{SYMBOL}": answer}, []).get_product_settlement(SYMBOL)
    assert settlement.state == "live"
    assert settlement.settlement_price is None
    assert not settlement.is_published


async def test_an_unknown_symbol_is_a_not_found_error_that_names_it(clock: ReplayClock) -> None:
    with pytest.raises(NotFoundError, match="C-BTC-1-010199") as raised:
        await market_data(clock, {}, []).get_product_settlement("C-BTC-1-010199")
    assert raised.value.code == "not_found"


async def test_an_answer_about_another_product_is_refused(clock: ReplayClock) -> None:
    answer = httpx.Response(200, json={"success": True, "result": expired_call()})
    data = market_data(clock, {"/v2/products/P-BTC-30900-190723": answer}, [])
    with pytest.raises(WireError, match=SYMBOL):
        await data.get_product_settlement("P-BTC-30900-190723")

