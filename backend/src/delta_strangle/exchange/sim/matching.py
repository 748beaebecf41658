"""How an order meets the simulated quote: pure decisions, no state.

Liquidity model: the only counter-party is the quote. At each market step the touch shows `ask_size`
contracts at `best_ask` and `bid_size` at `best_bid`; our fills in that step use them up. An incoming
marketable order takes at the touch (taker); a resting limit fills at its own price when a later quote
crosses it (maker). Deeper levels are not modelled: what the touch cannot fill waits (gtc) or is
cancelled (ioc, market).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from delta_strangle.domain.orders import OrderType, Side
from delta_strangle.exchange.sim.accounts import SimOrder
from delta_strangle.exchange.sim.product import SimTicker


@dataclass(frozen=True)
class Execution:
    size: int
    price: Decimal
    role: str


def touch(side: Side, ticker: SimTicker) -> tuple[Decimal | None, int]:
    """Return the opposite side's best price and size for an order of this side."""
    if side is Side.BUY:
        return ticker.best_ask, ticker.ask_size
    return ticker.best_bid, ticker.bid_size


def crosses(side: Side, limit_price: Decimal | None, ticker: SimTicker) -> bool:
    """Return True when an order at this limit (None = market) would execute against the quote now."""
    price, size = touch(side, ticker)
    if price is None or size <= 0:
        return False
    if limit_price is None:
        return True
    return limit_price >= price if side is Side.BUY else limit_price <= price


def take(order: SimOrder, ticker: SimTicker, available: int) -> Execution | None:
    """Return the taker execution of an incoming order at the touch, if it crosses."""
    limit = None if order.order_type is OrderType.MARKET else order.limit_price
    if available <= 0 or not crosses(order.side, limit, ticker):
        return None
    price, _ = touch(order.side, ticker)
    assert price is not None
    return Execution(size=min(order.unfilled_size, available), price=price, role="taker")


def rest_fill(order: SimOrder, ticker: SimTicker, available: int) -> Execution | None:
    """Return the maker execution of a resting limit order that the quote has crossed, if any."""
    if available <= 0 or order.limit_price is None or not crosses(order.side, order.limit_price, ticker):
        return None
    return Execution(size=min(order.unfilled_size, available), price=order.limit_price, role="maker")
