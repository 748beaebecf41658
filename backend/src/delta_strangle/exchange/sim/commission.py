"""The simulator's commission on an option fill (Delta's rule). Kept behind one function so it can later
delegate to `domain/fees.py` once that exists."""

from __future__ import annotations

from decimal import Decimal

from delta_strangle.exchange.sim.config import FeeSchedule

COMMISSION_PLACES = Decimal("0.00000001")


def commission_for(fees: FeeSchedule, *, index_price: Decimal, price: Decimal, size: int,
                   contract_value: Decimal) -> Decimal:
    """Return min(rate x notional, cap x premium), plus GST when the schedule says so."""
    notional = index_price * size * contract_value
    premium = price * size * contract_value
    fee = min(fees.rate * notional, fees.premium_cap * premium)
    if fees.gst_in_commission:
        fee = fee * (1 + fees.gst_rate)
    return fee.quantize(COMMISSION_PLACES)
