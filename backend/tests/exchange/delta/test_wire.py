from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from delta_strangle.domain.instruments import OptionKind, Underlying
from delta_strangle.exchange.delta.wire import (
    WireError,
    format_decimal,
    is_tradable,
    parse_option_contract,
    parse_product_settlement,
    parse_quote_frame,
    parse_ticker,
    parse_ticker_frame,
    to_datetime,
    to_decimal,
    to_id,
    to_int,
)

from .conftest import load_fixture

INSTANT = datetime(2023, 7, 12, 4, 42, 12, 893181, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        1689136932893181,  # µs number (tickers, WS)
        "1689136932893181",  # µs string (order created_at in the docs schema)
        1689136932893.181,  # ms
        "1689136932.893181",  # s with fraction
        "2023-07-12T04:42:12.893181Z",  # ISO with Z
        "2023-07-12T10:12:12.893181+05:30",  # ISO with an offset
    ],
)
def test_every_timestamp_spelling_reads_as_the_same_aware_utc_instant(raw: object) -> None:
    assert to_datetime(raw) == INSTANT


def test_whole_second_and_naive_iso_timestamps_are_utc() -> None:
    assert to_datetime(1700000000) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert to_datetime("2020-11-16T02:38:26") == datetime(2020, 11, 16, 2, 38, 26, tzinfo=UTC)
    assert to_datetime(None) is None
    assert to_datetime("not a time") is None


def test_numbers_tolerate_strings_floats_exponents_and_placeholders() -> None:
    assert to_decimal("1.754E+4") == Decimal("17540")
    assert to_decimal(0.15200000000000002) == Decimal("0.15200000000000002")
    assert to_decimal("string") is None
    assert to_int("10") == 10
    assert to_int(10.0) == 10
    assert to_int("1.5") is None
    assert to_id(152870626) == "152870626"
    assert to_id("e7ff05c233a74245b72381f8dd91d1ce") == "e7ff05c233a74245b72381f8dd91d1ce"


def test_prices_are_written_without_exponent_or_trailing_zeros() -> None:
    assert format_decimal(Decimal("150.50")) == "150.5"
    assert format_decimal(Decimal("1E+3")) == "1000"
    assert format_decimal(Decimal("0.0001")) == "0.0001"


def test_option_product_reads_into_a_contract_with_12_utc_settlement() -> None:
    product = load_fixture("rest/product_object__global_pr18675_2023-07_eth_call.partial.json")
    # The recorded object is a field subset: add the identity fields it elides.
    product = {**product, "symbol": "C-ETH-1900-260723", "tick_size": "0.1", "settlement_time": "2023-07-26T12:00:00Z"}
    contract = parse_option_contract(product)
    assert contract is not None
    assert contract.underlying is Underlying.ETH
    assert contract.kind is OptionKind.CALL
    assert contract.contract_value == Decimal("0.01")
    assert contract.settlement_time.hour == 12
    assert contract.settlement_time.tzinfo is not None


def test_expired_btc_call_product_reads_strike_and_settlement() -> None:
    [product] = load_fixture("rest/get_products_states_expired__global_ccxt_2023_btc_call.json")["result"]
    contract = parse_option_contract(product)
    assert contract is not None
    assert (contract.product_id, contract.strike, contract.tick_size) == (117542, Decimal("30900"), Decimal("0.1"))
    assert contract.settlement_time == datetime(2023, 7, 19, 12, tzinfo=UTC)
    assert not is_tradable(product)


def test_expired_btc_call_reads_the_settlement_price_delta_published_and_its_index() -> None:
    [product] = load_fixture("rest/get_products_states_expired__global_ccxt_2023_btc_call.json")["result"]
    settlement = parse_product_settlement(product)
    assert (settlement.product_id, settlement.symbol, settlement.state) == (117542, "C-BTC-30900-190723", "expired")
    assert settlement.settlement_time == datetime(2023, 7, 19, 12, tzinfo=UTC)
    # An out-of-the-money call settles at "0"; the index it settled on is in product_specs.
    assert settlement.settlement_price == Decimal("0")
    assert settlement.settlement_index_price == Decimal("29993.536675710806")
    assert settlement.is_published


def test_a_settlement_not_yet_published_reads_as_none() -> None:
    [product] = load_fixture("rest/get_products_states_expired__global_ccxt_2023_btc_call.json")["result"]
    expired_unpriced = {**product, "settlement_price": None, "product_specs": {}}
    live = {**product, "state": "live", "settlement_price": None, "product_specs": {}}
    for raw in (expired_unpriced, live):
        settlement = parse_product_settlement(raw)
        assert (settlement.settlement_price, settlement.settlement_index_price) == (None, None)
        assert not settlement.is_published
    with pytest.raises(WireError):
        parse_product_settlement({"id": 1, "symbol": "C-BTC-30900-190723"})  # no state


def test_non_option_and_foreign_underlying_products_are_skipped() -> None:
    products = load_fixture("rest/get_products__global_ccxt_2020_put_option_and_spot.json")["result"]
    assert [parse_option_contract(p) for p in products] == [None, None]  # LINK put, SOL spot


def test_product_that_contradicts_its_symbol_is_refused() -> None:
    product = {
        "id": 1,
        "symbol": "C-BTC-90000-310125",
        "contract_type": "put_options",
        "contract_value": "0.001",
        "tick_size": "0.1",
    }
    with pytest.raises(WireError):
        parse_option_contract(product)


def test_only_live_operational_products_are_tradable() -> None:
    assert is_tradable({"state": "live", "trading_status": "operational"})
    assert not is_tradable({"state": "live", "trading_status": "disrupted_cancel_only"})
    assert not is_tradable({"state": "expired", "trading_status": "operational"})
    assert not is_tradable({"state": "live", "product_specs": {"only_reduce_only_orders_allowed": True}})


def test_rest_option_ticker_reads_bid_ask_mark_spot_iv_and_greeks() -> None:
    ticker = load_fixture("rest/get_tickers__global_ccxt_2023_option_call.json")["result"][0]
    quote = parse_ticker(ticker)
    assert quote.symbol == "C-BTC-30000-280723"
    assert quote.product_id == 107150
    assert (quote.best_bid, quote.best_ask) == (Decimal("1322"), Decimal("1374"))
    assert (quote.bid_size, quote.ask_size) == (3995, 2397)
    assert quote.mark_price == Decimal("1347.74819696")
    assert quote.spot_price == Decimal("30598.43379314")
    assert quote.mark_iv == pytest.approx(0.39965618)
    assert quote.greeks is not None
    assert quote.greeks.delta == pytest.approx(0.60873994)
    assert quote.greeks.theta == pytest.approx(-30.44743017)
    assert quote.timestamp == datetime(2023, 7, 12, 4, 42, 12, 893181, tzinfo=UTC)


def test_ticker_with_an_empty_side_has_no_mid() -> None:
    quote = parse_ticker({"symbol": "P-BTC-1-010125", "quotes": {"best_bid": None}, "timestamp": 1700000000000000})
    assert quote.best_bid is None
    assert quote.mid is None
    assert quote.greeks is None


def test_compact_ticker_frame_reads_ask_first_and_greeks_in_documented_order() -> None:
    [quote] = parse_ticker_frame(load_fixture("ws/public/ticker.json"))
    assert quote.symbol == "BTCUSD"
    assert quote.product_id == 27
    assert (quote.best_ask, quote.ask_size) == (Decimal("72101"), 822)
    assert (quote.best_bid, quote.bid_size) == (Decimal("72100"), 2123)
    assert quote.mark_price == Decimal("72124.53970358")
    assert quote.spot_price == Decimal("72154.6")
    assert quote.mark_iv == pytest.approx(-0.37846136)
    assert quote.greeks is not None
    assert (quote.greeks.delta, quote.greeks.theta, quote.greeks.vega) == pytest.approx(
        (0.01939861, -81.48397021, 0.72486575)
    )
    assert quote.timestamp == to_datetime(1775801092453559)


def test_live_compact_ticker_without_greeks_or_product_id_still_reads() -> None:
    [quote] = parse_quote_frame(load_fixture("ws/public/ticker__india_live_2026-08-12.partial.json"))
    assert quote.greeks is None
    assert quote.product_id is None
    assert quote.best_bid == Decimal("63833")


def test_legacy_v2_ticker_frames_read_like_rest_tickers() -> None:
    frame = dict(load_fixture("ws/legacy/v2_ticker.json"))
    frame["type"] = "v2/ticker"
    [quote] = parse_quote_frame(frame)
    assert quote.symbol == frame["symbol"]


def test_frames_that_carry_no_quotes_give_none() -> None:
    assert parse_quote_frame({"type": "heartbeat"}) == []
    assert parse_quote_frame({"type": "subscriptions", "channels": []}) == []


def test_expiry_of_a_parsed_contract_is_its_settlement_date() -> None:
    product = {
        "id": 5,
        "symbol": "P-BTC-83200-041026",
        "contract_type": "put_options",
        "strike_price": "83200",
        "contract_value": "0.001",
        "tick_size": "0.1",
    }
    contract = parse_option_contract(product)
    assert contract is not None
    assert contract.expiry == date(2026, 10, 4)
    assert contract.settlement_time == datetime(2026, 10, 4, 12, tzinfo=UTC)
