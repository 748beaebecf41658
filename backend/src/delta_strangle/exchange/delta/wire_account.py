"""Delta's account objects on the wire → domain types: orders, fills, positions, balances; and order bodies out.

REST and the private WebSocket describe the same things with different keys (`id` vs `order_id`,
`product_symbol` vs `symbol`, compact `v2/user_trades` keys); each reader accepts all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from delta_strangle.domain.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderState,
    OrderType,
    Position,
    Side,
    TimeInForce,
    WalletBalance,
)
from delta_strangle.exchange.delta.wire import (
    WireError,
    format_decimal,
    require_datetime,
    require_int,
    to_bool,
    to_datetime,
    to_decimal,
    to_id,
    to_int,
)

ZERO = Decimal(0)
SymbolLookup = Callable[[int], str | None]
ProductLookup = Callable[[str], int | None]


def _symbol(raw: Mapping[str, Any], fallback: str | None = None) -> str:
    symbol = raw.get("product_symbol") or raw.get("symbol") or raw.get("sy") or fallback
    if not isinstance(symbol, str):
        raise WireError("object without product symbol")
    return symbol


def _side(value: Any) -> Side:
    try:
        return Side(str(value).lower())
    except ValueError:
        raise WireError(f"unknown side {value!r}") from None


def _state(value: Any) -> OrderState:
    try:
        return OrderState(str(value).lower())
    except ValueError:
        raise WireError(f"unknown order state {value!r}") from None


def order_body(request: OrderRequest, *, client_order_id: str) -> dict[str, Any]:
    """Build the `POST /v2/orders` body: integer size, price as text, booleans as Delta's "true"/"false"."""
    body: dict[str, Any] = {
        "product_id": request.product_id,
        "size": int(request.size),
        "side": request.side.value,
        "order_type": request.order_type.value,
    }
    if request.order_type is OrderType.LIMIT and request.limit_price is not None:
        body["limit_price"] = format_decimal(request.limit_price)
    body["time_in_force"] = request.time_in_force.value
    body["post_only"] = "true" if request.post_only else "false"
    body["reduce_only"] = "true" if request.reduce_only else "false"
    body["client_order_id"] = client_order_id
    return body


def parse_order(raw: Mapping[str, Any], *, symbol_hint: str | None = None, time_hint: datetime | None = None) -> Order:
    """Read an order from REST (`id`) or a private `orders` frame (`order_id`).

    Some REST orders carry no `product_symbol` and snapshot rows carry no time: the caller passes
    the symbol it knows for the product and the frame's time.
    """
    order_id = to_id(raw.get("id")) or to_id(raw.get("order_id"))
    if order_id is None:
        raise WireError("order without id")
    limit_price = to_decimal(raw.get("limit_price"))
    order_type_text = raw.get("order_type")
    if order_type_text in (OrderType.LIMIT.value, OrderType.MARKET.value):
        order_type = OrderType(order_type_text)
    else:  # stream updates omit order_type; a limit price is the tell
        order_type = OrderType.LIMIT if limit_price is not None else OrderType.MARKET
    tif_text = raw.get("time_in_force")
    size = require_int(raw, "size")
    created = to_datetime(raw.get("created_at")) or to_datetime(raw.get("timestamp")) or time_hint
    if created is None:
        created = require_datetime(raw, "updated_at")
    return Order(
        order_id=order_id,
        client_order_id=to_id(raw.get("client_order_id")),
        product_id=require_int(raw, "product_id"),
        symbol=_symbol(raw, symbol_hint),
        side=_side(raw.get("side")),
        size=size,
        unfilled_size=to_int(raw.get("unfilled_size")) if raw.get("unfilled_size") is not None else size,
        order_type=order_type,
        limit_price=limit_price if order_type is OrderType.LIMIT else None,
        time_in_force=TimeInForce(tif_text) if tif_text in ("gtc", "ioc") else TimeInForce.GTC,
        reduce_only=to_bool(raw.get("reduce_only", False)),
        post_only=to_bool(raw.get("post_only", False)),
        state=_state(raw.get("state")),
        average_fill_price=to_decimal(raw.get("average_fill_price")),
        paid_commission=to_decimal(raw.get("paid_commission")) or ZERO,
        cancellation_reason=raw.get("cancellation_reason") or None,
        created_at=created,
        updated_at=to_datetime(raw.get("updated_at")) or to_datetime(raw.get("timestamp")),
    )


def parse_fill(raw: Mapping[str, Any]) -> Fill:
    """Read a fill from `GET /v2/fills` or the legacy `user_trades` channel."""
    fill_id = to_id(raw.get("id")) or to_id(raw.get("fill_id"))
    order_id = to_id(raw.get("order_id"))
    if fill_id is None or order_id is None:
        raise WireError("fill without id or order_id")
    product = raw.get("product") or {}
    meta = raw.get("meta_data") or {}
    return Fill(
        fill_id=fill_id,
        order_id=order_id,
        client_order_id=to_id(raw.get("client_order_id")) or to_id(meta.get("client_order_id")),
        product_id=to_int(raw.get("product_id")) or require_int(product, "id"),
        symbol=_symbol(raw, product.get("symbol")),
        side=_side(raw.get("side")),
        size=require_int(raw, "size"),
        price=_price(raw, "price"),
        commission=to_decimal(raw.get("commission")) or ZERO,
        fill_type=str(raw.get("fill_type") or raw.get("reason") or "normal"),
        created_at=require_datetime(raw, "created_at", "timestamp"),
    )


def _price(raw: Mapping[str, Any], key: str) -> Decimal:
    price = to_decimal(raw.get(key))
    if price is None:
        raise WireError(f"missing {key!r}")
    return price


def parse_compact_fill(raw: Mapping[str, Any], *, product_id_for: ProductLookup) -> Fill:
    """Read a `v2/user_trades` frame (keys sy f R o S s p c t); it names the symbol, not the product id."""
    symbol = _symbol(raw)
    product_id = product_id_for(symbol)
    if product_id is None:
        raise WireError(f"v2/user_trades for unknown symbol {symbol}")
    fill_id, order_id = to_id(raw.get("f")), to_id(raw.get("o"))
    if fill_id is None or order_id is None:
        raise WireError("v2/user_trades without fill or order id")
    return Fill(
        fill_id=fill_id,
        order_id=order_id,
        client_order_id=to_id(raw.get("c")),
        product_id=product_id,
        symbol=symbol,
        side=_side(raw.get("S")),
        size=require_int(raw, "s"),
        price=_price(raw, "p"),
        commission=to_decimal(raw.get("commission")) or ZERO,
        fill_type=str(raw.get("R") or "normal"),
        created_at=require_datetime(raw, "t"),
    )


def parse_position(raw: Mapping[str, Any], *, product_id: int | None = None, symbol: str | None = None) -> Position:
    """Read a position from `/v2/positions/margined`, `/v2/positions` (given its product) or the stream."""
    pid = to_int(raw.get("product_id")) or product_id
    if pid is None:
        raise WireError("position without product_id")
    return Position(
        product_id=pid,
        symbol=_symbol(raw, symbol),
        size=to_int(raw.get("size")) or 0,
        entry_price=to_decimal(raw.get("entry_price")),
    )


def parse_wallet_balance(rows: Any, asset: str) -> WalletBalance:
    """Pick one asset's balance from `GET /v2/wallet/balances`."""
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, Mapping) and row.get("asset_symbol") == asset:
            balance = to_decimal(row.get("balance")) or ZERO
            available = to_decimal(row.get("available_balance"))
            return WalletBalance(
                asset=asset, balance=balance, available_balance=balance if available is None else available
            )
    raise WireError(f"no wallet row for asset {asset}")


def is_after(instant: datetime | None, since: datetime) -> bool:
    """Tell whether an instant is at or after a bound (None never is)."""
    return instant is not None and instant >= since
