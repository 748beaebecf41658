"""`DeltaFeedMarket` under the simulator core, fed by hand: when a paper option stops trading and what it settles at.

No network: each test pushes what "Delta" said at an instant (contracts, quotes, index prices, published
settlements) and syncs the core to it, as `DeltaFeed` does. Fees are zero so every balance is worked out by
hand: a sold option brings premium x size x contract value, and settling it costs settlement value x size x
contract value.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from tests.exchange.paper.fed import CALL, JUST_AFTER, PUT, SETTLES, Fed, fed_market, quote

from delta_strangle.domain.orders import OrderState, Side
from delta_strangle.exchange.paper.market import PublishedSettlement
from delta_strangle.exchange.sim.core import SimError


@pytest.fixture
def fed() -> Fed:
    return fed_market()


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


def test_a_sold_put_settles_at_the_price_delta_published_not_at_the_index_heard(
    fed: Fed, caplog: pytest.LogCaptureFixture
) -> None:
    fed.sell(PUT, 2, "120")  # takes the 120 bid: +2 x 120 x 0.001 = +0.24
    assert fed.account.balance == Decimal("5000.24")

    fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})
    assert fed.product(PUT).awaiting_settlement
    assert fed.position(PUT) == -2  # still open: Delta has not settled it yet
    assert fed.account.balance == Decimal("5000.24")

    with caplog.at_level(logging.INFO, logger="delta_strangle.exchange.paper.market"):
        fed.hear(SETTLES + timedelta(minutes=4), settlements={
            PUT.symbol: PublishedSettlement(price=Decimal("350"), index_price=Decimal("94650")),
        })

    assert fed.product(PUT).state == "expired"
    assert fed.position(PUT) == 0
    [settlement] = [f for f in fed.account.fills if f.fill_type == "settlement"]
    assert (settlement.side, settlement.size, settlement.price) == (Side.BUY, 2, Decimal("350"))
    # 5000.24 - 2 x 350 x 0.001; the index last heard (94 700) would have made it 5000.24 - 2 x 300 x 0.001.
    assert fed.account.balance == Decimal("4999.54")
    [settled] = events(caplog, "paper_settled")
    assert settled.levelno == logging.INFO
    assert (settled.symbol, settled.settlement_price, settled.settlement_index_price) == (  # type: ignore[attr-defined]
        PUT.symbol, "350", "94650"
    )
    assert not events(caplog, "paper_settlement_fallback")


def test_deltas_price_is_what_counts_even_when_it_disagrees_with_its_own_index_which_is_reported(
    fed: Fed, caplog: pytest.LogCaptureFixture
) -> None:
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER)
    with caplog.at_level(logging.INFO, logger="delta_strangle.exchange.paper.market"):
        fed.hear(SETTLES + timedelta(minutes=4), settlements={
            PUT.symbol: PublishedSettlement(price=Decimal("350"), index_price=Decimal("94600")),  # 400 intrinsic
        })
    assert fed.account.balance == Decimal("4999.54")
    [odd] = events(caplog, "paper_settlement_price_unexpected")
    assert odd.levelno == logging.WARNING
    assert (odd.settlement_price, odd.intrinsic_value) == ("350", "400")  # type: ignore[attr-defined]


def test_an_option_that_expired_worthless_settles_at_zero_and_keeps_its_premium(fed: Fed) -> None:
    fed.sell(CALL, 3, "40")  # +3 x 40 x 0.001 = +0.12
    fed.hear(JUST_AFTER, spots={"BTC": Decimal("95100")})
    fed.hear(SETTLES + timedelta(minutes=2), settlements={
        CALL.symbol: PublishedSettlement(price=Decimal("0"), index_price=Decimal("95080.5")),
    })
    assert fed.position(CALL) == 0
    assert fed.account.balance == Decimal("5000.12")


def test_after_the_settlement_instant_no_quote_is_applied_and_nothing_fills(fed: Fed) -> None:
    fed.sell(PUT, 1, "120")
    resting = fed.sell(PUT, 1, "130")  # above the 120 bid: rests
    assert fed.account.orders[resting].state is OrderState.OPEN

    # Heard after 12:00: a bid through our ask, and a new mark. Trading has stopped: neither counts.
    fed.hear(JUST_AFTER, quotes=(quote(PUT, JUST_AFTER, "140", "145", "142"),))

    assert fed.product(PUT).awaiting_settlement
    assert fed.account.orders[resting].state is OrderState.OPEN
    assert fed.position(PUT) == -1
    ticker = fed.core.ticker(fed.product(PUT))
    assert (ticker.best_bid, ticker.best_ask, ticker.mark_price) == (None, None, Decimal("122"))
    with pytest.raises(SimError) as refused:
        fed.sell(PUT, 1, "150")
    assert refused.value.code == "invalid_contract"

    fed.hear(SETTLES + timedelta(minutes=3), settlements={PUT.symbol: PublishedSettlement(price=Decimal("0"))})
    order = fed.account.orders[resting]
    assert (order.state, order.cancellation_reason) == (OrderState.CANCELLED, "product_expired")
    assert fed.core.ticker(fed.product(PUT)).mark_price == Decimal("0")


def test_without_a_published_price_the_put_settles_after_the_grace_period_at_the_index_heard_when_trading_stopped(
    fed: Fed, caplog: pytest.LogCaptureFixture
) -> None:
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})  # trading stops here, on this index price
    deadline = JUST_AFTER + timedelta(minutes=15)  # the default grace, from when trading stopped

    with caplog.at_level(logging.INFO, logger="delta_strangle.exchange.paper.market"):
        fed.hear(deadline - timedelta(seconds=1), spots={"BTC": Decimal("94000")})
        assert fed.product(PUT).awaiting_settlement
        assert fed.position(PUT) == -2
        fed.hear(deadline, spots={"BTC": Decimal("93000")})

    assert fed.product(PUT).state == "expired"
    assert fed.position(PUT) == 0
    # 95 000 - 94 700 = 300 a unit: 5000.24 - 2 x 300 x 0.001.
    assert fed.account.balance == Decimal("4999.64")
    [fallback] = events(caplog, "paper_settlement_fallback")
    assert fallback.levelno == logging.WARNING
    assert fallback.symbol == PUT.symbol  # type: ignore[attr-defined]
    assert fallback.index_price == "94700"  # type: ignore[attr-defined]
    assert fallback.settlement_value == "300"  # type: ignore[attr-defined]
    assert fallback.reason == "no_published_settlement_price"  # type: ignore[attr-defined]
    assert "94700" in fallback.getMessage()
    assert not events(caplog, "paper_settled")


def test_a_settlement_published_after_the_fallback_changes_nothing(fed: Fed) -> None:
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})
    fed.hear(JUST_AFTER + timedelta(minutes=15))
    fed.hear(JUST_AFTER + timedelta(minutes=16), settlements={PUT.symbol: PublishedSettlement(price=Decimal("350"))})
    assert fed.account.balance == Decimal("4999.64")
    assert len([f for f in fed.account.fills if f.fill_type == "settlement"]) == 1


def test_the_grace_period_is_a_setting() -> None:
    short = fed_market(published_settlement_grace_seconds=60)
    short.sell(PUT, 1, "120")
    short.hear(JUST_AFTER)
    short.hear(JUST_AFTER + timedelta(seconds=59))
    assert short.product(PUT).awaiting_settlement
    short.hear(JUST_AFTER + timedelta(seconds=60))
    assert short.product(PUT).state == "expired"


def test_a_product_no_account_holds_a_position_in_settles_when_trading_stops_without_waiting_for_delta(
    fed: Fed, caplog: pytest.LogCaptureFixture
) -> None:
    fed.sell(PUT, 1, "120")
    resting = fed.sell(CALL, 1, "60")  # an order on the call, but no position in it
    with caplog.at_level(logging.INFO, logger="delta_strangle.exchange.paper.market"):
        fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})
    assert fed.product(CALL).state == "expired"
    order = fed.account.orders[resting]
    assert (order.state, order.cancellation_reason) == (OrderState.CANCELLED, "product_expired")
    assert [p.symbol for p in fed.market.awaiting_settlement(JUST_AFTER)] == [PUT.symbol]
    assert [r.symbol for r in events(caplog, "paper_settlement_pending")] == [PUT.symbol]  # type: ignore[attr-defined]


def test_held_products_past_their_instant_are_asked_about_before_any_step_stops_them(fed: Fed) -> None:
    fed.sell(PUT, 1, "120")
    assert fed.market.awaiting_settlement(SETTLES - timedelta(seconds=1)) == []
    # No update heard since before 12:00 (the process was down, say): the feed must still ask about it.
    assert fed.product(PUT).is_live
    assert [p.symbol for p in fed.market.awaiting_settlement(JUST_AFTER)] == [PUT.symbol]
