"""Parsing Delta's request bodies and query strings into simulator calls, with `bad_schema` on nonsense."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from delta_strangle.domain.orders import OrderType, Side, TimeInForce
from delta_strangle.exchange.sim.core import SimError, SimulatedExchangeCore
from delta_strangle.exchange.sim.trading import OrderParams, bad_schema

T = TypeVar("T")
MAX_LIST_VALUES = 10


def csv(value: str | None) -> list[str] | None:
    """Split a comma-separated query value; None when absent."""
    if value is None or value == "":
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def capped_csv(value: str | None, name: str) -> list[str] | None:
    items = csv(value)
    if items is not None and len(items) > MAX_LIST_VALUES:
        raise bad_schema(f"{name} accepts at most {MAX_LIST_VALUES} values", name)
    return items


def flag(value: Any, name: str) -> bool:
    """Accept JSON booleans and Delta's documented "true"/"false" strings."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_schema(f"{name} must be true or false", name)


def price(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise bad_schema(f"{name} must be a decimal string", name) from None
    if not parsed.is_finite():
        raise bad_schema(f"{name} must be finite", name)
    return parsed


def whole(value: Any, name: str) -> int:
    """Accept an integer (or an integral string); Delta sizes are whole contracts."""
    if isinstance(value, bool) or value is None:
        raise bad_schema(f"{name} is required and must be an integer", name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise bad_schema(f"{name} must be an integer", name)


def product_id_of(core: SimulatedExchangeCore, body: dict[str, Any]) -> int:
    """Resolve `product_id` or `product_symbol` (exactly one is expected)."""
    if body.get("product_id") is not None:
        return whole(body["product_id"], "product_id")
    symbol = body.get("product_symbol")
    if isinstance(symbol, str):
        product = core.market.product_by_symbol(symbol)
        if product is None:
            raise SimError(400, "invalid_contract")
        return product.id
    raise bad_schema("product_id or product_symbol is required", "product_id")


def order_params(core: SimulatedExchangeCore, body: dict[str, Any], product_id: int | None = None) -> OrderParams:
    """Build order parameters from a CreateOrderRequest body."""
    try:
        side = Side(str(body.get("side")))
    except ValueError:
        raise bad_schema("side must be buy or sell", "side") from None
    try:
        order_type = OrderType(body.get("order_type", "limit_order"))
        tif = TimeInForce(body.get("time_in_force", "gtc"))
    except ValueError:
        raise bad_schema("unsupported order_type or time_in_force", "order_type") from None
    client_order_id = body.get("client_order_id")
    if client_order_id is not None and not isinstance(client_order_id, str):
        raise bad_schema("client_order_id must be a string", "client_order_id")
    return OrderParams(
        product_id=product_id if product_id is not None else product_id_of(core, body),
        side=side, size=whole(body.get("size"), "size"), order_type=order_type,
        limit_price=price(body.get("limit_price"), "limit_price"), time_in_force=tif,
        post_only=flag(body.get("post_only"), "post_only"), reduce_only=flag(body.get("reduce_only"), "reduce_only"),
        client_order_id=client_order_id or None,
    )


def micros_param(value: str | None) -> datetime | None:
    """Parse a µs epoch filter (`start_time`, `end_time`)."""
    if value is None:
        return None
    if not value.isdigit():
        raise bad_schema("time filters are epoch microseconds", "start_time")
    return datetime.fromtimestamp(int(value) / 1_000_000, tz=UTC)


def paginate(items: Sequence[T], query: dict[str, str], default: int, maximum: int) -> tuple[list[T], dict[str, Any]]:
    """Cut one page with Delta's opaque `after`/`before` cursors."""
    try:
        size = min(maximum, max(1, int(query.get("page_size", default))))
    except ValueError:
        raise bad_schema("page_size must be an integer", "page_size") from None
    start = 0
    if query.get("after"):
        start = _decode_cursor(query["after"])
    elif query.get("before"):
        start = max(0, _decode_cursor(query["before"]) - size)
    page = list(items[start:start + size])
    after = _encode_cursor(start + size) if start + size < len(items) else None
    before = _encode_cursor(start) if start > 0 else None
    return page, {"after": after, "before": before}


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        return int(text.removeprefix("offset:"))
    except (ValueError, UnicodeDecodeError):
        raise bad_schema("invalid cursor", "after") from None
