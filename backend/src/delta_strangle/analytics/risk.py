"""The live risk view: payoff over a range of spot values, breakevens and exit levels in spot terms, greeks.

Two curves, both net of the fees already paid and including PnL already realised:
- at expiry: each leg is worth its intrinsic value (exact, from the legs' entry prices and sizes);
- at current marks: each open leg's mark moved to another spot with its own delta and gamma
  (mark + delta x dS + gamma x dS^2 / 2, never below intrinsic). Without greeks this curve is not drawn.

Exit levels are percentages of the premium collected (as the exit rules define them); a level is shown at
the spot values where a curve crosses it, searched within +-50 % of spot. Unreachable levels list no spot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import ExitConfig
from delta_strangle.domain.instruments import OptionContract, OptionKind
from delta_strangle.domain.market import Quote
from delta_strangle.domain.positions import LegPosition
from delta_strangle.domain.trailing import RiskState, giveback_armed

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SEARCH_FRACTION = Decimal("0.5")
SEARCH_SAMPLES = 400
BISECTIONS = 60
Curve = Callable[[Decimal], Decimal]


@dataclass(frozen=True)
class BookLeg:
    """One leg as the engine holds it: the contract, its position from fills, and its latest quote."""

    contract: OptionContract
    position: LegPosition
    quote: Quote | None = None


@dataclass(frozen=True)
class LiveBook:
    """What the risk view needs from the engine about the session holding positions."""

    session_id: int
    profile_name: str
    mode: str
    spot: Decimal
    as_of: datetime
    legs: tuple[BookLeg, ...]
    exits: ExitConfig
    risk: RiskState


class LiveBookSource(Protocol):
    """Read-only access to the engine's current book; the composition root plugs the engine in."""

    def current_book(self) -> LiveBook | None:
        """Return the book of the session holding positions, or None when nothing is held."""
        ...


class NoLiveBook:
    """The source used until an engine is wired: there is never a book."""

    def current_book(self) -> LiveBook | None:
        return None


class SpotLevel(BaseModel):
    model_config = ConfigDict(frozen=True)

    spot: Decimal
    distance: Decimal
    distance_pct: Decimal


class RiskLevel(BaseModel):
    """A PnL level (breakeven or an exit rule) and the spot values where each curve reaches it."""

    model_config = ConfigDict(frozen=True)

    name: str
    pnl_pct: Decimal
    pnl_usd: Decimal
    at_expiry: list[SpotLevel]
    at_marks: list[SpotLevel] | None


class LadderRung(BaseModel):
    model_config = ConfigDict(frozen=True)

    spot: Decimal
    net_at_expiry_usd: Decimal
    net_at_marks_usd: Decimal | None


class RiskLeg(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    kind: OptionKind
    strike: Decimal
    size: int
    avg_entry_price: Decimal
    mark: Decimal | None
    strike_distance_pct: Decimal


class PortfolioGreeks(BaseModel):
    """Position greeks: each leg's greek x signed size x contract value (delta in underlying units)."""

    model_config = ConfigDict(frozen=True)

    delta: float
    gamma: float
    theta: float
    vega: float


class RiskSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_id: int
    profile_name: str
    mode: str
    as_of: datetime
    spot: Decimal
    premium_collected_usd: Decimal
    fees_paid_usd: Decimal
    net_now_usd: Decimal | None
    legs: list[RiskLeg]
    ladder: list[LadderRung]
    levels: list[RiskLevel]
    greeks: PortfolioGreeks | None
    mark_curve: str


def intrinsic(kind: OptionKind, strike: Decimal, spot: Decimal) -> Decimal:
    """Return an option's value at expiry for one unit of underlying."""
    return max(spot - strike, ZERO) if kind is OptionKind.CALL else max(strike - spot, ZERO)


def _mark(leg: BookLeg) -> Decimal | None:
    quote = leg.quote
    if quote is None:
        return None
    return quote.mark_price if quote.mark_price is not None else quote.mid


def _booked(legs: Sequence[BookLeg]) -> Decimal:
    return sum((leg.position.realised_gross_usd - leg.position.fees_usd for leg in legs), ZERO)


def expiry_curve(legs: Sequence[BookLeg]) -> Curve:
    """Net PnL (USD) at expiry as a function of the settlement price."""
    booked = _booked(legs)

    def net(spot: Decimal) -> Decimal:
        open_value = sum(
            (
                (intrinsic(leg.contract.kind, leg.contract.strike, spot) - leg.position.avg_entry_price)
                * leg.position.size
                * leg.position.contract_value
                for leg in legs
                if leg.position.is_open
            ),
            ZERO,
        )
        return booked + open_value

    return net


def marks_curve(legs: Sequence[BookLeg], spot_now: Decimal) -> Curve | None:
    """Net PnL (USD) now as a function of spot, moving each mark by its delta and gamma; None without them."""
    booked = _booked(legs)
    moving: list[tuple[BookLeg, Decimal, Decimal, Decimal]] = []
    for leg in legs:
        if not leg.position.is_open:
            continue
        mark = _mark(leg)
        greeks = leg.quote.greeks if leg.quote else None
        if mark is None or greeks is None:
            return None
        moving.append((leg, mark, Decimal(str(greeks.delta)), Decimal(str(greeks.gamma))))

    def net(spot: Decimal) -> Decimal:
        move = spot - spot_now
        total = booked
        for leg, mark, delta, gamma in moving:
            estimate = mark + delta * move + gamma * move * move / 2
            value = max(estimate, intrinsic(leg.contract.kind, leg.contract.strike, spot), ZERO)
            total += (value - leg.position.avg_entry_price) * leg.position.size * leg.position.contract_value
        return total

    return net


def crossings(curve: Curve, target: Decimal, low: Decimal, high: Decimal) -> list[Decimal]:
    """Find the spot values in [low, high] where the curve crosses `target`, by sampling then bisection."""
    step = (high - low) / SEARCH_SAMPLES
    found: list[Decimal] = []
    left, left_value = low, curve(low) - target
    for i in range(1, SEARCH_SAMPLES + 1):
        right = low + step * i
        right_value = curve(right) - target
        if left_value == 0:
            found.append(left)
        elif (left_value < 0) != (right_value < 0) and right_value != 0:
            found.append(_bisect(curve, target, left, right, left_value))
        left, left_value = right, right_value
    if left_value == 0:
        found.append(left)
    return found


def _bisect(curve: Curve, target: Decimal, low: Decimal, high: Decimal, low_value: Decimal) -> Decimal:
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        value = curve(middle) - target
        if (value < 0) == (low_value < 0):
            low, low_value = middle, value
        else:
            high = middle
    return (low + high) / 2


def _spot_levels(spots: Sequence[Decimal], spot_now: Decimal) -> list[SpotLevel]:
    return [SpotLevel(spot=s, distance=s - spot_now, distance_pct=(s - spot_now) / spot_now * HUNDRED) for s in spots]


def level_targets(exits: ExitConfig, risk: RiskState) -> list[tuple[str, Decimal]]:
    """Name every PnL level worth drawing, as a percent of premium collected."""
    levels = [("breakeven", ZERO)]
    if exits.max_loss_pct is not None:
        levels.append(("max_loss", -exits.max_loss_pct))
    if exits.max_profit_pct is not None:
        levels.append(("max_profit", exits.max_profit_pct))
    if risk.floor_pct is not None:
        levels.append(("trailing_floor", risk.floor_pct))
    if giveback_armed(risk, exits) and risk.peak_net_pct is not None and exits.giveback_points_pct is not None:
        levels.append(("giveback", risk.peak_net_pct - exits.giveback_points_pct))
    return levels


def portfolio_greeks(legs: Sequence[BookLeg]) -> PortfolioGreeks | None:
    """Add up position greeks of the open legs; None when an open leg has no greeks."""
    totals = {"delta": 0.0, "gamma": 0.0, "theta": 0.0, "vega": 0.0}
    for leg in legs:
        if not leg.position.is_open:
            continue
        greeks = leg.quote.greeks if leg.quote else None
        if greeks is None:
            return None
        units = leg.position.size * float(leg.position.contract_value)
        for name in totals:
            totals[name] += getattr(greeks, name) * units
    return PortfolioGreeks(**totals)


def risk_snapshot(book: LiveBook, *, range_pct: Decimal = Decimal(10), points: int = 41) -> RiskSnapshot:
    """Build the risk picture of a live book over spot +- `range_pct` %, with `points` ladder rungs."""
    spot = book.spot
    legs = book.legs
    premium = sum((leg.position.entry_premium_usd for leg in legs), ZERO)
    at_expiry = expiry_curve(legs)
    at_marks = marks_curve(legs, spot)
    rungs = [spot * (1 + (range_pct / HUNDRED) * (Decimal(2 * i) / (points - 1) - 1)) for i in range(points)]
    low, high = spot * (1 - SEARCH_FRACTION), spot * (1 + SEARCH_FRACTION)
    levels = []
    for name, pct in level_targets(book.exits, book.risk):
        target = pct * premium / HUNDRED
        levels.append(
            RiskLevel(
                name=name,
                pnl_pct=pct,
                pnl_usd=target,
                at_expiry=_spot_levels(crossings(at_expiry, target, low, high), spot),
                at_marks=None if at_marks is None else _spot_levels(crossings(at_marks, target, low, high), spot),
            )
        )
    return RiskSnapshot(
        session_id=book.session_id,
        profile_name=book.profile_name,
        mode=book.mode,
        as_of=book.as_of,
        spot=spot,
        premium_collected_usd=premium,
        fees_paid_usd=sum((leg.position.fees_usd for leg in legs), ZERO),
        net_now_usd=None if at_marks is None else at_marks(spot),
        legs=[
            RiskLeg(
                symbol=leg.contract.symbol,
                kind=leg.contract.kind,
                strike=leg.contract.strike,
                size=leg.position.size,
                avg_entry_price=leg.position.avg_entry_price,
                mark=_mark(leg),
                strike_distance_pct=(leg.contract.strike - spot) / spot * HUNDRED,
            )
            for leg in legs
        ],
        ladder=[
            LadderRung(
                spot=s, net_at_expiry_usd=at_expiry(s), net_at_marks_usd=None if at_marks is None else at_marks(s)
            )
            for s in rungs
        ],
        levels=levels,
        greeks=portfolio_greeks(legs),
        mark_curve="unavailable" if at_marks is None else "delta_gamma",
    )
