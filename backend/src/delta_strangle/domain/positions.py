"""One leg's position built from its fills: signed size, average entry, realised PnL and fees.

Accounting is average-cost. Each fill is applied once: a fill id seen before leaves the leg unchanged, so
a replayed or re-delivered fill can never double a size, a PnL or a fee.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.fees import FeeCharge
from delta_strangle.domain.instruments import OptionContract, OptionKind
from delta_strangle.domain.orders import Fill

ZERO = Decimal(0)


class LegPosition(BaseModel):
    """A leg's running position; `size` is signed (negative is short), money is USD."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    product_id: int
    kind: OptionKind
    contract_value: Decimal
    size: int = 0
    avg_entry_price: Decimal = ZERO
    entry_premium_usd: Decimal = ZERO
    realised_gross_usd: Decimal = ZERO
    fees_usd: Decimal = ZERO
    applied_fill_ids: frozenset[str] = frozenset()

    @classmethod
    def for_contract(cls, contract: OptionContract) -> LegPosition:
        """Start a flat leg whose contract value comes from the product itself."""
        return cls(
            symbol=contract.symbol,
            product_id=contract.product_id,
            kind=contract.kind,
            contract_value=contract.contract_value,
        )

    @property
    def is_open(self) -> bool:
        return self.size != 0

    @property
    def is_short(self) -> bool:
        return self.size < 0


def apply_fill(leg: LegPosition, fill: Fill, fee: FeeCharge) -> LegPosition:
    """Return the leg after one fill and its fee; a fill already applied changes nothing."""
    if fill.fill_id in leg.applied_fill_ids:
        return leg
    if fill.symbol != leg.symbol or fill.product_id != leg.product_id:
        raise ValueError(f"fill {fill.fill_id} is for {fill.symbol}, not for leg {leg.symbol}")
    if fill.size <= 0:
        raise ValueError(f"fill {fill.fill_id} has a non-positive size {fill.size}")
    signed = fill.size * fill.side.sign
    cv = leg.contract_value
    size, avg, premium, realised = leg.size, leg.avg_entry_price, leg.entry_premium_usd, leg.realised_gross_usd
    if size == 0 or (size > 0) == (signed > 0):
        avg = (avg * abs(size) + fill.price * fill.size) / (abs(size) + fill.size)
        premium += fill.price * fill.size * cv
        size += signed
    else:
        closing = min(abs(size), fill.size)
        direction = 1 if size > 0 else -1
        realised += (fill.price - avg) * closing * cv * direction
        size += signed
        opening = fill.size - closing
        if size == 0:
            avg = ZERO
        elif opening > 0:
            # The fill crossed through flat: the remainder opens a new position at the fill price.
            avg = fill.price
            premium += fill.price * opening * cv
    return leg.model_copy(
        update={
            "size": size,
            "avg_entry_price": avg,
            "entry_premium_usd": premium,
            "realised_gross_usd": realised,
            "fees_usd": leg.fees_usd + fee.amount,
            "applied_fill_ids": leg.applied_fill_ids | {fill.fill_id},
        }
    )
