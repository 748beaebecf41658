"""The simulated exchange's core: market time, accounts, matching, settlement and events.

Both faces use it: `SimulatedExchange` (in-process `Exchange`) and the ASGI server. It never reads a
clock itself: callers pass `now` to `sync`, which replays every market step up to that instant, so the
same seed and the same calls give the same results whether a day takes 24 hours or 2 seconds.

Order operations live in `trading.py`; this module owns time, quotes, accounts and margins.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from delta_strangle.domain.orders import OrderState, Side
from delta_strangle.exchange.sim.accounts import Account, SimFill, SimOrder, SimTransaction
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.events import (
    EventBus,
    MarginChanged,
    MarketStepped,
    OrderChanged,
    PositionChanged,
)
from delta_strangle.exchange.sim.faults import FaultInjector, FaultKind
from delta_strangle.exchange.sim.margin import HUNDRED, opening_contracts, short_margin
from delta_strangle.exchange.sim.market import MarketModel
from delta_strangle.exchange.sim.product import SimProduct, SimTicker


class SimError(Exception):
    """An error the simulated exchange answers with Delta's body (`code`, `context`) and HTTP status."""

    def __init__(self, status: int, code: str, context: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.context = context or {}


@dataclass(frozen=True)
class WalletView:
    balance: Decimal
    available_balance: Decimal
    blocked_margin: Decimal
    order_margin: Decimal
    position_margin: Decimal
    commission: Decimal


@dataclass
class Counters:
    order: int = 1_000_000
    fill: int = 1
    transaction: int = 1
    user: int = 1000
    extra: dict[str, int] = field(default_factory=dict)


def default_credentials(seed: int) -> tuple[str, str]:
    """Return the API key and secret the simulator accepts for a seed (stable across runs)."""
    key = hashlib.sha256(f"delta-sim:{seed}:key".encode()).hexdigest()[:30]
    secret = hashlib.sha256(f"delta-sim:{seed}:secret".encode()).hexdigest()[:60]
    return key, secret


class SimulatedExchangeCore:
    """State and rules of the simulated exchange (see module docstring)."""

    def __init__(self, config: SimConfig, market: MarketModel, faults: FaultInjector | None = None) -> None:
        self.config = config
        self.market = market
        self.faults = faults or FaultInjector(config.seed)
        self.bus = EventBus()
        self.counters = Counters()
        self.accounts: dict[int, Account] = {}
        self._by_key: dict[str, int] = {}
        self._now = market.now
        self._frozen: dict[int, SimTicker] = {}
        self._consumed: dict[tuple[int, Side], tuple[datetime, int]] = {}
        self.traded_volume: dict[int, int] = {}

    # -- time -------------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def sync(self, now: datetime) -> None:
        """Replay every market step up to `now`: settle, match resting orders, fire the deadman switch."""
        from delta_strangle.exchange.sim import trading  # trading imports core: resolve at call time

        while (step_at := self.market.next_step_time()) is not None and step_at <= now:
            for rule in self.faults.due_gaps(step_at):
                for underlying in self.market.underlyings():
                    if rule.underlying in (None, underlying):
                        self.market.apply_gap(underlying, rule.gap_fraction)
            result = self.market.step()
            self._now = result.time
            if not self.faults.is_active(FaultKind.STALE_QUOTES, self._now):
                self._frozen.clear()
            for product in result.expired:
                trading.settle(self, product)
            trading.match_resting(self)
            self._fire_deadman_switches()
            self.bus.publish(MarketStepped(time=self._now))
        self._now = max(self._now, now)

    # -- accounts ---------------------------------------------------------------------------------------

    def add_account(self, api_key: str, api_secret: str, balance: Decimal | None = None) -> Account:
        """Create an account that authenticates with this key and secret."""
        self.counters.user += 1
        account = Account(
            user_id=self.counters.user, api_key=api_key, api_secret=api_secret,
            balance=self.config.starting_balance if balance is None else balance,
        )
        self.accounts[account.user_id] = account
        self._by_key[api_key] = account.user_id
        if account.balance:
            self.record_transaction(account, account.balance, "deposit", None)
        return account

    def restore_account(self, account: Account) -> None:
        """Adopt an account read back from saved state (its transactions are already in it)."""
        self.accounts[account.user_id] = account
        self._by_key[account.api_key] = account.user_id

    def account_by_key(self, api_key: str) -> Account | None:
        user_id = self._by_key.get(api_key)
        return None if user_id is None else self.accounts[user_id]

    def record_transaction(self, account: Account, amount: Decimal, kind: str, product_id: int | None,
                           **meta: Any) -> None:
        self.counters.transaction += 1
        account.transactions.append(SimTransaction(
            id=self.counters.transaction, user_id=account.user_id, amount=amount, balance=account.balance,
            transaction_type=kind, product_id=product_id, created_at=self._now, meta_data=dict(meta),
        ))

    def next_order_id(self) -> int:
        self.counters.order += 1
        return self.counters.order

    def next_fill_id(self, *, settlement: bool = False) -> str:
        self.counters.fill += 1
        if settlement:
            return str(uuid.UUID(int=self.counters.fill))
        return f"{self.counters.fill:032x}"

    # -- market data --------------------------------------------------------------------------------------

    def product_by_ref(self, ref: str | int) -> SimProduct | None:
        """Find a product by numeric id or symbol (Delta's paths accept both)."""
        text = str(ref)
        if text.isdigit():
            return self.market.product(int(text))
        return self.market.product_by_symbol(text)

    def ticker(self, product: SimProduct) -> SimTicker:
        """Return the product's ticker; while a stale-quotes fault is active, the one first seen in it."""
        if product.is_live and self.faults.is_active(FaultKind.STALE_QUOTES, self._now, underlying=product.underlying):
            if product.id not in self._frozen:
                self._frozen[product.id] = self.market.ticker(product)
            return self._frozen[product.id]
        return self.market.ticker(product)

    def spot(self, underlying: str) -> Decimal:
        return self.market.spot(underlying)

    def available_at_touch(self, product: SimProduct, side: Side, ticker: SimTicker) -> int:
        """Return contracts still shown at the touch this step for an order of `side`."""
        displayed = ticker.ask_size if side is Side.BUY else ticker.bid_size
        used_at, used = self._consumed.get((product.id, side), (None, 0))
        available = displayed - used if used_at == ticker.timestamp else displayed
        rule = self.faults.fires(FaultKind.PARTIAL_FILL_ONLY, self._now, underlying=product.underlying)
        if rule is not None:
            available = min(available, rule.max_fill_contracts)
        return max(0, available)

    def consume(self, product: SimProduct, side: Side, ticker: SimTicker, size: int) -> None:
        used_at, used = self._consumed.get((product.id, side), (None, 0))
        self._consumed[(product.id, side)] = (ticker.timestamp, (used if used_at == ticker.timestamp else 0) + size)

    # -- margin -------------------------------------------------------------------------------------------

    def position_margin(self, account: Account, product_id: int) -> Decimal:
        """Return the initial margin of one position (shorts only; held until the product settles)."""
        position = account.positions.get(product_id)
        product = self.market.product(product_id)
        if position is None or position.size >= 0 or product is None or not (
                product.is_live or product.awaiting_settlement):
            return Decimal(0)
        return short_margin(
            self.config.margin, contracts=-position.size, contract_value=product.contract_value,
            mark=self.ticker(product).mark_price, index_price=self.spot(product.underlying),
        )

    def order_margin(self, account: Account, order: SimOrder) -> Decimal:
        """Return what a resting order blocks: short margin for opening sells, premium for opening buys."""
        product = self.market.product(order.product_id)
        if product is None or order.reduce_only or not order.is_open:
            return Decimal(0)
        return self.opening_requirement(account, product, order.side, order.unfilled_size, order.limit_price)

    def opening_requirement(self, account: Account, product: SimProduct, side: Side, size: int,
                            price: Decimal | None) -> Decimal:
        """Return the margin or premium an order of this size would need to open exposure."""
        opening = opening_contracts(account.position_size(product.id), side.sign, size)
        if opening == 0:
            return Decimal(0)
        ticker = self.ticker(product)
        if price is None:
            price = (ticker.best_ask if side is Side.BUY else ticker.best_bid) or ticker.mark_price
        if side is Side.BUY:
            return opening * product.contract_value * price
        index = self.spot(product.underlying)
        return opening * product.contract_value * (price + self.config.margin.initial_margin_pct / HUNDRED * index)

    def wallet(self, account: Account) -> WalletView:
        """Return the wallet with blocked margins: available = balance - blocked."""
        position_margin = sum((self.position_margin(account, pid) for pid in account.positions), Decimal(0))
        order_margin = sum((self.order_margin(account, o) for o in account.open_orders()), Decimal(0))
        blocked = position_margin + order_margin
        return WalletView(
            balance=account.balance, available_balance=account.balance - blocked, blocked_margin=blocked,
            order_margin=order_margin, position_margin=position_margin, commission=Decimal(0),
        )

    # -- deadman switch -------------------------------------------------------------------------------

    def heartbeat(self, account: Account, ttl_ms: int) -> datetime | None:
        """Arm (ttl > 0) or disarm (0) the account's deadman switch; return its deadline."""
        from datetime import timedelta

        account.heartbeat_deadline = None if ttl_ms <= 0 else self._now + timedelta(milliseconds=ttl_ms)
        return account.heartbeat_deadline

    def _fire_deadman_switches(self) -> None:
        for account in self.accounts.values():
            if account.heartbeat_deadline is not None and self._now >= account.heartbeat_deadline:
                account.heartbeat_deadline = None
                for order in account.open_orders():
                    self.cancel(account, order, "deadman_switch")

    def cancel(self, account: Account, order: SimOrder, reason: str) -> SimOrder:
        """Cancel an open order and announce it."""
        order.state = OrderState.CANCELLED
        order.cancellation_reason = reason
        order.updated_at = self._now
        self.bus.publish(OrderChanged(user_id=account.user_id, order=order, action="delete", reason=""))
        self.bus.publish(MarginChanged(user_id=account.user_id))
        return order

    def announce_position(self, account: Account, product_id: int) -> None:
        position = account.positions[product_id]
        action = "delete" if position.size == 0 else "update"
        self.bus.publish(PositionChanged(user_id=account.user_id, position=position, action=action))
        self.bus.publish(MarginChanged(user_id=account.user_id))

    def fills_of(self, account: Account) -> list[SimFill]:
        return account.fills
