from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from delta_strangle.clock import ReplayClock
from delta_strangle.domain.instruments import Underlying
from delta_strangle.domain.orders import OrderRequest, OrderState, Side
from delta_strangle.exchange.base import Exchange
from delta_strangle.exchange.delta import INDIA_PRODUCTION, INDIA_TESTNET, DeltaExchange, endpoints_for
from delta_strangle.exchange.delta.rest import NotSentError
from delta_strangle.exchange.errors import NotFoundError, RateLimitedError, UnknownOutcomeError

CALL = {
    "id": 101,
    "symbol": "C-BTC-95000-271126",
    "contract_type": "call_options",
    "strike_price": "95000",
    "settlement_time": "2026-11-27T12:00:00Z",
    "contract_value": "0.001",
    "tick_size": "0.5",
    "state": "live",
    "trading_status": "operational",
    "underlying_asset": {"symbol": "BTC"},
}
PUT = {**CALL, "id": 102, "symbol": "P-BTC-85000-271126", "contract_type": "put_options", "strike_price": "85000"}
OTHER_EXPIRY = {**CALL, "id": 103, "symbol": "C-BTC-95000-281126", "settlement_time": "2026-11-28T12:00:00Z"}
ETH = {**CALL, "id": 104, "symbol": "C-ETH-3000-271126", "underlying_asset": {"symbol": "ETH"}}


def order_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "id": 555,
        "product_id": 101,
        "product_symbol": "C-BTC-95000-271126",
        "size": 2,
        "unfilled_size": 2,
        "side": "sell",
        "order_type": "limit_order",
        "limit_price": "120",
        "time_in_force": "gtc",
        "state": "open",
        "client_order_id": "leg-1",
        "created_at": "2026-11-25T06:00:00Z",
    }
    return row | overrides


def ok(result: Any, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"success": True, "result": result, **extra})


class Routes:
    """A hand-written Delta: maps "METHOD /path" to a response (or a list of responses, served in order)."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        key = f"{request.method} {request.url.path}"
        reply = self.routes.get(key)
        if reply is None:
            return httpx.Response(404, json={"success": False, "error": {"code": "not_found"}})
        if isinstance(reply, list):
            reply = reply.pop(0) if len(reply) > 1 else reply[0]
        if isinstance(reply, Exception):
            raise reply
        return reply(request) if callable(reply) else reply

    def count(self, key: str) -> int:
        return sum(1 for r in self.calls if f"{r.method} {r.url.path}" == key)


def exchange(clock: ReplayClock, routes: Routes) -> DeltaExchange:
    return DeltaExchange(
        base_url="https://api.india.delta.exchange",
        public_ws_url="ws://unused",
        private_ws_url="ws://unused",
        user_agent="delta-strangle/test",
        clock=clock,
        api_key="k",
        api_secret="s",
        transport=httpx.MockTransport(routes),
    )


async def drive(clock: ReplayClock, coroutine: Any) -> Any:
    task = asyncio.ensure_future(coroutine)
    while not task.done():
        await clock.advance(0.5)
    return await task


def request(**overrides: Any) -> OrderRequest:
    fields: dict[str, Any] = {
        "product_id": 101,
        "symbol": "C-BTC-95000-271126",
        "side": Side.SELL,
        "size": 2,
        "limit_price": Decimal("120"),
        "client_order_id": "leg-1",
    }
    return OrderRequest(**(fields | overrides))


def test_delta_exchange_satisfies_the_exchange_protocol(clock: ReplayClock) -> None:
    assert isinstance(exchange(clock, Routes({})), Exchange)


def test_environments_are_india_production_and_india_testnet_only() -> None:
    assert endpoints_for("india-production") is INDIA_PRODUCTION
    assert INDIA_TESTNET.rest == "https://cdn-ind.testnet.deltaex.org"
    assert INDIA_PRODUCTION.public_ws == "wss://public-socket.india.delta.exchange"
    with pytest.raises(ValueError, match="unknown Delta environment"):
        endpoints_for("global-testnet")


async def test_contracts_are_filtered_by_underlying_and_expiry_across_pages(clock: ReplayClock) -> None:
    routes = Routes({"GET /v2/products": [ok([CALL, ETH], meta={"after": "p2"}), ok([PUT, OTHER_EXPIRY], meta={})]})
    contracts = await exchange(clock, routes).list_option_contracts(Underlying.BTC, date(2026, 11, 27))
    assert [c.symbol for c in contracts] == ["C-BTC-95000-271126", "P-BTC-85000-271126"]
    assert routes.calls[1].url.params["after"] == "p2"


async def test_chain_joins_products_with_tickers_of_that_expiry(clock: ReplayClock) -> None:
    ticker = {
        "symbol": "C-BTC-95000-271126",
        "product_id": 101,
        "spot_price": "90000.5",
        "mark_price": "120",
        "quotes": {"best_bid": "118", "best_ask": "122"},
        "greeks": {"delta": "0.2"},
        "timestamp": 1795000000000000,
    }
    routes = Routes({"GET /v2/products": ok([CALL, PUT]), "GET /v2/tickers": ok([ticker])})
    chain = await exchange(clock, routes).get_option_chain(Underlying.BTC, date(2026, 11, 27))
    assert chain.spot == Decimal("90000.5")
    assert len(chain.contracts) == 2
    assert chain.quotes["C-BTC-95000-271126"].mid == Decimal("120")
    params = routes.calls[1].url.params
    assert (params["underlying_asset_symbols"], params["expiry_date"]) == ("BTC", "27-11-2026")


async def test_spot_is_the_index_price_on_the_perpetual_ticker(clock: ReplayClock) -> None:
    routes = Routes({"GET /v2/tickers/BTCUSD": ok({"symbol": "BTCUSD", "spot_price": "90123.4", "timestamp": 1})})
    assert await exchange(clock, routes).get_spot(Underlying.BTC) == Decimal("90123.4")


async def test_place_order_sends_one_signed_post_and_returns_the_order(clock: ReplayClock) -> None:
    routes = Routes({"POST /v2/orders": ok(order_row())})
    order = await exchange(clock, routes).place_order(request())
    assert order.order_id == "555"
    body = json.loads(routes.calls[0].content)
    assert body["client_order_id"] == "leg-1"
    assert body["size"] == 2
    assert body["limit_price"] == "120"


async def test_order_without_client_id_gets_one_within_32_characters(clock: ReplayClock) -> None:
    routes = Routes({"POST /v2/orders": ok(order_row())})
    await exchange(clock, routes).place_order(request(client_order_id=None))
    assert 0 < len(json.loads(routes.calls[0].content)["client_order_id"]) <= 32


async def test_unknown_outcome_is_recovered_by_client_id_lookup_without_resending(clock: ReplayClock) -> None:
    routes = Routes(
        {
            "POST /v2/orders": httpx.Response(504, text="<html>Gateway Timeout</html>"),
            "GET /v2/orders/client_order_id/leg-1": ok(order_row()),
        }
    )
    order = await drive(clock, exchange(clock, routes).place_order(request()))
    assert order.client_order_id == "leg-1"
    assert routes.count("POST /v2/orders") == 1


async def test_order_not_found_after_an_unknown_outcome_raises_unknown_outcome(clock: ReplayClock) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    routes = Routes({"POST /v2/orders": timeout})
    with pytest.raises(UnknownOutcomeError) as caught:
        await drive(clock, exchange(clock, routes).place_order(request()))
    assert caught.value.client_order_id == "leg-1"
    assert routes.count("POST /v2/orders") == 1
    assert routes.count("GET /v2/orders/client_order_id/leg-1") == 3


async def test_connection_refused_order_is_reported_as_never_sent(clock: ReplayClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    routes = Routes({"POST /v2/orders": refuse})
    with pytest.raises(NotSentError):
        await exchange(clock, routes).place_order(request())
    assert routes.count("GET /v2/orders/client_order_id/leg-1") == 0


async def test_rate_limited_order_is_refused_without_lookup(clock: ReplayClock) -> None:
    routes = Routes({"POST /v2/orders": httpx.Response(429, headers={"X-RATE-LIMIT-RESET": "2000"})})
    with pytest.raises(RateLimitedError):
        await exchange(clock, routes).place_order(request())
    assert len(routes.calls) == 1


async def test_limit_price_off_the_tick_grid_is_rounded_to_the_passive_side(clock: ReplayClock) -> None:
    routes = Routes({"GET /v2/products": ok([CALL]), "POST /v2/orders": ok(order_row())})
    client = exchange(clock, routes)
    await client.list_option_contracts(Underlying.BTC)
    await client.place_order(request(limit_price=Decimal("120.3")))
    await client.place_order(request(limit_price=Decimal("120.3"), side=Side.BUY))
    sent = [json.loads(r.content)["limit_price"] for r in routes.calls if r.method == "POST"]
    assert sent == ["120.5", "120"]


async def test_cancelling_an_order_that_is_no_longer_open_raises_not_found(clock: ReplayClock) -> None:
    routes = Routes(
        {"DELETE /v2/orders": httpx.Response(400, json={"success": False, "error": {"code": "open_order_not_found"}})}
    )
    with pytest.raises(NotFoundError) as refused:
        await exchange(clock, routes).cancel_order(101, "555")
    assert refused.value.code == "open_order_not_found"
    assert json.loads(routes.calls[0].content) == {"id": 555, "product_id": 101}


async def test_cancel_retried_after_a_lost_answer_reports_the_order_it_already_cancelled(clock: ReplayClock) -> None:
    routes = Routes(
        {
            "DELETE /v2/orders": [
                httpx.Response(504, text="<html>504 Gateway Time-out</html>"),
                httpx.Response(400, json={"success": False, "error": {"code": "open_order_not_found"}}),
            ],
            "GET /v2/orders/555": ok(order_row(state="cancelled", cancellation_reason="cancelled_by_user")),
        }
    )
    client = exchange(clock, routes)
    cancelling = asyncio.ensure_future(client.cancel_order(101, "555"))
    async with asyncio.timeout(5):
        while not cancelling.done():
            await clock.advance(1)
    assert cancelling.result().state is OrderState.CANCELLED
    assert routes.count("DELETE /v2/orders") == 2


async def test_missing_client_order_id_lookup_gives_none(clock: ReplayClock) -> None:
    routes = Routes({})
    assert await exchange(clock, routes).find_order_by_client_id("nope") is None


async def test_order_without_symbol_is_named_from_the_product(clock: ReplayClock) -> None:
    row = order_row()
    del row["product_symbol"]
    routes = Routes({"GET /v2/orders/555": ok(row), "GET /v2/products/101": ok(CALL)})
    order = await exchange(clock, routes).get_order("555")
    assert order.symbol == "C-BTC-95000-271126"


async def test_open_orders_are_asked_in_chunks_of_ten_products(clock: ReplayClock) -> None:
    routes = Routes({"GET /v2/orders": ok([order_row()])})
    orders = await exchange(clock, routes).list_open_orders(list(range(1, 13)))
    assert len(orders) == 2
    assert [r.url.params["product_ids"].count(",") + 1 for r in routes.calls] == [10, 2]
    assert routes.calls[0].url.params["states"] == "open,pending"


async def test_fills_since_an_instant_come_oldest_first(clock: ReplayClock) -> None:
    def fill(fill_id: str, at: str) -> dict[str, Any]:
        return {
            "id": fill_id,
            "order_id": "555",
            "product_id": 101,
            "product_symbol": "C-BTC-95000-271126",
            "side": "sell",
            "size": 1,
            "price": "120",
            "commission": "0.01",
            "created_at": at,
        }

    since = datetime(2026, 11, 25, 5, tzinfo=UTC)
    routes = Routes(
        {
            "GET /v2/fills": [
                ok([fill("b", "2026-11-25T06:00:00Z")], meta={"after": "x"}),
                ok([fill("a", "2026-11-25T05:30:00Z"), fill("old", "2026-11-25T04:00:00Z")]),
            ]
        }
    )
    fills = await exchange(clock, routes).list_fills(since, [101])
    assert [f.fill_id for f in fills] == ["a", "b"]
    assert routes.calls[0].url.params["start_time"] == str(int(since.timestamp() * 1_000_000))


async def test_positions_come_from_the_real_time_endpoint_and_omit_flat_ones(clock: ReplayClock) -> None:
    def position(request: httpx.Request) -> httpx.Response:
        size = -2 if request.url.params["product_id"] == "101" else 0
        return ok({"size": size, "entry_price": "120", "timestamp": 1})

    routes = Routes({"GET /v2/positions": position, "GET /v2/products/101": ok(CALL)})
    [held] = await exchange(clock, routes).list_positions([101, 102])
    assert (held.product_id, held.symbol, held.size) == (101, "C-BTC-95000-271126", -2)


async def test_close_positions_buys_back_shorts_reduce_only(clock: ReplayClock) -> None:
    routes = Routes(
        {
            "GET /v2/positions": ok({"size": -2, "entry_price": "120", "product_symbol": "C-BTC-95000-271126"}),
            "POST /v2/orders": ok(order_row(side="buy", order_type="market_order", state="closed", unfilled_size=0)),
        }
    )
    [order] = await exchange(clock, routes).close_positions([101])
    body = json.loads(routes.calls[1].content)
    assert (body["side"], body["size"], body["reduce_only"], body["order_type"]) == ("buy", 2, "true", "market_order")
    assert order.state is OrderState.CLOSED


async def test_cancel_all_names_each_product_and_never_the_whole_account(clock: ReplayClock) -> None:
    routes = Routes({"DELETE /v2/orders/all": ok({})})
    await exchange(clock, routes).cancel_all_orders([102, 101, 101])
    assert [json.loads(r.content)["product_id"] for r in routes.calls] == [101, 102]


async def test_heartbeat_creates_the_deadman_switch_once_then_refreshes_it(clock: ReplayClock) -> None:
    routes = Routes({"POST /v2/heartbeat/create": ok({}), "POST /v2/heartbeat": ok({"process_enabled": "true"})})
    client = exchange(clock, routes)
    await client.heartbeat(30)
    await client.heartbeat(30)
    assert routes.count("POST /v2/heartbeat/create") == 1
    assert json.loads(routes.calls[-1].content) == {"heartbeat_id": "delta-strangle", "ttl": 30000}


async def test_wallet_balance_reads_the_usd_row(clock: ReplayClock) -> None:
    routes = Routes(
        {"GET /v2/wallet/balances": ok([{"asset_symbol": "USD", "balance": "100", "available_balance": "90"}])}
    )
    wallet = await exchange(clock, routes).get_wallet_balance()
    assert wallet.available_balance == Decimal("90")


async def test_private_frames_become_orders_fills_and_positions(clock: ReplayClock) -> None:
    routes = Routes({"GET /v2/products": ok([CALL])})
    client = exchange(clock, routes)
    await client.list_option_contracts(Underlying.BTC)
    parse: Callable[[dict[str, Any]], Any] = client.account.parse
    [order] = await parse(
        {"type": "orders", "action": "update", **order_row(), "order_id": 9, "timestamp": 1795000000000000}
    )
    assert order.order_id == "555"
    [fill] = await parse(
        {
            "type": "v2/user_trades",
            "sy": "C-BTC-95000-271126",
            "f": "f1",
            "o": 555,
            "S": "sell",
            "s": 1,
            "p": "120",
            "t": 1795000000000000,
        }
    )
    assert fill.product_id == 101
    [position] = await parse(
        {
            "type": "positions",
            "action": "snapshot",
            "result": [{"product_id": 101, "product_symbol": "C-BTC-95000-271126", "size": -1, "entry_price": "120"}],
        }
    )
    assert position.size == -1
    assert await parse({"type": "margins"}) == []
