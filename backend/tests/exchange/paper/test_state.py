"""A paper account's saved state: a product waiting for Delta's settlement price is saved and restored waiting."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from tests.exchange.paper.fed import CALL, JUST_AFTER, PUT, fed_market

from delta_strangle.exchange.paper.market import DeltaFeedMarket, FeedUpdate, Halt, PublishedSettlement
from delta_strangle.exchange.paper.state import paper_state, restore_paper_core


def test_a_product_waiting_for_its_settlement_price_is_restored_waiting_with_when_trading_stopped() -> None:
    fed = fed_market()
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})

    saved = json.loads(json.dumps(paper_state(fed.core)))  # what the database row holds
    restored = restore_paper_core(saved, fed.core.config, JUST_AFTER + timedelta(minutes=5))

    market = restored.market
    assert isinstance(market, DeltaFeedMarket)
    product = market.product(PUT.product_id)
    assert product is not None
    assert product.awaiting_settlement
    assert market.halts() == {PUT.product_id: Halt(at=JUST_AFTER, index_price=Decimal("94700"))}
    assert market.product(CALL.product_id) is None  # nobody held it: not saved
    [account] = restored.accounts.values()
    assert account.position_size(PUT.product_id) == -2
    assert [p.symbol for p in market.awaiting_settlement(market.now)] == [PUT.symbol]


def test_a_restored_waiting_product_falls_back_when_the_grace_since_trading_stopped_ends_not_since_the_restart() -> None:
    fed = fed_market()
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER, spots={"BTC": Decimal("94700")})
    restart = JUST_AFTER + timedelta(minutes=5)
    restored = restore_paper_core(json.loads(json.dumps(paper_state(fed.core))), fed.core.config, restart)
    [account] = restored.accounts.values()
    market = restored.market
    assert isinstance(market, DeltaFeedMarket)

    deadline = JUST_AFTER + timedelta(minutes=15)
    market.push(FeedUpdate(time=deadline - timedelta(seconds=1)))
    restored.sync(deadline - timedelta(seconds=1))
    assert account.position_size(PUT.product_id) == -2
    market.push(FeedUpdate(time=deadline, spots={"BTC": Decimal("93000")}))
    restored.sync(deadline)

    assert account.position_size(PUT.product_id) == 0
    assert account.balance == Decimal("4999.64")  # 5000.24 - 2 x (95 000 - 94 700) x 0.001


def test_once_settled_the_product_and_its_wait_leave_the_saved_state() -> None:
    fed = fed_market()
    fed.sell(PUT, 2, "120")
    fed.hear(JUST_AFTER)
    assert paper_state(fed.core)["market"]["settlement_pending"].keys() == {str(PUT.product_id)}
    fed.hear(JUST_AFTER + timedelta(minutes=1), settlements={PUT.symbol: PublishedSettlement(price=Decimal("350"))})
    saved = paper_state(fed.core)["market"]
    assert saved["products"] == []
    assert saved["settlement_pending"] == {}
