"""Public REST endpoints: products, tickers, order book, indices, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from delta_strangle.exchange.sim.core import SimError
from delta_strangle.exchange.sim.product import SimProduct
from delta_strangle.exchange.sim.server import wire
from delta_strangle.exchange.sim.server.gateway import Ctx, envelope
from delta_strangle.exchange.sim.server.params import capped_csv, csv, paginate
from delta_strangle.exchange.sim.trading import bad_schema

L2_LEVEL_SPACING_TICKS = 5


def _filtered(ctx: Ctx, *, states: list[str] | None, contract_types: list[str] | None,
              underlyings: list[str] | None) -> list[SimProduct]:
    wanted_states = set(states or ["live"])
    if "settled" in wanted_states:
        wanted_states.add("expired")
    return [
        p for p in ctx.core.market.products()
        if p.state in wanted_states
        and (contract_types is None or p.contract_type in contract_types)
        and (underlyings is None or p.underlying in underlyings)
    ]


async def list_products(ctx: Ctx) -> Response:
    products = _filtered(ctx, states=csv(ctx.query.get("states")), contract_types=csv(ctx.query.get("contract_types")),
                         underlyings=csv(ctx.query.get("underlying_asset_symbols")))
    if ctx.query.get("expiry"):
        try:
            expiry = datetime.strptime(ctx.query["expiry"], "%Y-%m-%d").date()  # noqa: DTZ007 - a date
        except ValueError:
            raise bad_schema("expiry must be YYYY-MM-DD", "expiry") from None
        products = [p for p in products if p.settlement_time.date() == expiry]
    page, meta = paginate(products, ctx.query, default=100, maximum=500)
    return envelope([wire.product_json(ctx.core, p) for p in page], meta)


def _product(ctx: Ctx, ref: str) -> SimProduct:
    product = ctx.core.product_by_ref(ref)
    if product is None:
        raise SimError(404, "not_found")
    return product


async def get_product(ctx: Ctx) -> Response:
    return envelope(wire.product_json(ctx.core, _product(ctx, ctx.request.path_params["ref"])))


def _index_ticker(ctx: Ctx, symbol: str) -> dict[str, Any] | None:
    """Answer the index (`.DEXBTUSD`) and the perpetual (`BTCUSD`), whose `spot_price` is the index.

    The perpetual is quoted for its `spot_price` only (clients read spot from it); it is not tradeable here.
    """
    for underlying in ctx.core.market.underlyings():
        is_index = ctx.core.market.index_symbol(underlying) == symbol
        is_perpetual = symbol == f"{underlying}USD"
        if is_index or is_perpetual:
            spot = wire.num(ctx.core.spot(underlying))
            return {"symbol": symbol, "contract_type": "spot" if is_index else "perpetual_futures",
                    "spot_price": spot, "mark_price": spot, "underlying_asset_symbol": underlying,
                    "timestamp": wire.micros(ctx.core.now), "greeks": None, "quotes": None}
    return None


async def list_tickers(ctx: Ctx) -> Response:
    products = _filtered(ctx, states=["live"], contract_types=csv(ctx.query.get("contract_types")),
                         underlyings=csv(ctx.query.get("underlying_asset_symbols")))
    if ctx.query.get("expiry_date"):
        try:
            expiry = datetime.strptime(ctx.query["expiry_date"], "%d-%m-%Y").date()  # noqa: DTZ007 - a date
        except ValueError:
            raise bad_schema("expiry_date must be DD-MM-YYYY", "expiry_date") from None
        products = [p for p in products if p.settlement_time.date() == expiry]
    return envelope([wire.ticker_json(ctx.core, p, ctx.core.ticker(p)) for p in products])


async def get_ticker(ctx: Ctx) -> Response:
    symbols = capped_csv(ctx.request.path_params["symbol"], "symbol") or []
    results: list[dict[str, Any]] = []
    for symbol in symbols:
        index = _index_ticker(ctx, symbol)
        if index is not None:
            results.append(index)
            continue
        product = _product(ctx, symbol)
        results.append(wire.ticker_json(ctx.core, product, ctx.core.ticker(product)))
    # One symbol → one object (documented); several → a list (UNCERTAIN on Delta, our choice).
    return envelope(results[0] if len(results) == 1 else results)


async def get_l2_orderbook(ctx: Ctx) -> Response:
    product = _product(ctx, ctx.request.path_params["symbol"])
    try:
        depth = max(1, min(100, int(ctx.query.get("depth", "10"))))
    except ValueError:
        raise bad_schema("depth must be an integer", "depth") from None
    ticker = ctx.core.ticker(product)
    return envelope({"buy": _levels(product, ticker.best_bid, ticker.bid_size, -1, depth),
                     "sell": _levels(product, ticker.best_ask, ticker.ask_size, 1, depth),
                     "last_updated_at": wire.micros(ticker.timestamp), "symbol": product.symbol})


def _levels(product: SimProduct, best: Any, size: int, direction: int, depth: int) -> list[dict[str, Any]]:
    # Only the touch is tradable in the simulator; deeper levels are shown for shape, sized like the touch.
    levels: list[dict[str, Any]] = []
    cumulative = 0
    price = best
    for _ in range(depth):
        if price is None or price <= 0:
            break
        cumulative += size
        levels.append({"depth": str(cumulative), "price": wire.num(price), "size": size})
        price = price + direction * product.tick_size * L2_LEVEL_SPACING_TICKS
    return levels


async def list_indices(ctx: Ctx) -> Response:
    return envelope([
        {"id": wire.ASSET_IDS.get(u, 99) + 100, "symbol": ctx.core.market.index_symbol(u),
         "constituent_exchanges": [{"name": "simulated", "weight": 1.0}], "underlying_asset_id": wire.ASSET_IDS.get(u),
         "quoting_asset_id": 14, "tick_size": "0.01", "index_type": "spot_pair", "price": wire.num(ctx.core.spot(u))}
        for u in ctx.core.market.underlyings()
    ])


async def list_assets(ctx: Ctx) -> Response:
    return envelope([wire.asset("USD")] + [wire.asset(u) for u in ctx.core.market.underlyings()])


async def get_settings(ctx: Ctx) -> Response:
    return envelope({"server_time": wire.micros(ctx.core.now), "under_maintenance": "false",
                     "maintenance_start_time": None})


async def rate_limit_quota(ctx: Ctx) -> Response:
    # Delta answers this one with a bare object, no envelope (seen live; see fixtures README).
    bucket = f"user:{ctx.account.user_id}" if ctx.account is not None else f"ip:{_ip(ctx)}"
    now = ctx.core.now
    return JSONResponse({"current_quota": ctx.limiter.used(bucket, now),
                         "remaining_time_in_milliseconds": ctx.limiter.reset_ms(now)})


def _ip(ctx: Ctx) -> str:
    return ctx.request.client.host if ctx.request.client else "unknown"
