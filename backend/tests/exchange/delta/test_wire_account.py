from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from delta_strangle.domain.orders import OrderRequest, OrderState, OrderType, Side, TimeInForce
from delta_strangle.exchange.delta.wire import WireError
from delta_strangle.exchange.delta.wire_account import (
    order_body,
    parse_compact_fill,
    parse_fill,
    parse_order,
    parse_position,
    parse_wallet_balance,
)

from .conftest import load_fixture


def test_partially_filled_order_with_microsecond_string_created_at_reads() -> None:
    order = parse_order(load_fixture("rest/get_order__india_docs_open_partially_filled.json")["result"])
    assert order.order_id == "123"
    assert order.client_order_id == "34521712"
    assert (order.size, order.unfilled_size, order.filled_size) == (10, 2, 8)
    assert order.state is OrderState.OPEN
    assert order.limit_price == Decimal("59000")
    assert order.paid_commission == Decimal("0.5432")
    assert order.created_at == datetime(2024, 9, 9, 6, 56, 52, tzinfo=UTC)


def test_order_without_any_symbol_is_refused() -> None:
    with pytest.raises(WireError):
        parse_order(load_fixture("rest/post_orders__global_ccxt_2020_open.json")["result"])


def test_live_order_with_iso_created_at_reads() -> None:
    order = parse_order(load_fixture("rest/post_orders__global_ccxt_2020_open.json")["result"], symbol_hint="BTCUSDT")
    assert order.created_at == datetime(2020, 11, 16, 2, 38, 26, tzinfo=UTC)
    assert order.symbol == "BTCUSDT"
    assert order.order_type is OrderType.LIMIT


def test_cancelled_order_keeps_its_reason() -> None:
    order = parse_order(load_fixture("rest/delete_orders__global_ccxt_2020_cancelled.json")["result"], symbol_hint="X")
    assert order.state is OrderState.CANCELLED
    assert order.cancellation_reason == "cancelled_by_user"


def test_stream_order_update_uses_order_id_and_infers_limit_type() -> None:
    order = parse_order(load_fixture("ws/private/orders__update.json"))
    assert order.order_id == "1234"
    assert order.client_order_id is None  # "" means none
    assert order.order_type is OrderType.LIMIT
    assert order.created_at == datetime.fromtimestamp(1594105083.998848, UTC)


def test_stream_order_snapshot_rows_take_the_frame_symbol() -> None:
    frame = load_fixture("ws/private/orders__snapshot.json")
    at = datetime.fromtimestamp(frame["meta"]["timestamp"] / 1_000_000, UTC)
    [order] = [parse_order(row, symbol_hint=frame["symbol"], time_hint=at) for row in frame["result"]]
    assert order.symbol == "BTCUSD"
    assert order.created_at == at
    assert order.order_id == "1592130"


def test_live_ioc_option_orders_read_with_reduce_only() -> None:
    rows = load_fixture("rest/order_objects__india_testnet_2026-10_ioc_option_closed.partial.json")
    closing = parse_order({**rows[1], "id": 9, "created_at": "2026-10-04T08:00:00Z"})
    assert closing.reduce_only is True
    assert closing.time_in_force is TimeInForce.IOC
    assert closing.state is OrderState.CLOSED


def test_fill_with_hex_string_id_and_nested_product_reads() -> None:
    fill = parse_fill(load_fixture("rest/get_fills__global_ccxt_2020.json")["result"][0])
    assert fill.fill_id == "e7ff05c233a74245b72381f8dd91d1ce"
    assert fill.order_id == "152999629"
    assert fill.price == Decimal("16669")
    assert fill.commission == Decimal("0.008335000000000000")
    assert fill.side is Side.SELL


def test_legacy_user_trades_frame_reads_as_a_fill() -> None:
    fill = parse_fill(load_fixture("ws/private/user_trades.json"))
    assert (fill.fill_id, fill.order_id, fill.client_order_id) == ("1234-abcd-qwer-3456", "3283999", "GA123")
    assert fill.commission == Decimal(0)


def test_compact_user_trade_resolves_its_product_from_the_symbol() -> None:
    frame = load_fixture("ws/private/v2_user_trades.json")
    fill = parse_compact_fill(frame, product_id_for={"BTCUSD": 27}.get)
    assert (fill.product_id, fill.size, fill.price, fill.side) == (27, 190, Decimal("17289.2"), Side.BUY)
    with pytest.raises(WireError):
        parse_compact_fill(frame, product_id_for={}.get)


def test_positions_read_from_margined_rows_realtime_rows_and_stream_updates() -> None:
    margined = parse_position(load_fixture("rest/get_positions_margined__global_ccxt_2026_BTCUSDT.json")["result"][0])
    assert margined.size == 1
    realtime = parse_position({"size": -3, "entry_price": "120.5"}, product_id=7, symbol="C-BTC-1-010125")
    assert (realtime.product_id, realtime.size, realtime.entry_price) == (7, -3, Decimal("120.5"))
    streamed = parse_position(load_fixture("ws/private/positions__update.json"))
    assert streamed.size == -100


def test_wallet_balance_picks_the_asked_asset() -> None:
    rows = [
        {"asset_symbol": "BTC", "balance": "1"},
        {"asset_symbol": "USD", "balance": "10", "available_balance": "9.385"},
    ]
    wallet = parse_wallet_balance(rows, "USD")
    assert (wallet.balance, wallet.available_balance) == (Decimal("10"), Decimal("9.385"))
    with pytest.raises(WireError):
        parse_wallet_balance(rows, "ETH")


def test_order_body_sends_integer_size_text_price_and_delta_booleans() -> None:
    request = OrderRequest(
        product_id=27, symbol="C-BTC-1-010125", side=Side.SELL, size=1, limit_price=Decimal("150.50"), reduce_only=True
    )
    assert order_body(request, client_order_id="strangle-1") == {
        "product_id": 27,
        "size": 1,
        "side": "sell",
        "order_type": "limit_order",
        "limit_price": "150.5",
        "time_in_force": "gtc",
        "post_only": "false",
        "reduce_only": "true",
        "client_order_id": "strangle-1",
    }


def test_market_order_body_has_no_limit_price() -> None:
    request = OrderRequest(
        product_id=27, symbol="x", side=Side.BUY, size=2, order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC
    )
    body = order_body(request, client_order_id="c")
    assert "limit_price" not in body
    assert body["time_in_force"] == "ioc"
