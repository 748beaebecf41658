"""Delta's JSON shapes for the simulator's records: products, tickers, orders, fills, positions, wallet.

Prices, balances and greeks are strings; sizes and ids are integers; ticker timestamps are epoch
microseconds and record times ISO-8601 `Z` strings (delta-exchange-api.md §2.2).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from delta_strangle.exchange.sim.accounts import SimFill, SimOrder, SimPosition
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.core import SimulatedExchangeCore, WalletView
from delta_strangle.exchange.sim.product import EXPIRED, SimProduct, SimTicker

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
USD_ASSET = {"id": 14, "symbol": "USD", "precision": 8, "deposit_status": "enabled", "withdrawal_status": "enabled",
             "base_withdrawal_fee": "0.000000000000000000", "min_withdrawal_amount": "0.000000000000000000"}
ASSET_IDS = {"BTC": 1, "ETH": 3}


def micros(instant: datetime) -> int:
    """Return epoch microseconds of an instant (exact, no float)."""
    return (instant - EPOCH) // timedelta(microseconds=1)


def iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def num(value: Decimal | None) -> str | None:
    """Return a decimal as Delta writes it: a plain string, never exponent notation."""
    return None if value is None else format(value, "f")


def fnum(value: float | None, places: int = 8) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def asset(symbol: str) -> dict[str, Any]:
    return {**USD_ASSET, "id": ASSET_IDS.get(symbol, 99), "symbol": symbol}


def product_json(core: SimulatedExchangeCore, product: SimProduct) -> dict[str, Any]:
    """Return a product in Delta's Product shape."""
    config: SimConfig = core.config
    kind_word = "call" if product.contract_type == "call_options" else "put"
    expiry = product.settlement_time
    specs: dict[str, Any] = {
        "premium_commission_rate": float(config.fees.premium_cap), "max_volatility": 3.0, "min_volatility": 0.1,
        "vol_calculation_method": "orderbook", "vol_expiry_time": None, "max_deviation_from_external_vol": 0.5,
    }
    if product.settlement_price is not None:
        specs["settlement_index_price"] = num(product.settlement_price)
    # As Delta: an expired option's `settlement_price` is what one unit settled at ("0" out of the money),
    # the index it settled on is `product_specs.settlement_index_price`; null until settled.
    settled = num(product.settlement_value()) if product.state == EXPIRED else None
    return {
        "id": product.id, "symbol": product.symbol,
        "description": f"{product.underlying} {kind_word} option expiring on {expiry.day}-{expiry.month}-{expiry.year}",
        "short_description": f"{product.underlying} {kind_word.title()} Option",
        "contract_type": product.contract_type, "strike_price": num(product.strike),
        "settlement_time": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"), "launch_time": iso(product.launch_time),
        "created_at": iso(product.launch_time), "updated_at": iso(product.launch_time), "state": product.state,
        "trading_status": "operational" if product.is_live else "disrupted_cancel_only",
        "contract_value": num(product.contract_value), "contract_unit_currency": product.underlying,
        "tick_size": num(product.tick_size), "notional_type": "vanilla", "impact_size": 10,
        "initial_margin": num(config.margin.initial_margin_pct),
        "maintenance_margin": num(config.margin.maintenance_margin_pct),
        "initial_margin_scaling_factor": "0", "maintenance_margin_scaling_factor": "0",
        "default_leverage": "10.000000000000000000", "max_leverage_notional": "20000000",
        "taker_commission_rate": num(config.fees.rate), "maker_commission_rate": num(config.fees.rate),
        "position_size_limit": 100000, "price_band": "100", "liquidation_penalty_factor": "0.5",
        "insurance_fund_margin_contribution": "1", "basis_factor_max_limit": "0", "annualized_funding": "0",
        "funding_method": "mark_price", "is_quanto": False, "settlement_price": settled,
        "barrier_price": None, "auction_start_time": None, "auction_finish_time": None, "disruption_reason": None,
        "product_specs": specs, "underlying_asset": asset(product.underlying), "quoting_asset": asset("USD"),
        "settling_asset": asset("USD"),
        "spot_index": {"id": ASSET_IDS.get(product.underlying, 99) + 100,
                       "symbol": core.market.index_symbol(product.underlying),
                       "constituent_exchanges": [{"name": "simulated", "weight": 1.0}],
                       "underlying_asset_id": ASSET_IDS.get(product.underlying, 99), "quoting_asset_id": 14,
                       "tick_size": "0.01", "index_type": "spot_pair"},
        "ui_config": {},
    }


def ticker_json(core: SimulatedExchangeCore, product: SimProduct, ticker: SimTicker) -> dict[str, Any]:
    """Return a ticker in Delta's REST Ticker shape."""
    volume = core.traded_volume.get(product.id, 0)
    oi = ticker.oi_contracts
    g = ticker.greeks
    mark = ticker.mark_price
    return {
        "contract_type": product.contract_type,
        "greeks": None if g is None else {
            "delta": fnum(g.delta), "gamma": fnum(g.gamma), "rho": fnum(g.rho), "spot": num(ticker.spot),
            "theta": fnum(g.theta), "vega": fnum(g.vega),
        },
        "mark_price": num(mark), "mark_vol": fnum(ticker.mark_iv), "mark_change_24h": "0.0000",
        "oi": num(Decimal(oi) * product.contract_value), "oi_contracts": str(oi),
        "oi_value": num(Decimal(oi) * product.contract_value), "oi_value_symbol": product.underlying,
        "oi_value_usd": num((Decimal(oi) * product.contract_value * ticker.spot).quantize(Decimal("0.0001"))),
        "oi_change_usd_6h": "0.0000",
        "price_band": {"lower_limit": num(product.tick_size), "upper_limit": num(mark * 3 + ticker.spot / 10)},
        "product_id": product.id,
        "quotes": {
            "ask_iv": fnum(ticker.ask_iv), "ask_size": str(ticker.ask_size), "best_ask": num(ticker.best_ask),
            "best_bid": num(ticker.best_bid), "bid_iv": fnum(ticker.bid_iv),
            "bid_size": str(ticker.bid_size), "impact_mid_price": None, "mark_iv": fnum(ticker.mark_iv),
        },
        "size": volume, "spot_price": num(ticker.spot), "strike_price": num(product.strike),
        "symbol": product.symbol, "timestamp": micros(ticker.timestamp),
        "turnover": float(volume * product.contract_value * mark), "turnover_symbol": "USD",
        "turnover_usd": float(volume * product.contract_value * mark),
        "underlying_asset_symbol": product.underlying, "volume": float(volume * product.contract_value),
    }


def order_json(order: SimOrder) -> dict[str, Any]:
    """Return an order in Delta's Order shape."""
    return {
        "id": order.id, "user_id": order.user_id, "product_id": order.product_id, "product_symbol": order.symbol,
        "size": order.size, "unfilled_size": order.unfilled_size, "side": order.side.value,
        "order_type": order.order_type.value, "limit_price": num(order.limit_price),
        "time_in_force": order.time_in_force.value, "post_only": order.post_only, "reduce_only": order.reduce_only,
        "state": order.state.value, "average_fill_price": num(order.average_fill_price),
        "paid_commission": num(order.paid_commission), "commission": "0",
        "client_order_id": order.client_order_id, "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at), "cancellation_reason": order.cancellation_reason,
        "stop_order_type": None, "stop_price": None, "stop_trigger_method": "mark_price", "trail_amount": None,
        "close_on_trigger": "false", "bracket_order": None, "bracket_stop_loss_price": None,
        "bracket_stop_loss_limit_price": None, "bracket_take_profit_price": None,
        "bracket_take_profit_limit_price": None, "bracket_trail_amount": None, "meta_data": {"source": "api"},
    }


def fill_json(core: SimulatedExchangeCore, fill: SimFill) -> dict[str, Any]:
    """Return a fill in Delta's Fill shape (with the nested product summary)."""
    product = core.market.product(fill.product_id)
    order = None
    if fill.fill_type != "settlement":
        account = core.accounts.get(fill.user_id)
        order = None if account is None else account.orders.get(int(fill.order_id))
    commission = num(fill.commission)
    return {
        "id": fill.id, "size": fill.size, "fill_type": fill.fill_type, "side": fill.side.value,
        "price": num(fill.price), "role": fill.role, "commission": commission, "created_at": iso(fill.created_at),
        "product_id": fill.product_id, "product_symbol": fill.symbol, "order_id": fill.order_id,
        "client_order_id": fill.client_order_id, "settling_asset_id": 14, "settling_asset_symbol": "USD",
        "product": None if product is None else {
            "id": product.id, "symbol": product.symbol, "contract_type": product.contract_type,
            "contract_value": num(product.contract_value), "tick_size": num(product.tick_size),
            "notional_type": "vanilla", "strike_price": num(product.strike),
            "settlement_time": product.settlement_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "settling_asset": {"symbol": "USD"}, "underlying_asset": {"symbol": product.underlying},
        },
        "meta_data": {
            "effective_commission_rate": num(fill.effective_commission_rate),
            "order_price": num(order.limit_price) if order is not None else None,
            # Strings, as in the India docs' Fill example (a Global live sample shows integers).
            "order_size": str(order.size if order is not None else fill.size),
            "order_type": fill.order_type.value if fill.order_type is not None else None,
            "order_unfilled_size": str(order.unfilled_size if order is not None else 0),
            "trading_fee_credits_used": "0", "commission_deto": "0", "commission_deto_in_settling_asset": "0",
            "liquidation_fee_deto": "0", "liquidation_fee_deto_in_settling_asset": "0",
            "tfc_used_for_commission": "0", "tfc_used_for_liquidation_fee": "0",
            "total_commission_in_settling_asset": commission, "total_liquidation_fee_in_settling_asset": "0",
        },
    }


def position_json(core: SimulatedExchangeCore, user_id: int, position: SimPosition) -> dict[str, Any]:
    """Return a position in the shape of GET /v2/positions/margined (unrealized PnL is signed MTM)."""
    product = core.market.product(position.product_id)
    mark = core.ticker(product).mark_price if product is not None else None
    account = core.accounts[user_id]
    unrealized = Decimal(0)
    if product is not None and mark is not None and position.entry_price is not None:
        unrealized = (mark - position.entry_price) * position.size * product.contract_value
    return {
        "user_id": user_id, "product_id": position.product_id, "product_symbol": position.symbol,
        "size": position.size, "entry_price": num(position.entry_price), "mark_price": num(mark),
        "margin": num(core.position_margin(account, position.product_id)), "margin_mode": "isolated",
        "auto_topup": False, "liquidation_price": None, "bankruptcy_price": None, "adl_level": None,
        "commission": num(position.commission), "realized_pnl": num(position.realized_pnl),
        "realized_funding": "0", "realized_cashflow": num(position.realized_cashflow),
        "realized_holding_cost": "0", "unrealized_pnl": num(unrealized.quantize(Decimal("0.00000001"))),
        "created_at": iso(position.created_at), "updated_at": iso(position.updated_at),
        "product": None if product is None else product_json(core, product),
    }


def wallet_json(user_id: int, wallet: WalletView) -> dict[str, Any]:
    """Return the USD wallet row of GET /v2/wallet/balances."""
    return {
        "asset_id": 14, "asset_symbol": "USD", "id": user_id * 10 + 14, "user_id": user_id,
        "balance": num(wallet.balance), "available_balance": num(wallet.available_balance),
        "available_balance_for_robo": num(wallet.available_balance), "blocked_margin": num(wallet.blocked_margin),
        "order_margin": num(wallet.order_margin), "position_margin": num(wallet.position_margin),
        "commission": num(wallet.commission), "cross_order_margin": "0", "cross_position_margin": "0",
        "cross_commission": "0", "cross_locked_collateral": "0", "cross_asset_liability": "0",
        "portfolio_margin": "0", "interest_credit": "0", "pending_referral_bonus": "0",
        "pending_trading_fee_credit": "0", "trading_fee_credit": "0", "unvested_amount": "0",
    }
