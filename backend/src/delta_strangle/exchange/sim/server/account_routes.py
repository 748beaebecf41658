"""Private REST endpoints: orders, batch orders, fills, positions, wallet, deadman switch."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from delta_strangle.domain.orders import OrderState, TimeInForce
from delta_strangle.exchange.sim import trading
from delta_strangle.exchange.sim.accounts import SimOrder
from delta_strangle.exchange.sim.core import SimError
from delta_strangle.exchange.sim.server import wire
from delta_strangle.exchange.sim.server.gateway import Ctx, envelope
from delta_strangle.exchange.sim.server.params import (
    capped_csv,
    csv,
    micros_param,
    order_params,
    paginate,
    price,
    product_id_of,
    whole,
)
from delta_strangle.exchange.sim.trading import bad_schema

BATCH_MAX = 50


async def place_order(ctx: Ctx) -> Response:
    order = trading.place_order(ctx.core, ctx.user(), order_params(ctx.core, ctx.body))
    return envelope(wire.order_json(order))


async def edit_order(ctx: Ctx) -> Response:
    size = None if ctx.body.get("size") is None else whole(ctx.body["size"], "size")
    order = trading.edit_order(ctx.core, ctx.user(), whole(ctx.body.get("id"), "id"), size=size,
                               limit_price=price(ctx.body.get("limit_price"), "limit_price"))
    return envelope(wire.order_json(order))


def _cancel_one(ctx: Ctx, item: dict[str, Any]) -> SimOrder:
    order_id = item.get("id")
    client_order_id = item.get("client_order_id")
    if order_id is None and not client_order_id:
        raise bad_schema("id is required")
    return trading.cancel_order(ctx.core, ctx.user(), order_id=None if order_id is None else whole(order_id, "id"),
                                client_order_id=client_order_id)


async def cancel_order(ctx: Ctx) -> Response:
    return envelope(wire.order_json(_cancel_one(ctx, ctx.body)))


async def cancel_all(ctx: Ctx) -> Response:
    product_id = ctx.body.get("product_id")
    trading.cancel_all(
        ctx.core, ctx.user(), product_ids=None if product_id is None else [whole(product_id, "product_id")],
        contract_types=None if product_id is not None else csv(ctx.body.get("contract_types")),
    )
    return envelope({})


async def batch_place(ctx: Ctx) -> Response:
    orders = _batch_items(ctx)
    product_id = product_id_of(ctx.core, ctx.body)
    placed: list[dict[str, Any]] = []
    for item in orders:
        params = order_params(ctx.core, item, product_id)
        if params.time_in_force is TimeInForce.IOC:
            raise bad_schema("batch orders cannot be ioc", "time_in_force")
        try:
            placed.append(wire.order_json(trading.place_order(ctx.core, ctx.user(), params)))
        except SimError:
            continue  # Delta leaves rejected entries out of the batch result
    return envelope(placed)


async def batch_edit(ctx: Ctx) -> Response:
    edited = []
    for item in _batch_items(ctx):
        size = None if item.get("size") is None else whole(item["size"], "size")
        edited.append(wire.order_json(trading.edit_order(
            ctx.core, ctx.user(), whole(item.get("id"), "id"), size=size,
            limit_price=price(item.get("limit_price"), "limit_price"))))
    return envelope(edited)


async def batch_cancel(ctx: Ctx) -> Response:
    cancelled = []
    for item in _batch_items(ctx):
        try:
            cancelled.append(wire.order_json(_cancel_one(ctx, item)))
        except SimError:
            continue
    return envelope(cancelled)


def _batch_items(ctx: Ctx) -> list[dict[str, Any]]:
    orders = ctx.body.get("orders")
    if not isinstance(orders, list) or not orders or len(orders) > BATCH_MAX:
        raise bad_schema(f"orders must be a list of 1-{BATCH_MAX} orders", "orders")
    return [o for o in orders if isinstance(o, dict)]


def _order_filter(ctx: Ctx, orders: list[SimOrder]) -> list[SimOrder]:
    product_ids = capped_csv(ctx.query.get("product_ids"), "product_ids")
    contract_types = csv(ctx.query.get("contract_types"))
    start = micros_param(ctx.query.get("start_time"))
    end = micros_param(ctx.query.get("end_time"))
    kept = []
    for order in orders:
        product = ctx.core.market.product(order.product_id)
        if product_ids is not None and str(order.product_id) not in product_ids:
            continue
        if contract_types is not None and (product is None or product.contract_type not in contract_types):
            continue
        if (start is not None and order.created_at < start) or (end is not None and order.created_at > end):
            continue
        kept.append(order)
    return kept


async def list_open_orders(ctx: Ctx) -> Response:
    states = set(csv(ctx.query.get("states") or ctx.query.get("state")) or ["open", "pending"])
    orders = [o for o in ctx.user().orders.values() if o.state.value in states]
    orders = sorted(_order_filter(ctx, orders), key=lambda o: o.id, reverse=True)
    page, meta = paginate(orders, ctx.query, default=100, maximum=100)
    return envelope([wire.order_json(o) for o in page], meta)


async def order_history(ctx: Ctx) -> Response:
    finished = [o for o in ctx.user().orders.values() if o.state in (OrderState.CLOSED, OrderState.CANCELLED)]
    orders = sorted(_order_filter(ctx, finished), key=lambda o: o.updated_at, reverse=True)
    page, meta = paginate(orders, ctx.query, default=50, maximum=50)
    return envelope([wire.order_json(o) for o in page], meta)


async def get_order(ctx: Ctx) -> Response:
    order = trading.find_order(ctx.user(), whole(ctx.request.path_params["order_id"], "order_id"), None)
    return envelope(wire.order_json(order))


async def get_order_by_client_id(ctx: Ctx) -> Response:
    order = ctx.user().latest_order_by_client_id(ctx.request.path_params["client_order_id"])
    if order is None:
        raise SimError(404, "open_order_not_found")
    return envelope(wire.order_json(order))


async def list_fills(ctx: Ctx) -> Response:
    product_ids = capped_csv(ctx.query.get("product_ids"), "product_ids")
    start = micros_param(ctx.query.get("start_time"))
    end = micros_param(ctx.query.get("end_time"))
    fills = [
        f for f in reversed(ctx.user().fills)
        if (product_ids is None or str(f.product_id) in product_ids)
        and (start is None or f.created_at >= start) and (end is None or f.created_at <= end)
    ]
    page, meta = paginate(fills, ctx.query, default=50, maximum=50)
    return envelope([wire.fill_json(ctx.core, f) for f in page], meta)


async def get_position(ctx: Ctx) -> Response:
    account = ctx.user()
    product_id = ctx.query.get("product_id")
    underlying = ctx.query.get("underlying_asset_symbol")
    if (product_id is None) == (underlying is None):
        raise bad_schema("exactly one of product_id or underlying_asset_symbol is required", "product_id")
    now = wire.micros(ctx.core.now)
    if product_id is not None:
        position = account.positions.get(whole(product_id, "product_id"))
        size = 0 if position is None else position.size
        entry = None if position is None else wire.num(position.entry_price)
        return envelope({"size": size, "entry_price": entry, "timestamp": now})
    rows = []
    for position in account.positions.values():
        product = ctx.core.market.product(position.product_id)
        if position.size != 0 and product is not None and product.underlying == underlying:
            rows.append({"product_id": position.product_id, "product_symbol": position.symbol, "size": position.size,
                         "entry_price": wire.num(position.entry_price), "timestamp": now})
    return envelope(rows)


async def margined_positions(ctx: Ctx) -> Response:
    account = ctx.user()
    product_ids = capped_csv(ctx.query.get("product_ids"), "product_ids")
    contract_types = csv(ctx.query.get("contract_types"))
    rows = []
    for position in account.positions.values():
        product = ctx.core.market.product(position.product_id)
        if position.size == 0 or (product_ids is not None and str(position.product_id) not in product_ids):
            continue
        if contract_types is not None and (product is None or product.contract_type not in contract_types):
            continue
        rows.append(wire.position_json(ctx.core, account.user_id, position))
    return envelope(rows)


async def close_all(ctx: Ctx) -> Response:
    trading.cancel_all(ctx.core, ctx.user())
    trading.close_positions(ctx.core, ctx.user())
    return envelope({})


async def wallet_balances(ctx: Ctx) -> Response:
    account = ctx.user()
    wallet = ctx.core.wallet(account)
    return envelope([wire.wallet_json(account.user_id, wallet)],
                    {"net_equity": wire.num(wallet.balance), "robo_trading_equity": "0"})


async def wallet_transactions(ctx: Ctx) -> Response:
    kinds = csv(ctx.query.get("transaction_types"))
    rows = [
        {"id": t.id, "amount": wire.num(t.amount), "balance": wire.num(t.balance),
         "transaction_type": t.transaction_type, "meta_data": t.meta_data, "product_id": t.product_id,
         "asset_id": 14, "asset_symbol": "USD", "created_at": wire.iso(t.created_at), "user_id": t.user_id}
        for t in reversed(ctx.user().transactions)
        if kinds is None or t.transaction_type in kinds
    ]
    page, meta = paginate(rows, ctx.query, default=50, maximum=50)
    return envelope(page, meta)


async def trading_preferences(ctx: Ctx) -> Response:
    return envelope({"user_id": ctx.user().user_id, "default_auto_topup": False, "vip_level": 0,
                     "vip_discount_factor": "0", "volume_30d": "0"})


async def heartbeat_create(ctx: Ctx) -> Response:
    heartbeat_id = ctx.body.get("heartbeat_id")
    if not isinstance(heartbeat_id, str) or not heartbeat_id:
        raise bad_schema("heartbeat_id is required", "heartbeat_id")
    return envelope({"heartbeat_id": heartbeat_id})


async def heartbeat_ack(ctx: Ctx) -> Response:
    ttl = whole(ctx.body.get("ttl", 0), "ttl")
    deadline = ctx.core.heartbeat(ctx.user(), ttl)
    return envelope({"heartbeat_timestamp": str(wire.micros(ctx.core.now)), "process_enabled": deadline is not None})


async def heartbeat_status(ctx: Ctx) -> Response:
    deadline = ctx.user().heartbeat_deadline
    return envelope({"active": deadline is not None,
                     "expires_at": None if deadline is None else str(wire.micros(deadline))})
