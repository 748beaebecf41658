"""Builders for simulator tests: a small, fast market and a core with one funded account."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from delta_strangle.domain.orders import OrderType, Side, TimeInForce
from delta_strangle.exchange.sim.config import ExpiryListing, SimConfig, UnderlyingModel
from delta_strangle.exchange.sim.core import SimulatedExchangeCore
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.product import SimProduct
from delta_strangle.exchange.sim.trading import OrderParams

START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # a Wednesday, six hours before settlement


def small_config(**overrides: object) -> SimConfig:
    """Return a BTC-only market with few strikes and one-minute steps (a day is 1440 steps)."""
    btc = UnderlyingModel(
        symbol="BTC", index_symbol=".DEXBTUSD", start_price=Decimal("95000"), annual_vol=0.5, jumps_per_day=0,
        strike_step=Decimal("1000"), strikes_each_side=8, contract_value=Decimal("0.001"),
        tick_size=Decimal("0.1"), atm_vol=0.5, min_half_spread=Decimal("2"), quote_size=50,
    )
    values: dict[str, object] = {
        "seed": 7, "step_seconds": 60.0, "underlyings": (btc,),
        "expiries": ExpiryListing(daily_count=2, weekly_count=1, monthly_count=0),
    }
    values.update(overrides)
    return SimConfig.model_validate(values)


def make_core(**overrides: object) -> SimulatedExchangeCore:
    return build_core(small_config(**overrides), START)


def nearest_product(core: SimulatedExchangeCore, kind: str = "call_options", offset_steps: int = 0) -> SimProduct:
    """Return the nearest-expiry product of a kind, `offset_steps` strikes away from the money (OTM side)."""
    spot = core.spot("BTC")
    live = [p for p in core.market.products() if p.is_live and p.contract_type == kind]
    first_expiry = min(p.settlement_time for p in live)
    chain = sorted((p for p in live if p.settlement_time == first_expiry), key=lambda p: p.strike)
    atm = min(range(len(chain)), key=lambda i: abs(chain[i].strike - spot))
    direction = 1 if kind == "call_options" else -1
    return chain[atm + direction * offset_steps]


def params(product: SimProduct, side: Side, size: int = 1, price: Decimal | None = None, *,
           order_type: OrderType = OrderType.LIMIT, tif: TimeInForce = TimeInForce.GTC, post_only: bool = False,
           reduce_only: bool = False, client_order_id: str | None = None) -> OrderParams:
    return OrderParams(
        product_id=product.id, side=side, size=size, order_type=order_type, limit_price=price, time_in_force=tif,
        post_only=post_only, reduce_only=reduce_only, client_order_id=client_order_id,
    )
