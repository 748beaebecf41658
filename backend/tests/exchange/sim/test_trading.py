from datetime import timedelta
from decimal import Decimal

import pytest
from tests.exchange.sim.builders import make_core, nearest_product, params

from delta_strangle.domain.orders import OrderState, OrderType, Side, TimeInForce
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.core import SimError
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan, FaultRule


def _account(core):  # type: ignore[no-untyped-def]
    return next(iter(core.accounts.values()))


def test_a_marketable_limit_sell_fills_at_the_bid_and_opens_a_short() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    ticker = core.ticker(product)
    order = trading.place_order(core, account, params(product, Side.SELL, 3, ticker.best_bid))
    assert order.state is OrderState.CLOSED
    assert order.unfilled_size == 0
    assert order.average_fill_price == ticker.best_bid
    assert account.positions[product.id].size == -3
    assert order.paid_commission > 0
    fill = account.fills[-1]
    assert (fill.role, fill.size, fill.price) == ("taker", 3, ticker.best_bid)


def test_selling_credits_the_premium_less_commission() -> None:
    core = make_core()
    account = _account(core)
    before = account.balance
    product = nearest_product(core, "put_options", 2)
    bid = core.ticker(product).best_bid
    order = trading.place_order(core, account, params(product, Side.SELL, 2, bid))
    assert bid is not None
    assert account.balance == before + bid * 2 * product.contract_value - order.paid_commission


def test_commission_is_capped_at_a_share_of_the_premium_plus_gst() -> None:
    core = make_core()
    account = _account(core)
    # Cheap OTM call: 10% of a premium under 285 USD is below 0.03% of the 95,000 notional, so the cap binds.
    product = next(p for p in (nearest_product(core, "call_options", n) for n in range(1, 8))
                   if (core.ticker(p).best_bid or 0) and (core.ticker(p).best_bid or 0) < 200)
    bid = core.ticker(product).best_bid
    assert bid is not None
    order = trading.place_order(core, account, params(product, Side.SELL, 10, bid))
    premium = bid * 10 * product.contract_value
    assert order.paid_commission == (premium * Decimal("0.10") * Decimal("1.18")).quantize(Decimal("0.00000001"))


def test_a_resting_limit_fills_at_its_own_price_when_the_market_crosses_it() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 1)
    ask = core.ticker(product).best_ask
    assert ask is not None
    price = ask * Decimal("0.8")
    order = trading.place_order(core, account, params(product, Side.BUY, 1, price))
    assert order.state is OrderState.OPEN
    now = core.now
    while order.is_open and core.now < now + timedelta(hours=5):
        core.sync(core.now + timedelta(minutes=1))
    assert order.state is OrderState.CLOSED
    assert account.fills[-1].role == "maker"
    assert account.fills[-1].price == order.limit_price


def test_an_order_larger_than_the_touch_fills_partly_and_rests_the_remainder() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 1)
    ticker = core.ticker(product)
    order = trading.place_order(core, account, params(product, Side.SELL, ticker.bid_size + 5, ticker.best_bid))
    assert order.state is OrderState.OPEN
    assert order.unfilled_size == 5


def test_an_ioc_remainder_is_cancelled_and_the_order_reports_closed_with_its_unfilled_size() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 1)
    ticker = core.ticker(product)
    order = trading.place_order(
        core, account, params(product, Side.SELL, ticker.bid_size + 5, ticker.best_bid, tif=TimeInForce.IOC))
    assert order.state is OrderState.CLOSED
    assert order.unfilled_size == 5
    assert not account.open_orders()


def test_an_ioc_that_cannot_fill_is_cancelled() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 1)
    ask = core.ticker(product).best_ask
    assert ask is not None
    order = trading.place_order(core, account, params(product, Side.BUY, 1, ask / 2, tif=TimeInForce.IOC))
    assert order.state is OrderState.CANCELLED
    assert order.unfilled_size == 1


def test_a_market_buy_takes_the_ask() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "put_options", 1)
    order = trading.place_order(core, account, params(product, Side.BUY, 1, order_type=OrderType.MARKET))
    assert order.state is OrderState.CLOSED
    assert order.average_fill_price == core.ticker(product).best_ask


def test_reduce_only_rejects_an_order_that_would_open_or_grow_a_position() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    bid = core.ticker(product).best_bid
    with pytest.raises(SimError) as flat:
        trading.place_order(core, account, params(product, Side.BUY, 1, Decimal("10000"), reduce_only=True))
    assert flat.value.code == core.config.reduce_only_reject_code
    trading.place_order(core, account, params(product, Side.SELL, 2, bid))
    with pytest.raises(SimError):
        trading.place_order(core, account, params(product, Side.SELL, 1, bid, reduce_only=True))


def test_reduce_only_never_flips_a_position() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    bid = core.ticker(product).best_bid
    trading.place_order(core, account, params(product, Side.SELL, 2, bid))
    order = trading.place_order(core, account, params(product, Side.BUY, 5, order_type=OrderType.MARKET,
                                                      reduce_only=True))
    assert account.positions[product.id].size == 0
    assert order.size - order.unfilled_size == 2


def test_post_only_is_rejected_when_it_would_take() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    with pytest.raises(SimError) as exc:
        trading.place_order(core, account, params(product, Side.SELL, 1, core.ticker(product).best_bid,
                                                  post_only=True))
    assert exc.value.code == "immediate_execution_post_only"


def test_a_sell_without_enough_margin_is_refused_with_delta_context() -> None:
    core = make_core(starting_balance=Decimal("50"))
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    with pytest.raises(SimError) as exc:
        trading.place_order(core, account, params(product, Side.SELL, 100, core.ticker(product).best_bid))
    assert exc.value.code == "insufficient_margin"
    assert Decimal(exc.value.context["required_additional_balance"]) > 0
    assert "available_balance" in exc.value.context


def test_a_client_order_id_must_be_unique_among_open_orders_and_at_most_32_characters() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    ask = core.ticker(product).best_ask
    assert ask is not None
    trading.place_order(core, account, params(product, Side.SELL, 1, ask * 2, client_order_id="leg-1"))
    with pytest.raises(SimError):
        trading.place_order(core, account, params(product, Side.SELL, 1, ask * 2, client_order_id="leg-1"))
    with pytest.raises(SimError) as long_id:
        trading.place_order(core, account, params(product, Side.SELL, 1, ask * 2, client_order_id="x" * 33))
    assert long_id.value.code == "bad_schema"


def test_cancelling_a_finished_order_says_open_order_not_found() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    order = trading.place_order(core, account, params(product, Side.SELL, 1, core.ticker(product).best_bid))
    with pytest.raises(SimError) as exc:
        trading.cancel_order(core, account, order_id=order.id)
    assert exc.value.code == "open_order_not_found"


def test_off_tick_prices_move_onto_the_tick_toward_the_passive_side() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    ask = core.ticker(product).best_ask
    assert ask is not None
    sell = trading.place_order(core, account, params(product, Side.SELL, 1, ask * 3 + Decimal("0.04")))
    assert sell.limit_price == (ask * 3).quantize(Decimal("0.1")) + Decimal("0.1")


def test_a_short_is_settled_in_cash_at_expiry_and_the_product_expires() -> None:
    core = make_core()
    account = _account(core)
    call = nearest_product(core, "call_options", 0)
    trading.place_order(core, account, params(call, Side.SELL, 4, core.ticker(call).best_bid))
    balance_before = account.balance
    core.sync(call.settlement_time + timedelta(minutes=1))
    assert call.state == "expired"
    assert call.settlement_price is not None
    intrinsic = max(call.settlement_price - call.strike, Decimal(0))
    assert account.positions[call.id].size == 0
    assert account.balance == balance_before - 4 * intrinsic * call.contract_value
    assert account.fills[-1].fill_type == "settlement"


def test_the_deadman_switch_cancels_resting_orders_when_not_refreshed() -> None:
    core = make_core()
    account = _account(core)
    product = nearest_product(core, "call_options", 2)
    ask = core.ticker(product).best_ask
    assert ask is not None
    order = trading.place_order(core, account, params(product, Side.SELL, 1, ask * 3))
    core.heartbeat(account, 120_000)
    core.sync(core.now + timedelta(minutes=3))
    assert order.state is OrderState.CANCELLED
    assert order.cancellation_reason == "deadman_switch"


def test_partial_fill_only_liquidity_fills_one_contract_per_step() -> None:
    core = make_core()
    core.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.PARTIAL_FILL_ONLY, max_fill_contracts=1),)), core.now)
    account = _account(core)
    product = nearest_product(core, "call_options", 1)
    order = trading.place_order(core, account, params(product, Side.SELL, 3, core.ticker(product).best_bid))
    assert order.unfilled_size == 2
    assert order.state is OrderState.OPEN


def test_an_order_rejection_fault_refuses_with_its_code() -> None:
    core = make_core()
    core.faults.arm(FaultPlan(rules=(FaultRule(kind=FaultKind.ORDER_REJECT, code="risk_limits_breached"),)),
                    core.now)
    product = nearest_product(core, "call_options", 1)
    with pytest.raises(SimError) as exc:
        trading.place_order(core, _account(core), params(product, Side.SELL, 1, core.ticker(product).best_bid))
    assert exc.value.code == "risk_limits_breached"


def test_stale_quotes_freeze_the_ticker_and_a_price_gap_moves_the_index() -> None:
    core = make_core()
    product = nearest_product(core, "call_options", 1)
    core.faults.arm(FaultPlan(rules=(
        FaultRule(kind=FaultKind.STALE_QUOTES, duration_seconds=600),
        FaultRule(kind=FaultKind.PRICE_GAP, start_after_seconds=900, gap_fraction=-0.10),
    )), core.now)
    frozen = core.ticker(product)
    core.sync(core.now + timedelta(minutes=5))
    assert core.ticker(product) == frozen
    core.sync(core.now + timedelta(minutes=10))
    assert core.ticker(product).timestamp > frozen.timestamp
    assert core.spot("BTC") < frozen.spot * Decimal("0.95")
