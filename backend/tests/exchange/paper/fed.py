"""A paper core on a `DeltaFeedMarket` fed by hand (no network), for the paper market and state tests.

Fees are zero so every balance can be worked out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.exchange.sim.builders import small_config

from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying
from delta_strangle.domain.market import Quote
from delta_strangle.domain.orders import Side
from delta_strangle.exchange.paper.market import DeltaFeedMarket, FeedUpdate
from delta_strangle.exchange.paper.state import paper_core
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.config import FeeSchedule
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, default_credentials
from delta_strangle.exchange.sim.product import SimProduct
from delta_strangle.exchange.sim.trading import OrderParams

SETTLES = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BEFORE = SETTLES - timedelta(hours=1)
JUST_AFTER = SETTLES + timedelta(seconds=5)
PUT = OptionContract(
    product_id=501, symbol="P-BTC-95000-251126", underlying=Underlying.BTC, kind=OptionKind.PUT,
    strike=Decimal("95000"), settlement_time=SETTLES, contract_value=Decimal("0.001"), tick_size=Decimal("0.1"),
)
CALL = OptionContract(
    product_id=502, symbol="C-BTC-97000-251126", underlying=Underlying.BTC, kind=OptionKind.CALL,
    strike=Decimal("97000"), settlement_time=SETTLES, contract_value=Decimal("0.001"), tick_size=Decimal("0.1"),
)


def quote(contract: OptionContract, at: datetime, bid: str, ask: str, mark: str, spot: str = "95000") -> Quote:
    return Quote(symbol=contract.symbol, product_id=contract.product_id, best_bid=Decimal(bid),
                 best_ask=Decimal(ask), bid_size=10, ask_size=10, mark_price=Decimal(mark),
                 spot_price=Decimal(spot), timestamp=at)


@dataclass
class Fed:
    """A paper core on a fed market with one account, and a way to say what Delta said at an instant."""

    market: DeltaFeedMarket
    core: SimulatedExchangeCore
    account: Account

    def hear(self, at: datetime, **what: object) -> None:
        self.market.push(FeedUpdate(time=at, **what))  # type: ignore[arg-type]
        self.core.sync(at)

    def sell(self, contract: OptionContract, size: int, price: str) -> int:
        order = trading.place_order(self.core, self.account, OrderParams(
            product_id=contract.product_id, side=Side.SELL, size=size, limit_price=Decimal(price),
        ))
        return order.id

    def product(self, contract: OptionContract) -> SimProduct:
        product = self.market.product(contract.product_id)
        assert product is not None
        return product

    def position(self, contract: OptionContract) -> int:
        return self.account.position_size(contract.product_id)


def fed_market(**config: object) -> Fed:
    """A fed paper core whose first update lists PUT and CALL (bid 120 / 40) an hour before they settle."""
    settings = small_config(**{"starting_balance": Decimal("5000"),
                               "fees": FeeSchedule(rate=Decimal(0), premium_cap=Decimal(0)), **config})
    market = DeltaFeedMarket(settings, BEFORE)
    core = paper_core(settings, market)
    account = core.add_account(*default_credentials(settings.seed))
    fed = Fed(market, core, account)
    fed.hear(BEFORE, contracts=(PUT, CALL), quotes=(quote(PUT, BEFORE, "120", "125", "122"),
                                                     quote(CALL, BEFORE, "40", "45", "42")))
    return fed
