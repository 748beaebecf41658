"""What the engine holds in memory about a session, its legs and its order intents (mirrored by the journal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.instruments import OptionContract, OptionKind
from delta_strangle.domain.orders import OrderType, Side, TimeInForce
from delta_strangle.domain.pnl import StranglePnl
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.schedule import DayPlan
from delta_strangle.domain.session import OrderPurpose, SessionState
from delta_strangle.domain.trailing import RiskState


class IntentStatus:
    INTENDED = "intended"  # journaled, not yet sent
    SENT = "sent"  # the request left us; no answer yet
    OPEN = "open"  # the exchange holds it open
    UNKNOWN = "unknown"  # the request's fate is unknown: look it up, never resend
    TERMINAL = "terminal"  # closed or cancelled on the exchange
    REJECTED = "rejected"  # refused by the exchange
    NOT_PLACED = "not_placed"  # looked up: the exchange has no such order

    UNSETTLED = frozenset({INTENDED, SENT, OPEN, UNKNOWN})


@dataclass
class LegRecord:
    contract: OptionContract
    target_size: int
    position: LegPosition
    id: int | None = None
    entry_delta: float | None = None
    entry_mid: Decimal | None = None
    distance_from_spot_pct: Decimal | None = None
    selection_reason: str | None = None
    exit_price: Decimal | None = None

    @property
    def kind(self) -> OptionKind:
        return self.contract.kind

    @property
    def symbol(self) -> str:
        return self.contract.symbol


@dataclass
class IntentRecord:
    session_id: int
    leg_id: int | None
    client_order_id: str
    purpose: OrderPurpose
    attempt: int
    symbol: str
    product_id: int
    side: Side
    size: int
    order_type: OrderType
    time_in_force: TimeInForce
    limit_price: Decimal | None
    reference_mid: Decimal | None
    reduce_only: bool
    created_at: datetime
    updated_at: datetime
    status: str = IntentStatus.INTENDED
    id: int | None = None
    exchange_order_id: str | None = None
    exchange_state: str | None = None
    filled_size: int = 0
    average_fill_price: Decimal | None = None
    commission: Decimal = Decimal(0)
    cancellation_reason: str | None = None
    error: str | None = None


@dataclass
class SessionRecord:
    account: str
    mode: str
    token: str
    profile_name: str
    config: StrategyConfig
    state: SessionState
    created_at: datetime
    updated_at: datetime
    profile_id: int | None = None
    config_version: int | None = None
    rearm: bool = True
    enter_now: bool = False
    plan: DayPlan | None = None
    settlement_at: datetime | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    exit_reason: str | None = None
    exit_detail: str | None = None
    halt_reason: str | None = None
    halt_views: dict[str, Any] | None = None
    risk: RiskState = field(default_factory=RiskState)
    pnl: dict[str, Any] = field(default_factory=dict)
    spot: dict[str, Any] = field(default_factory=dict)
    started_by: str | None = None
    legs: dict[OptionKind, LegRecord] = field(default_factory=dict)
    id: int | None = None
    # Exchange order ids we sent without our own client order id (panic's close-positions orders).
    known_order_ids: set[str] = field(default_factory=set)
    # Failed entries in a row of the profile, this session's attempt included once it has ended
    # (domain/entry_limits.py); carried to the next cycle the engine arms, zero when the trader arms.
    failed_entries_in_row: int = 0

    @property
    def product_ids(self) -> list[int]:
        return [leg.contract.product_id for leg in self.legs.values()]

    def leg_for_product(self, product_id: int) -> LegRecord | None:
        """Return the leg trading this product, if any."""
        return next((leg for leg in self.legs.values() if leg.contract.product_id == product_id), None)

    @property
    def open_legs(self) -> list[LegRecord]:
        return [leg for leg in self.legs.values() if leg.position.is_open]

    @property
    def sizes(self) -> dict[str, int]:
        """Signed size per symbol, as the journal believes it."""
        return {leg.symbol: leg.position.size for leg in self.legs.values()}


def pnl_figures(pnl: StranglePnl) -> dict[str, Any]:
    """The PnL figures a session keeps (`SessionRecord.pnl`), as exact decimal strings."""
    keys = ("premium_collected_usd", "realised_gross_usd", "unrealised_usd", "gross_usd", "fees_usd", "net_usd")
    figures: dict[str, Any] = {key: format(getattr(pnl, key), "f") for key in keys}
    pct = pnl.net_pct_of_premium
    figures["net_pct_of_premium"] = None if pct is None else format(pct.quantize(Decimal("0.0001")), "f")
    return figures
