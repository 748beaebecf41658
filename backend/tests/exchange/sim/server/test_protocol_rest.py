"""Pin every REST endpoint's JSON shape against the documented examples (field names and JSON types)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.exchange.sim.builders import nearest_product
from tests.exchange.sim.server.conftest import SignedClient
from tests.exchange.sim.server.shapes import load, shape_mismatches

from delta_strangle.exchange.sim.core import SimulatedExchangeCore

# Fields Delta documents that the simulator leaves null: no liquidation engine, no ADL queue.
NO_LIQUIDATION = frozenset({"$.result[].liquidation_price", "$.result[].bankruptcy_price", "$.result[].adl_level"})


def _assert_shape(actual: Any, fixture: str, **kwargs: Any) -> None:
    problems = shape_mismatches(actual, load(fixture), **kwargs)
    assert problems == [], f"{fixture}: {problems}"


@pytest.fixture
async def traded(signed: SignedClient, core: SimulatedExchangeCore) -> dict[str, Any]:
    """Sell more than the touch shows: one fill now, the rest resting (an open, partly filled order)."""
    product = nearest_product(core, "call_options", 1)
    ticker = core.ticker(product)
    response = await signed.request("POST", "/v2/orders", body={
        "product_id": product.id, "size": ticker.bid_size + 3, "side": "sell", "order_type": "limit_order",
        "limit_price": str(ticker.best_bid), "time_in_force": "gtc", "post_only": "false", "reduce_only": "false",
        "client_order_id": "proto-1"})
    assert response.status_code == 200, response.text
    return {"product": product, "order": response.json()}


async def test_products(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v2/products", params={"contract_types": "call_options,put_options"})).json()
    assert body["success"] is True
    assert set(body["meta"]) >= {"after", "before"}
    _assert_shape(body["result"][0], "rest/product_object__global_pr18675_2023-07_eth_call.partial.json")


async def test_product_by_symbol_and_by_id_are_the_same(http: httpx.AsyncClient, core: SimulatedExchangeCore) -> None:
    product = nearest_product(core)
    by_symbol = (await http.get(f"/v2/products/{product.symbol}")).json()["result"]
    by_id = (await http.get(f"/v2/products/{product.id}")).json()["result"]
    assert by_symbol == by_id
    assert by_symbol["contract_type"] == "call_options"
    assert by_symbol["contract_value"] == "0.001"


async def test_option_chain_tickers(http: httpx.AsyncClient, core: SimulatedExchangeCore) -> None:
    product = nearest_product(core)
    response = await http.get("/v2/tickers", params={
        "contract_types": "call_options,put_options", "underlying_asset_symbols": "BTC",
        "expiry_date": product.settlement_time.strftime("%d-%m-%Y")})
    body = response.json()
    _assert_shape(body, "rest/get_tickers__global_ccxt_2023_option_call.json")
    assert {t["contract_type"] for t in body["result"]} == {"call_options", "put_options"}
    assert all(t["symbol"].endswith(product.settlement_time.strftime("%d%m%y")) for t in body["result"])


async def test_one_ticker(http: httpx.AsyncClient, core: SimulatedExchangeCore) -> None:
    product = nearest_product(core)
    body = (await http.get(f"/v2/tickers/{product.symbol}")).json()
    # open/high/low/close are absent when nothing traded, as on Delta's own option tickers.
    ohlc = frozenset({"$.result.close", "$.result.open", "$.result.high", "$.result.low"})
    _assert_shape(body, "rest/get_ticker__global_ccxt_2023-07-20_option_call_C-BTC-29500-280723.json", absent=ohlc)
    assert isinstance(body["result"]["timestamp"], int)
    assert body["result"]["timestamp"] > 10**15  # microseconds


async def test_index_ticker(http: httpx.AsyncClient) -> None:
    body = (await http.get("/v2/tickers/.DEXBTUSD")).json()
    assert body["result"]["symbol"] == ".DEXBTUSD"
    assert float(body["result"]["spot_price"]) > 0


async def test_l2_orderbook(http: httpx.AsyncClient, core: SimulatedExchangeCore) -> None:
    body = (await http.get(f"/v2/l2orderbook/{nearest_product(core).symbol}")).json()
    _assert_shape(body, "rest/get_l2orderbook__india_docs_BTCUSD.json")


async def test_place_order(traded: dict[str, Any]) -> None:
    _assert_shape(traded["order"], "rest/post_orders__india_docs_open_partially_filled.json")
    assert traded["order"]["result"]["state"] == "open"


async def test_open_orders_order_by_id_and_by_client_id(signed: SignedClient, traded: dict[str, Any]) -> None:
    order_id = traded["order"]["result"]["id"]
    _assert_shape((await signed.request("GET", "/v2/orders", query="states=open")).json(),
                  "rest/get_orders__india_docs_open.json")
    by_id = (await signed.request("GET", f"/v2/orders/{order_id}")).json()
    _assert_shape(by_id, "rest/get_order__india_docs_open_partially_filled.json")
    by_client = (await signed.request("GET", "/v2/orders/client_order_id/proto-1")).json()
    assert by_client["result"]["id"] == order_id


async def test_cancel_then_history(signed: SignedClient, traded: dict[str, Any]) -> None:
    order = traded["order"]["result"]
    cancelled = (await signed.request("DELETE", "/v2/orders",
                                      body={"id": order["id"], "product_id": order["product_id"]})).json()
    _assert_shape(cancelled, "rest/delete_orders__india_docs.json")
    assert cancelled["result"]["cancellation_reason"] == "cancelled_by_user"
    history = (await signed.request("GET", "/v2/orders/history")).json()
    _assert_shape(history, "rest/get_orders_history__india_docs.json")
    again = await signed.request("DELETE", "/v2/orders", body={"id": order["id"], "product_id": order["product_id"]})
    _assert_shape(again.json(), "rest/errors/open_order_not_found__ccxt.json")


async def test_cancel_all(signed: SignedClient, traded: dict[str, Any]) -> None:
    body = (await signed.request("DELETE", "/v2/orders/all", body={})).json()
    _assert_shape(body, "rest/delete_orders_all__india_docs.json")
    assert (await signed.request("GET", "/v2/orders")).json()["result"] == []


async def test_fills(signed: SignedClient, traded: dict[str, Any]) -> None:
    body = (await signed.request("GET", "/v2/fills")).json()
    # Fill ids are hex strings on the live exchange though the schema says integer (delta-exchange-api.md §2.2).
    _assert_shape(body, "rest/get_fills__india_docs.json", absent=frozenset({"$.result[].id"}))
    assert isinstance(body["result"][0]["id"], str)


async def test_positions(signed: SignedClient, traded: dict[str, Any]) -> None:
    product_id = traded["product"].id
    one = (await signed.request("GET", "/v2/positions", query=f"product_id={product_id}")).json()
    _assert_shape(one, "rest/get_positions__india_docs.json")
    assert one["result"]["size"] < 0
    margined = (await signed.request("GET", "/v2/positions/margined")).json()
    _assert_shape(margined, "rest/get_positions_margined__india_docs.json", nullable=NO_LIQUIDATION)


async def test_wallet_and_quota(signed: SignedClient) -> None:
    _assert_shape((await signed.request("GET", "/v2/wallet/balances")).json(),
                  "rest/get_wallet_balances__india_docs.json")
    _assert_shape((await signed.request("GET", "/v2/rate_limits/quota")).json(), "rest/get_rate_limits_quota__docs.json")


async def test_order_errors(signed: SignedClient, core: SimulatedExchangeCore) -> None:
    product = nearest_product(core)
    bad = await signed.request("POST", "/v2/orders", body={"product_id": product.id, "side": "sell"})
    assert bad.status_code == 400
    _assert_shape(bad.json(), "rest/errors/bad_schema__ccxt.json")
    core.accounts[next(iter(core.accounts))].balance = 0 * core.accounts[next(iter(core.accounts))].balance
    poor = await signed.request("POST", "/v2/orders", body={
        "product_id": product.id, "size": 10, "side": "sell", "order_type": "limit_order",
        "limit_price": str(core.ticker(product).best_bid)})
    _assert_shape(poor.json(), "rest/errors/insufficient_margin__ccxt.json")


async def test_close_all_flattens_every_position_within_the_liquidity_at_the_touch(
    signed: SignedClient, traded: dict[str, Any]
) -> None:
    request = {"close_all_portfolio": True, "close_all_isolated": True, "user_id": 1}
    for _ in range(5):  # each close is a market IOC: it takes what the touch shows at this step
        body = (await signed.request("POST", "/v2/positions/close_all", body=request)).json()
        assert body == {"success": True, "result": {}}
        if not (await signed.request("GET", "/v2/positions/margined")).json()["result"]:
            break
        await signed.clock.advance(60)
    assert (await signed.request("GET", "/v2/positions/margined")).json()["result"] == []


async def test_deadman_heartbeat(signed: SignedClient) -> None:
    created = await signed.request("POST", "/v2/heartbeat/create", body={"heartbeat_id": "bot-1", "impact": "contracts"})
    assert created.status_code == 200
    ack = (await signed.request("POST", "/v2/heartbeat", body={"heartbeat_id": "bot-1", "ttl": 30000})).json()
    assert ack["result"]["process_enabled"] is True


async def test_pagination_cursors_walk_the_product_list(http: httpx.AsyncClient) -> None:
    first = (await http.get("/v2/products", params={"page_size": 5})).json()
    second = (await http.get("/v2/products", params={"page_size": 5, "after": first["meta"]["after"]})).json()
    assert len(first["result"]) == 5
    assert first["meta"]["before"] is None
    assert {p["id"] for p in first["result"]}.isdisjoint({p["id"] for p in second["result"]})
