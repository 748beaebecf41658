"""Profit and loss of legs and of the strangle, in Decimal USD.

Gross figures never include fees; `net_usd = gross_usd - fees_usd` is the one place fees are subtracted.
Percentages are of the premium collected on opening fills.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.positions import LegPosition

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def unrealised_usd(leg: LegPosition, mark: Decimal) -> Decimal:
    """Mark-to-market PnL of the open size: (mark - entry) x size x contract value, size signed."""
    return (mark - leg.avg_entry_price) * leg.size * leg.contract_value


def pct_of(amount: Decimal, base: Decimal) -> Decimal | None:
    """Express an amount as a percentage of a positive base; None when there is no base to compare with."""
    if base <= 0:
        return None
    return amount / base * HUNDRED


class LegPnl(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    size: int
    avg_entry_price: Decimal
    mark: Decimal | None
    entry_premium_usd: Decimal
    realised_gross_usd: Decimal
    unrealised_usd: Decimal
    fees_usd: Decimal
    net_usd: Decimal
    net_pct_of_premium: Decimal | None


class StranglePnl(BaseModel):
    model_config = ConfigDict(frozen=True)

    legs: tuple[LegPnl, ...]
    premium_collected_usd: Decimal
    realised_gross_usd: Decimal
    unrealised_usd: Decimal
    gross_usd: Decimal
    fees_usd: Decimal
    net_usd: Decimal
    net_pct_of_premium: Decimal | None


def leg_pnl(leg: LegPosition, mark: Decimal | None) -> LegPnl:
    """Value one leg; an open leg needs a mark, a flat one does not."""
    if leg.is_open and mark is None:
        raise ValueError(f"leg {leg.symbol} is open and has no mark to value it")
    unrealised = unrealised_usd(leg, mark) if leg.is_open and mark is not None else ZERO
    net = leg.realised_gross_usd + unrealised - leg.fees_usd
    return LegPnl(
        symbol=leg.symbol,
        size=leg.size,
        avg_entry_price=leg.avg_entry_price,
        mark=mark,
        entry_premium_usd=leg.entry_premium_usd,
        realised_gross_usd=leg.realised_gross_usd,
        unrealised_usd=unrealised,
        fees_usd=leg.fees_usd,
        net_usd=net,
        net_pct_of_premium=pct_of(net, leg.entry_premium_usd),
    )


def strangle_pnl(legs: Sequence[LegPosition], marks: Mapping[str, Decimal]) -> StranglePnl:
    """Value every leg with its mark and add them up."""
    valued = tuple(leg_pnl(leg, marks.get(leg.symbol)) for leg in legs)
    premium = sum((leg.entry_premium_usd for leg in valued), ZERO)
    realised = sum((leg.realised_gross_usd for leg in valued), ZERO)
    unrealised = sum((leg.unrealised_usd for leg in valued), ZERO)
    fees = sum((leg.fees_usd for leg in valued), ZERO)
    gross = realised + unrealised
    net = gross - fees
    return StranglePnl(
        legs=valued,
        premium_collected_usd=premium,
        realised_gross_usd=realised,
        unrealised_usd=unrealised,
        gross_usd=gross,
        fees_usd=fees,
        net_usd=net,
        net_pct_of_premium=pct_of(net, premium),
    )
