"""Order operations of the simulated exchange: place, edit, cancel, close, match, settle.

Validation follows Delta's order (delta-exchange-api.md §7.1): product live → reduce-only → margin →
post-only. Rejections raise `SimError` with Delta's error code; accepted orders are returned with their
state after immediate matching (`open` resting, `closed` filled, `cancelled` for an IOC remainder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from delta_strangle.domain.orders import OrderState, OrderType, Side, TimeInForce
from delta_strangle.exchange.sim import matching
from delta_strangle.exchange.sim.accounts import Account, SimFill, SimOrder
from delta_strangle.exchange.sim.commission import commission_for
from delta_strangle.exchange.sim.core import SimError, SimulatedExchangeCore
from delta_strangle.exchange.sim.events import FillHappened, MarginChanged, OrderChanged
from delta_strangle.exchange.sim.faults import FaultKind
from delta_strangle.exchange.sim.product import SimProduct, SimTicker

CLIENT_ORDER_ID_MAX = 32


@dataclass(frozen=True)
class OrderParams:
    product_id: int
    side: Side
    size: int
    order_type: OrderType = OrderType.LIMIT
    limit_price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    client_order_id: str | None = None


def bad_schema(message: str, param: str = "") -> SimError:
    """Return Delta's `bad_schema` error with one schema message."""
    return SimError(400, "bad_schema", {"schema_errors": [{"code": "validation_error", "message": message,
                                                           "param": param}]})


def place_order(core: SimulatedExchangeCore, account: Account, params: OrderParams) -> SimOrder:
    """Validate, accept and immediately match an order; raise SimError when Delta would refuse it."""
    product = core.market.product(params.product_id)
    if product is None or not product.is_live:
        raise SimError(400, "invalid_contract")
    if params.size < 1:
        raise bad_schema("size must be a positive integer", "size")
    limit_price = params.limit_price
    if params.order_type is OrderType.LIMIT:
        if limit_price is None or limit_price <= 0:
            raise bad_schema("limit_price must be greater than 0", "limit_price")
        # Off-tick prices move onto the tick toward the passive side (a buy never pays more than asked).
        limit_price = product.on_tick(limit_price, up=params.side is Side.SELL)
        if limit_price <= 0:
            limit_price = product.tick_size
    else:
        limit_price = None
    cid = params.client_order_id
    if cid is not None:
        if len(cid) > CLIENT_ORDER_ID_MAX or not cid:
            raise bad_schema("client_order_id must be 1-32 characters", "client_order_id")
        if account.open_order_by_client_id(cid) is not None:
            raise SimError(400, core.config.duplicate_client_order_id_code, {"client_order_id": cid})
    rule = core.faults.fires(FaultKind.ORDER_REJECT, core.now, underlying=product.underlying)
    if rule is not None:
        raise SimError(400, rule.code)
    position_size = account.position_size(product.id)
    if params.reduce_only and (position_size == 0 or (position_size > 0) == (params.side is Side.BUY)):
        raise SimError(400, core.config.reduce_only_reject_code)
    if not params.reduce_only:
        _check_margin(core, account, product, params.side, params.size, limit_price)
    ticker = core.ticker(product)
    if params.post_only and matching.crosses(params.side, limit_price, ticker):
        raise SimError(400, "immediate_execution_post_only")
    order = SimOrder(
        id=core.next_order_id(), user_id=account.user_id, product_id=product.id, symbol=product.symbol,
        side=params.side, size=params.size, unfilled_size=params.size, order_type=params.order_type,
        limit_price=limit_price,
        time_in_force=TimeInForce.IOC if params.order_type is OrderType.MARKET else params.time_in_force,
        post_only=params.post_only, reduce_only=params.reduce_only, client_order_id=cid, state=OrderState.OPEN,
        created_at=core.now, updated_at=core.now,
    )
    account.orders[order.id] = order
    core.bus.publish(OrderChanged(user_id=account.user_id, order=order, action="create", reason=""))
    execution = matching.take(order, ticker, core.available_at_touch(product, order.side, ticker))
    if execution is not None:
        execute(core, account, order, product, ticker, execution)
    if order.is_open and order.time_in_force is TimeInForce.IOC:
        _finish_ioc(core, account, order)
    core.bus.publish(MarginChanged(user_id=account.user_id))
    return order


def _check_margin(core: SimulatedExchangeCore, account: Account, product: SimProduct, side: Side, size: int,
                  price: Decimal | None) -> None:
    required = core.opening_requirement(account, product, side, size, price)
    if required <= 0:
        return
    available = core.wallet(account).available_balance
    if required > available:
        raise SimError(400, "insufficient_margin", {
            "available_balance": str(available),
            "required_additional_balance": str(required - available),
        })


def _finish_ioc(core: SimulatedExchangeCore, account: Account, order: SimOrder) -> None:
    # An IOC/market remainder is cancelled; a partly filled one reports `closed` with its unfilled size.
    order.state = OrderState.CLOSED if order.unfilled_size < order.size else OrderState.CANCELLED
    order.cancellation_reason = None if order.state is OrderState.CLOSED else "ioc_unfilled"
    order.updated_at = core.now
    core.bus.publish(OrderChanged(user_id=account.user_id, order=order, action="delete", reason=""))


def execute(core: SimulatedExchangeCore, account: Account, order: SimOrder, product: SimProduct,
            ticker: SimTicker, execution: matching.Execution) -> None:
    """Book one execution: order, position, wallet, fill record, liquidity, events."""
    size = execution.size
    if order.reduce_only:
        # Reduce-only never flips: what the position cannot absorb is cancelled.
        size = min(size, abs(account.position_size(product.id)))
        if size == 0:
            core.cancel(account, order, "reduce_only_position_closed")
            return
    index = core.spot(product.underlying)
    commission = commission_for(core.config.fees, index_price=index, price=execution.price, size=size,
                                contract_value=product.contract_value)
    order.record_fill(size, execution.price, commission, core.now)
    position = account.position(product.id, product.symbol)
    position.apply(order.side, size, execution.price, product.contract_value, core.now)
    position.commission += commission
    cash = -order.side.sign * execution.price * size * product.contract_value
    account.balance += cash - commission
    core.record_transaction(account, cash, "cashflow", product.id)
    core.record_transaction(account, -commission, "commission", product.id)
    notional = index * size * product.contract_value
    fill = SimFill(
        id=core.next_fill_id(), user_id=account.user_id, order_id=str(order.id),
        client_order_id=order.client_order_id, product_id=product.id, symbol=product.symbol, side=order.side,
        size=size, price=execution.price, role=execution.role, fill_type="normal", commission=commission,
        created_at=core.now, order_type=order.order_type, position_after=position.size,
        effective_commission_rate=(commission / notional).quantize(Decimal("0.00000001")) if notional else Decimal(0),
    )
    account.fills.append(fill)
    core.consume(product, order.side, ticker, size)
    core.traded_volume[product.id] = core.traded_volume.get(product.id, 0) + size
    core.bus.publish(FillHappened(user_id=account.user_id, fill=fill))
    action = "delete" if order.state is OrderState.CLOSED else "update"
    core.bus.publish(OrderChanged(user_id=account.user_id, order=order, action=action, reason="fill"))
    core.announce_position(account, product.id)


def match_resting(core: SimulatedExchangeCore) -> None:
    """Fill resting limit orders that the current quotes cross, oldest first."""
    resting = sorted(
        ((account, order) for account in core.accounts.values() for order in account.open_orders()),
        key=lambda pair: pair[1].id,
    )
    for account, order in resting:
        product = core.market.product(order.product_id)
        if product is None or not product.is_live:
            continue
        ticker = core.ticker(product)
        execution = matching.rest_fill(order, ticker, core.available_at_touch(product, order.side, ticker))
        if execution is not None:
            execute(core, account, order, product, ticker, execution)


def find_order(account: Account, order_id: int | None, client_order_id: str | None) -> SimOrder:
    """Return an order by id or client order id; `open_order_not_found` when absent."""
    order = account.orders.get(order_id) if order_id is not None else None
    if order is None and client_order_id is not None:
        order = account.open_order_by_client_id(client_order_id) or account.latest_order_by_client_id(client_order_id)
    if order is None:
        raise SimError(404, "open_order_not_found")
    return order


def cancel_order(core: SimulatedExchangeCore, account: Account, *, order_id: int | None = None,
                 client_order_id: str | None = None) -> SimOrder:
    """Cancel one open order; `open_order_not_found` for an unknown or finished one."""
    order = find_order(account, order_id, client_order_id)
    if not order.is_open:
        raise SimError(400, "open_order_not_found")
    return core.cancel(account, order, "cancelled_by_user")


def edit_order(core: SimulatedExchangeCore, account: Account, order_id: int, *, size: int | None,
               limit_price: Decimal | None) -> SimOrder:
    """Change an open order's total size and/or limit price, then match it again."""
    order = find_order(account, order_id, None)
    if not order.is_open:
        raise SimError(400, "open_order_not_found")
    product = core.market.product(order.product_id)
    assert product is not None
    filled = order.size - order.unfilled_size
    if size is not None:
        if size <= filled:
            raise bad_schema("size must exceed the filled size", "size")
        order.size, order.unfilled_size = size, size - filled
    if limit_price is not None:
        order.limit_price = product.on_tick(limit_price, up=order.side is Side.SELL)
    order.updated_at = core.now
    core.bus.publish(OrderChanged(user_id=account.user_id, order=order, action="update", reason=""))
    ticker = core.ticker(product)
    execution = matching.take(order, ticker, core.available_at_touch(product, order.side, ticker))
    if execution is not None:
        execute(core, account, order, product, ticker, execution)
    return order


def cancel_all(core: SimulatedExchangeCore, account: Account, *, product_ids: Sequence[int] | None = None,
               contract_types: Sequence[str] | None = None) -> list[SimOrder]:
    """Cancel open orders, optionally only on some products or contract types."""
    cancelled: list[SimOrder] = []
    for order in account.open_orders():
        product = core.market.product(order.product_id)
        if product_ids is not None and order.product_id not in product_ids:
            continue
        if contract_types is not None and (product is None or product.contract_type not in contract_types):
            continue
        cancelled.append(core.cancel(account, order, "cancelled_by_user"))
    return cancelled


def close_positions(core: SimulatedExchangeCore, account: Account, product_ids: Sequence[int] | None = None
                    ) -> list[SimOrder]:
    """Flatten positions with reduce-only market orders (all, or only these products)."""
    orders: list[SimOrder] = []
    for position in list(account.positions.values()):
        if position.size == 0 or (product_ids is not None and position.product_id not in product_ids):
            continue
        product = core.market.product(position.product_id)
        if product is None or not product.is_live:
            continue
        side = Side.BUY if position.size < 0 else Side.SELL
        orders.append(place_order(core, account, OrderParams(
            product_id=position.product_id, side=side, size=abs(position.size), order_type=OrderType.MARKET,
            time_in_force=TimeInForce.IOC, reduce_only=True,
        )))
    return orders


def settle(core: SimulatedExchangeCore, product: SimProduct) -> None:
    """Cash-settle every position in an expired product at its settlement value and cancel its open orders."""
    value = product.settlement_value()
    index = None if product.settlement_price is None else str(product.settlement_price)
    for account in core.accounts.values():
        for order in account.open_orders():
            if order.product_id == product.id:
                core.cancel(account, order, "product_expired")
        position = account.positions.get(product.id)
        if position is None or position.size == 0:
            continue
        size = position.size
        side = Side.SELL if size > 0 else Side.BUY
        position.apply(side, abs(size), value, product.contract_value, core.now)
        cash = Decimal(size) * value * product.contract_value
        account.balance += cash
        core.record_transaction(account, cash, "settlement", product.id, settlement_price=str(value),
                                settlement_index_price=index)
        fill = SimFill(
            id=core.next_fill_id(), user_id=account.user_id, order_id=core.next_fill_id(settlement=True),
            client_order_id=None, product_id=product.id, symbol=product.symbol, side=side, size=abs(size),
            price=value, role="taker", fill_type="settlement", commission=Decimal(0), created_at=core.now,
            position_after=0,
        )
        account.fills.append(fill)
        core.bus.publish(FillHappened(user_id=account.user_id, fill=fill))
        core.announce_position(account, product.id)
