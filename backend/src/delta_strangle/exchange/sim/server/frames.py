"""Delta's WebSocket frame shapes (delta-exchange-api.md §8), built from simulator records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from delta_strangle.exchange.sim.accounts import Account
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.events import FillHappened, OrderChanged, PositionChanged
from delta_strangle.exchange.sim.product import SimProduct, SimTicker
from delta_strangle.exchange.sim.server import wire

MARK_PREFIX = "MARK:"


def key_auth(success: bool, status_code: int, status: str, message: str | None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "key-auth", "success": success, "status_code": status_code, "status": status}
    if message is not None:
        frame["message"] = message
    return frame


def expand(core: SimulatedExchangeCore, symbols: set[str]) -> list[SimProduct]:
    """Resolve product symbols, `all`, contract-type names and `BTC-DDMMYY` chain keys to live products."""
    live = [p for p in core.market.products() if p.is_live]
    if "all" in symbols:
        return live
    chosen: dict[int, SimProduct] = {}
    for product in live:
        chain_key = f"{product.underlying}-{product.settlement_time:%d%m%y}"
        if {product.symbol, MARK_PREFIX + product.symbol, product.contract_type, chain_key} & symbols:
            chosen[product.id] = product
    return list(chosen.values())


def ticker_frame(product: SimProduct, ticker: SimTicker) -> dict[str, Any]:
    """Return the compact `ticker` frame (one contract in `d`)."""
    g = ticker.greeks
    return {
        "type": "ticker", "sy": product.symbol, "sp": wire.num(ticker.spot), "ts": wire.micros(ticker.timestamp),
        "d": [{
            "s": product.symbol, "i": product.id, "m": wire.num(ticker.mark_price), "m24hc": "0.0000",
            # No trades happen in the simulated book, so there is no 24 h candle to report.
            "ohlc": None, "oi": [str(ticker.oi_contracts), "0.0000"],
            "pb": [wire.num(product.tick_size), wire.num(ticker.mark_price * 3 + ticker.spot / 10)],
            "q": [wire.num(ticker.best_ask), str(ticker.ask_size), wire.num(ticker.best_bid), str(ticker.bid_size),
                  None],
            "qiv": [wire.fnum(ticker.ask_iv), wire.fnum(ticker.bid_iv), wire.fnum(ticker.mark_iv)],
            "g": None if g is None else [wire.fnum(g.delta), wire.fnum(g.gamma), wire.fnum(g.rho), wire.fnum(g.theta),
                                         wire.fnum(g.vega)],
            "to": [0.0, 0.0],
        }],
    }


def market_frames(core: SimulatedExchangeCore, subs: dict[str, set[str]]) -> Iterator[dict[str, Any]]:
    """Yield the public frames due for a connection's subscriptions."""
    for name, symbols in subs.items():
        if not symbols:
            continue  # Delta sends nothing on a market-data channel subscribed without symbols
        if name == "spot_price":
            for underlying in core.market.underlyings():
                index = core.market.index_symbol(underlying)
                if index in symbols:
                    yield {"type": "spot_price", "sy": index, "p": wire.num(core.spot(underlying)),
                           "ts": wire.micros(core.now)}
            continue
        for product in expand(core, symbols):
            ticker = core.ticker(product)
            if name == "ticker":
                yield ticker_frame(product, ticker)
            elif name == "v2/ticker":
                yield {**wire.ticker_json(core, product, ticker), "type": "v2/ticker"}
            elif name == "mark_price":
                yield {"type": "mark_price", "sy": MARK_PREFIX + product.symbol, "p": wire.num(ticker.mark_price),
                       "ts": wire.micros(ticker.timestamp)}
            elif name == "ob_l1":
                yield {"type": "ob_l1", "sy": product.symbol, "ap": wire.num(ticker.best_ask),
                       "as": str(ticker.ask_size), "bp": wire.num(ticker.best_bid), "bs": str(ticker.bid_size),
                       "lts": wire.micros(ticker.timestamp), "ts": wire.micros(core.now)}
            elif name == "ob_l2":
                asks = [[wire.num(ticker.best_ask), str(ticker.ask_size)]] if ticker.best_ask is not None else []
                bids = [[wire.num(ticker.best_bid), str(ticker.bid_size)]] if ticker.best_bid is not None else []
                yield {"type": "ob_l2", "sy": product.symbol, "a": asks, "b": bids,
                       "lts": wire.micros(ticker.timestamp), "ts": wire.micros(core.now)}


def order_update(event: OrderChanged, seq: int) -> dict[str, Any]:
    order = event.order
    return {
        "type": "orders", "action": event.action, "reason": event.reason, "symbol": order.symbol,
        "product_id": order.product_id, "order_id": order.id, "client_order_id": order.client_order_id or "",
        "size": order.size, "unfilled_size": order.unfilled_size,
        "average_fill_price": wire.num(order.average_fill_price), "limit_price": wire.num(order.limit_price),
        "side": order.side.value, "state": order.state.value, "cancellation_reason": order.cancellation_reason,
        "stop_order_type": None, "stop_price": None, "trigger_price_max_or_min": None, "bracket_order": False,
        "bracket_stop_loss_price": None, "bracket_stop_loss_limit_price": None, "bracket_take_profit_price": None,
        "bracket_take_profit_limit_price": None, "bracket_trail_amount": None, "seq_no": seq,
        "timestamp": wire.micros(order.updated_at),
    }


def orders_snapshot(account: Account, now: datetime) -> dict[str, Any]:
    result = [
        {"id": o.id, "limit_price": wire.num(o.limit_price), "order_type": o.order_type.value,
         "product_id": o.product_id, "reduce_only": o.reduce_only, "side": o.side.value, "size": o.size,
         "state": o.state.value, "stop_order_type": None, "stop_price": None, "time_in_force": o.time_in_force.value,
         "trail_amount": None, "unfilled_size": o.unfilled_size, "average_fill_price": wire.num(o.average_fill_price),
         "user_id": o.user_id, "client_order_id": o.client_order_id, "product_symbol": o.symbol}
        for o in account.open_orders()
    ]
    return {"type": "orders", "action": "snapshot", "symbol": "all", "success": True,
            "meta": {"seq_no": 0, "timestamp": wire.micros(now)}, "result": result}


def positions_snapshot(core: SimulatedExchangeCore, account: Account) -> dict[str, Any]:
    result = []
    for position in account.positions.values():
        if position.size == 0:
            continue
        result.append({
            "adl_level": None, "auto_topup": False, "bankruptcy_price": None,
            "commission": wire.num(position.commission),
            "created_at": wire.iso(position.created_at), "entry_price": wire.num(position.entry_price),
            "liquidation_price": None, "margin": wire.num(core.position_margin(account, position.product_id)),
            "product_id": position.product_id, "product_symbol": position.symbol, "realized_funding": "0",
            "realized_pnl": wire.num(position.realized_pnl), "size": position.size,
            "updated_at": wire.iso(position.updated_at), "user_id": account.user_id, "symbol": position.symbol,
        })
    return {"type": "positions", "action": "snapshot", "success": True, "result": result}


def position_update(core: SimulatedExchangeCore, event: PositionChanged) -> dict[str, Any]:
    position = event.position
    account = core.accounts[event.user_id]
    return {
        "type": "positions", "action": event.action, "reason": None, "symbol": position.symbol,
        "product_id": position.product_id, "size": position.size,
        "margin": wire.num(core.position_margin(account, position.product_id)),
        "entry_price": wire.num(position.entry_price), "liquidation_price": None, "bankruptcy_price": None,
        "commission": wire.num(position.commission), "timestamp": wire.micros(core.now),
    }


def margins(core: SimulatedExchangeCore, account: Account) -> dict[str, Any]:
    row = wire.wallet_json(account.user_id, core.wallet(account))
    return {"type": "margins", "action": "update", **row, "robo_trading_equity": "0",
            "timestamp": wire.micros(core.now)}


def v2_user_trade(event: FillHappened, seq: int) -> dict[str, Any]:
    fill = event.fill
    return {
        "type": "v2/user_trades", "sy": fill.symbol, "f": fill.id,
        "R": "normal" if fill.fill_type == "normal" else fill.fill_type, "u": fill.user_id,
        "o": int(fill.order_id) if fill.order_id.isdigit() else fill.order_id, "S": fill.side.value, "s": fill.size,
        "p": wire.num(fill.price), "po": fill.position_after, "r": fill.role, "c": fill.client_order_id or "",
        "t": wire.micros(fill.created_at), "se": seq,
    }


def user_trade(event: FillHappened, seq: int) -> dict[str, Any]:
    fill = event.fill
    return {
        "type": "user_trades", "symbol": fill.symbol, "fill_id": fill.id, "reason": "normal",
        "product_id": fill.product_id, "user_id": fill.user_id, "order_id": fill.order_id, "side": fill.side.value,
        "size": fill.size, "price": wire.num(fill.price), "role": fill.role,
        "client_order_id": fill.client_order_id or "", "timestamp": wire.micros(fill.created_at), "seq_no": seq,
        "commission": wire.num(fill.commission),
    }
