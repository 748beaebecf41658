"""A strangle session's lifecycle as a pure state machine, its commands and events, and its order naming.

    waiting ──► entering ──► live ──► exiting ──► done
       │            │          │         │
       │            │          │  ◄──────┘ (a per-leg stop closed one leg)
       └────────────┴──────────┴─────────┴──► halted ──► exiting | live | done

`halted` means the engine cannot tell what it holds; only the operator (or a clean reconciliation) leaves it.
Commands are imperative, events past tense; both are frozen dataclasses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.orders import CLIENT_ORDER_ID_MAX_LENGTH, Side

HUNDRED = Decimal(100)


class SessionState(StrEnum):
    WAITING = "waiting"
    ENTERING = "entering"
    LIVE = "live"
    EXITING = "exiting"
    DONE = "done"
    HALTED = "halted"

    @property
    def is_terminal(self) -> bool:
        return self is SessionState.DONE

    @property
    def may_hold_positions(self) -> bool:
        """Tell whether a session in this state can have exposure on the exchange."""
        return self in (SessionState.ENTERING, SessionState.LIVE, SessionState.EXITING, SessionState.HALTED)


_ALLOWED: dict[SessionState, frozenset[SessionState]] = {
    SessionState.WAITING: frozenset({SessionState.ENTERING, SessionState.DONE, SessionState.HALTED}),
    SessionState.ENTERING: frozenset({SessionState.LIVE, SessionState.EXITING, SessionState.DONE, SessionState.HALTED}),
    SessionState.LIVE: frozenset({SessionState.EXITING, SessionState.HALTED}),
    # exiting -> live: a per-leg stop closed one leg and the other stays open.
    SessionState.EXITING: frozenset({SessionState.LIVE, SessionState.DONE, SessionState.HALTED}),
    SessionState.HALTED: frozenset({SessionState.LIVE, SessionState.EXITING, SessionState.DONE}),
    SessionState.DONE: frozenset(),
}


class IllegalTransitionError(ValueError):
    """A state change the lifecycle does not allow: a bug in the caller, never an expected outcome."""


def can_transition(current: SessionState, target: SessionState) -> bool:
    """Tell whether the lifecycle allows moving from `current` to `target`."""
    return target in _ALLOWED[current]


def transition(current: SessionState, target: SessionState) -> SessionState:
    """Return `target` when the lifecycle allows it, else raise IllegalTransitionError."""
    if not can_transition(current, target):
        raise IllegalTransitionError(f"a session cannot go from {current.value} to {target.value}")
    return target


class StopMode(StrEnum):
    """What Stop does with open positions: the operator always chooses."""

    KEEP_MONITORING = "keep_monitoring"
    FLATTEN = "flatten"


class OrderPurpose(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    UNWIND = "unwind"
    PANIC = "panic"

    @property
    def letter(self) -> str:
        return {"entry": "E", "exit": "X", "unwind": "U", "panic": "P"}[self.value]

    @property
    def side(self) -> Side:
        """Entry sells the strangle; every other purpose buys it back."""
        return Side.SELL if self is OrderPurpose.ENTRY else Side.BUY

    @property
    def reduce_only(self) -> bool:
        return self is not OrderPurpose.ENTRY


# Engine-side exit reasons that are not price or time rules (those live in domain.exits.ExitReason).
OPERATOR_STOP = "operator_stop"
PANIC = "panic"
LEGGING_UNWIND = "legging_unwind"
ENTRY_INCOMPLETE = "entry_incomplete"
STOPPED_BEFORE_ENTRY = "stopped_before_entry"
NO_TRADE = "no_trade"
ENTRY_REFUSED = "entry_refused"  # a pre-trade limit (notional cap, margin estimate) refused the entry

# ---- commands ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    """Arm a profile: wait for the next entry time (or enter now) and repeat daily until stopped."""

    config: StrategyConfig
    profile_id: int | None = None
    config_version: int | None = None
    enter_now: bool = False
    actor: str | None = None


@dataclass(frozen=True)
class Disarm:
    """Stop the profile; with positions open, keep monitoring them or flatten now."""

    mode: StopMode | None = None


@dataclass(frozen=True)
class Restart:
    """Reconcile the current session with the exchange again and resume (or halt) from what it says."""


@dataclass(frozen=True)
class Panic:
    """Cancel this profile's orders and flatten its positions now, then confirm flat."""


Command = Arm | Disarm | Restart | Panic

# ---- events -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateChanged:
    session_id: int
    previous: SessionState
    current: SessionState
    reason: str = ""


@dataclass(frozen=True)
class ExitTriggered:
    session_id: int
    reason: str
    detail: str
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeggingUnwound:
    session_id: int
    detail: str
    filled: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionHalted:
    session_id: int
    reason: str
    engine_view: dict[str, int] = field(default_factory=dict)
    exchange_view: dict[str, int] = field(default_factory=dict)


# ---- client order ids -------------------------------------------------------------------------------------

_CID = re.compile(r"^ds(?P<session>\d+)(?P<token>[a-z0-9]{4})-(?P<leg>[CP])(?P<purpose>[EXUP])(?P<attempt>\d{1,3})$")


@dataclass(frozen=True)
class OrderName:
    """What a client order id says: the session (id + token), the leg, the purpose and the attempt."""

    session_id: int
    token: str
    kind: OptionKind
    purpose: OrderPurpose
    attempt: int


def client_order_id(session_id: int, token: str, kind: OptionKind, purpose: OrderPurpose, attempt: int) -> str:
    """Name an order so the exchange's own records say which session and leg sent it (≤ 32 characters).

    The token is random per session: a database restored from backup never reuses a name already on the exchange.
    """
    if not re.fullmatch(r"[a-z0-9]{4}", token):
        raise ValueError("a session token is 4 lowercase letters or digits")
    if not 0 <= attempt <= 999:
        raise ValueError("attempt must be 0..999")
    text = f"ds{session_id}{token}-{kind.symbol_prefix}{purpose.letter}{attempt}"
    if len(text) > CLIENT_ORDER_ID_MAX_LENGTH:
        raise ValueError(f"client order id {text!r} exceeds {CLIENT_ORDER_ID_MAX_LENGTH} characters")
    return text


def parse_client_order_id(text: str | None) -> OrderName | None:
    """Read back a name made by client_order_id; None for anything else (orders we did not send)."""
    if text is None:
        return None
    match = _CID.match(text)
    if match is None:
        return None
    purposes = {p.letter: p for p in OrderPurpose}
    return OrderName(
        session_id=int(match["session"]),
        token=match["token"],
        kind=OptionKind.CALL if match["leg"] == "C" else OptionKind.PUT,
        purpose=purposes[match["purpose"]],
        attempt=int(match["attempt"]),
    )


# ---- limit price policy -----------------------------------------------------------------------------------


def limit_price(
    side: Side,
    *,
    bid: Decimal,
    ask: Decimal,
    reference_mid: Decimal,
    attempt: int,
    attempts: int,
    max_slippage_pct: Decimal,
    tick: Decimal,
) -> Decimal | None:
    """Price child `attempt` (0-based): mid first, stepping to the far touch on the last, within the slippage cap.

    The cap is measured from the mid when working started: once the book has moved past it, the child rests at
    the cap instead of chasing. Prices round away from crossing (sell up, buy down) so rounding never adds
    slippage. None when the book is empty or one-sided.
    """
    if bid <= 0 or ask < bid or tick <= 0:
        return None
    mid = (bid + ask) / 2
    fraction = Decimal(1) if attempts <= 1 else Decimal(attempt) / Decimal(attempts - 1)
    fraction = min(Decimal(1), max(Decimal(0), fraction))
    if side is Side.SELL:
        raw = mid - (mid - bid) * fraction
        worst = reference_mid * (1 - max_slippage_pct / HUNDRED)
        price = max(raw, worst)
        rounded = (price / tick).to_integral_value(rounding=ROUND_CEILING) * tick
    else:
        raw = mid + (ask - mid) * fraction
        worst = reference_mid * (1 + max_slippage_pct / HUNDRED)
        price = min(raw, worst)
        rounded = (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    rounded = rounded.quantize(tick)
    return rounded if rounded > 0 else None
