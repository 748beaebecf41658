"""The simulator's commission on an option fill: Delta's rule, computed by the domain's fee code.

The simulator's settings carry the rates as the exchange publishes them on a product (fractions);
the arithmetic lives once, in `domain.fees`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from delta_strangle.domain.fees import FeeSchedule as DomainFeeSchedule
from delta_strangle.domain.fees import option_fee
from delta_strangle.exchange.sim.config import FeeSchedule

COMMISSION_PLACES = Decimal("0.00000001")
_ALWAYS = datetime(2000, 1, 1, tzinfo=UTC)


def commission_for(fees: FeeSchedule, *, index_price: Decimal, price: Decimal, size: int,
                   contract_value: Decimal) -> Decimal:
    """Return min(rate x notional, cap x premium), plus GST when the simulator is set to include it."""
    schedule = DomainFeeSchedule.from_exchange_rates(
        effective_from=_ALWAYS,
        commission_rate=fees.rate,
        premium_commission_rate=fees.premium_cap,
        gst_pct=fees.gst_rate * 100,
        label="simulator",
    )
    breakdown = option_fee(index_price=index_price, price=price, size=size, contract_value=contract_value,
                           schedule=schedule, apply_gst=fees.gst_in_commission)
    return breakdown.total.quantize(COMMISSION_PLACES)
