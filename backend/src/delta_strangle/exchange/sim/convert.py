"""Records of the simulated exchange → the domain's exchange-neutral types."""

from __future__ import annotations

from delta_strangle.domain.market import Greeks, Quote
from delta_strangle.domain.orders import Fill, Order, Position
from delta_strangle.exchange.sim.accounts import SimFill, SimOrder, SimPosition
from delta_strangle.exchange.sim.product import SimTicker


def to_quote(ticker: SimTicker) -> Quote:
    """Return the domain quote of a ticker."""
    greeks = None
    if ticker.greeks is not None:
        greeks = Greeks(delta=ticker.greeks.delta, gamma=ticker.greeks.gamma, theta=ticker.greeks.theta,
                        vega=ticker.greeks.vega)
    return Quote(
        symbol=ticker.symbol, product_id=ticker.product_id, best_bid=ticker.best_bid, best_ask=ticker.best_ask,
        bid_size=ticker.bid_size, ask_size=ticker.ask_size, mark_price=ticker.mark_price, spot_price=ticker.spot,
        mark_iv=ticker.mark_iv, greeks=greeks, timestamp=ticker.timestamp,
    )


def to_order(order: SimOrder) -> Order:
    return Order(
        order_id=str(order.id), client_order_id=order.client_order_id, product_id=order.product_id,
        symbol=order.symbol, side=order.side, size=order.size, unfilled_size=order.unfilled_size,
        order_type=order.order_type, limit_price=order.limit_price, time_in_force=order.time_in_force,
        reduce_only=order.reduce_only, post_only=order.post_only, state=order.state,
        average_fill_price=order.average_fill_price, paid_commission=order.paid_commission,
        cancellation_reason=order.cancellation_reason, created_at=order.created_at, updated_at=order.updated_at,
    )


def to_fill(fill: SimFill) -> Fill:
    return Fill(
        fill_id=fill.id, order_id=fill.order_id, client_order_id=fill.client_order_id, product_id=fill.product_id,
        symbol=fill.symbol, side=fill.side, size=fill.size, price=fill.price, commission=fill.commission,
        fill_type=fill.fill_type, created_at=fill.created_at,
    )


def to_position(position: SimPosition) -> Position:
    return Position(product_id=position.product_id, symbol=position.symbol, size=position.size,
                    entry_price=position.entry_price)
