"""Accounts of the simulated exchange: keys, wallet, orders, fills and positions (mutable records)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from delta_strangle.domain.orders import OrderState, OrderType, Side, TimeInForce


@dataclass
class SimOrder:
    id: int
    user_id: int
    product_id: int
    symbol: str
    side: Side
    size: int
    unfilled_size: int
    order_type: OrderType
    limit_price: Decimal | None
    time_in_force: TimeInForce
    post_only: bool
    reduce_only: bool
    client_order_id: str | None
    state: OrderState
    created_at: datetime
    updated_at: datetime
    average_fill_price: Decimal | None = None
    paid_commission: Decimal = Decimal(0)
    cancellation_reason: str | None = None
    filled_value: Decimal = Decimal(0)

    @property
    def is_open(self) -> bool:
        return self.state is OrderState.OPEN

    def record_fill(self, size: int, price: Decimal, commission: Decimal, now: datetime) -> None:
        """Reduce the unfilled size and update the average fill price and commission."""
        self.unfilled_size -= size
        self.filled_value += price * size
        filled = self.size - self.unfilled_size
        self.average_fill_price = (self.filled_value / filled).quantize(Decimal("0.00000001")).normalize()
        self.paid_commission += commission
        self.updated_at = now
        if self.unfilled_size == 0:
            self.state = OrderState.CLOSED


@dataclass
class SimFill:
    id: str
    user_id: int
    order_id: str
    client_order_id: str | None
    product_id: int
    symbol: str
    side: Side
    size: int
    price: Decimal
    role: str
    fill_type: str
    commission: Decimal
    created_at: datetime
    order_type: OrderType | None = None
    position_after: int = 0
    effective_commission_rate: Decimal = Decimal(0)


@dataclass
class SimPosition:
    product_id: int
    symbol: str
    size: int = 0
    entry_price: Decimal | None = None
    realized_pnl: Decimal = Decimal(0)
    realized_cashflow: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def apply(self, side: Side, size: int, price: Decimal, contract_value: Decimal, now: datetime) -> None:
        """Apply a fill: average the entry while growing, realise PnL while reducing, reset entry at flat."""
        signed = side.sign * size
        if self.size == 0 or (self.size > 0) == (signed > 0):
            old = abs(self.size)
            entry = self.entry_price or Decimal(0)
            self.entry_price = ((entry * old + price * size) / (old + size)).quantize(Decimal("0.00000001"))
            self.size += signed
        else:
            closing = min(size, abs(self.size))
            entry = self.entry_price or Decimal(0)
            direction = 1 if self.size > 0 else -1
            self.realized_pnl += (price - entry) * closing * direction * contract_value
            self.size += signed
            if self.size == 0:
                self.entry_price = None
            elif (self.size > 0) != (direction > 0):
                self.entry_price = price  # flipped: the remainder opened at this fill's price
        self.realized_cashflow -= signed * price * contract_value
        if self.created_at is None:
            self.created_at = now
        self.updated_at = now


@dataclass
class SimTransaction:
    id: int
    user_id: int
    amount: Decimal
    balance: Decimal
    transaction_type: str
    product_id: int | None
    created_at: datetime
    meta_data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Account:
    user_id: int
    api_key: str
    api_secret: str
    balance: Decimal
    orders: dict[int, SimOrder] = field(default_factory=dict)
    fills: list[SimFill] = field(default_factory=list)
    positions: dict[int, SimPosition] = field(default_factory=dict)
    transactions: list[SimTransaction] = field(default_factory=list)
    heartbeat_deadline: datetime | None = None

    def position(self, product_id: int, symbol: str) -> SimPosition:
        """Return (creating if needed) the position record of a product."""
        if product_id not in self.positions:
            self.positions[product_id] = SimPosition(product_id=product_id, symbol=symbol)
        return self.positions[product_id]

    def position_size(self, product_id: int) -> int:
        position = self.positions.get(product_id)
        return 0 if position is None else position.size

    def open_orders(self) -> list[SimOrder]:
        return [o for o in self.orders.values() if o.is_open]

    def open_order_by_client_id(self, client_order_id: str) -> SimOrder | None:
        for order in self.orders.values():
            if order.is_open and order.client_order_id == client_order_id:
                return order
        return None

    def latest_order_by_client_id(self, client_order_id: str) -> SimOrder | None:
        """Return the newest order (any state) with this client order id."""
        matches = [o for o in self.orders.values() if o.client_order_id == client_order_id]
        return max(matches, key=lambda o: o.id) if matches else None


# -- JSON (de)serialisation for state.py -----------------------------------------------------------------

_DECIMALS = {"limit_price", "average_fill_price", "paid_commission", "filled_value", "price", "commission",
             "effective_commission_rate", "entry_price", "realized_pnl", "realized_cashflow", "amount", "balance"}
_TIMES = {"created_at", "updated_at", "heartbeat_deadline"}
_ENUMS = {"side": Side, "order_type": OrderType, "time_in_force": TimeInForce, "state": OrderState}


def _encode(record: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in asdict(record).items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        elif hasattr(value, "value") and key in _ENUMS:
            out[key] = value.value
        else:
            out[key] = value
    return out


def _decode(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is not None and key in _DECIMALS:
            out[key] = Decimal(value)
        elif value is not None and key in _TIMES:
            out[key] = datetime.fromisoformat(value)
        elif value is not None and key in _ENUMS:
            out[key] = _ENUMS[key](value)
        else:
            out[key] = value
    return out


def account_to_json(account: Account) -> dict[str, Any]:
    """Return a JSON-able copy of an account."""
    return {
        "user_id": account.user_id, "api_key": account.api_key, "api_secret": account.api_secret,
        "balance": str(account.balance),
        "heartbeat_deadline": None if account.heartbeat_deadline is None else account.heartbeat_deadline.isoformat(),
        "orders": [_encode(o) for o in account.orders.values()],
        "fills": [_encode(f) for f in account.fills],
        "positions": [_encode(p) for p in account.positions.values()],
        "transactions": [_encode(t) for t in account.transactions],
    }


def account_from_json(raw: dict[str, Any]) -> Account:
    """Rebuild an account from `account_to_json` output."""
    deadline = raw.get("heartbeat_deadline")
    account = Account(
        user_id=int(raw["user_id"]), api_key=raw["api_key"], api_secret=raw["api_secret"],
        balance=Decimal(raw["balance"]),
        heartbeat_deadline=None if deadline is None else datetime.fromisoformat(deadline),
    )
    for item in raw["orders"]:
        order = SimOrder(**_decode(item))
        account.orders[order.id] = order
    account.fills = [SimFill(**_decode(item)) for item in raw["fills"]]
    for item in raw["positions"]:
        position = SimPosition(**_decode(item))
        account.positions[position.product_id] = position
    account.transactions = [SimTransaction(**_decode(item)) for item in raw["transactions"]]
    return account
