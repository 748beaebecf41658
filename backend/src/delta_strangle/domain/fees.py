"""Delta Exchange India option fees: a dated schedule, the fee rule, and which figure to trust.

The rule (same for maker and taker):

    notional      = index price at the fill x size x contract_value
    premium_value = option price x size x contract_value
    fee           = min(rate % of notional, cap % of premium_value)
    total         = fee + GST % of fee

Rates have changed several times, so a schedule is dated configuration, looked up by the fill's instant.
When the exchange reports the commission it charged on a fill, that figure wins and the schedule is only
an estimate (quotes, previews, the simulator).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

HUNDRED = Decimal(100)
ZERO = Decimal(0)


class FeeSchedule(BaseModel):
    """Option fee rates in force from one instant on. Percentages are percentages: 0.03 means 0.03 %."""

    model_config = ConfigDict(frozen=True)

    effective_from: datetime
    rate_pct: Decimal = Field(ge=0, le=100, description="percent of underlying notional")
    cap_pct: Decimal = Field(ge=0, le=100, description="percent of premium value; the fee never exceeds it")
    gst_pct: Decimal = Field(default=Decimal(18), ge=0, le=100, description="GST on the fee, percent")
    label: str = ""

    @field_validator("effective_from")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("effective_from must be timezone-aware")
        return value.astimezone(UTC)

    @classmethod
    def from_exchange_rates(
        cls,
        *,
        effective_from: datetime,
        commission_rate: Decimal,
        premium_commission_rate: Decimal,
        gst_pct: Decimal = Decimal(18),
        label: str = "exchange product",
    ) -> FeeSchedule:
        """Build a schedule from a product's wire fields, which Delta sends as fractions (`"0.0003"`, `0.1`)."""
        return cls(
            effective_from=effective_from,
            rate_pct=commission_rate * HUNDRED,
            cap_pct=premium_commission_rate * HUNDRED,
            gst_pct=gst_pct,
            label=label,
        )


class FeeCalendar(BaseModel):
    """Every fee schedule ever configured, so a fill is priced with the rates of its own day."""

    model_config = ConfigDict(frozen=True)

    schedules: tuple[FeeSchedule, ...] = Field(min_length=1)

    @field_validator("schedules")
    @classmethod
    def _sorted_and_distinct(cls, value: tuple[FeeSchedule, ...]) -> tuple[FeeSchedule, ...]:
        ordered = tuple(sorted(value, key=lambda schedule: schedule.effective_from))
        instants = [schedule.effective_from for schedule in ordered]
        if len(set(instants)) != len(instants):
            raise ValueError("schedules: two schedules share one effective_from")
        return ordered

    def at(self, instant: datetime) -> FeeSchedule:
        """Return the schedule in force at an instant (the latest one starting at or before it)."""
        if instant.tzinfo is None:
            raise ValueError("instant must be timezone-aware")
        chosen: FeeSchedule | None = None
        for schedule in self.schedules:
            if schedule.effective_from <= instant:
                chosen = schedule
            else:
                break
        if chosen is None:
            raise LookupError(f"no fee schedule in force at {instant.isoformat()}")
        return chosen


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


# Dates are when each rate was published or observed (see docs/strategy.md); operators override them in settings.
DEFAULT_FEE_CALENDAR = FeeCalendar(
    schedules=(
        FeeSchedule(
            effective_from=_utc(2020, 1, 1),
            rate_pct=Decimal("0.03"),
            cap_pct=Decimal(10),
            label="India help centre: 0.03 % of notional, capped at 10 % of premium",
        ),
        FeeSchedule(
            effective_from=_utc(2025, 10, 13),
            rate_pct=Decimal("0.015"),
            cap_pct=Decimal(5),
            label="promotion: half of the standard rate and cap",
        ),
        FeeSchedule(
            effective_from=_utc(2026, 10, 1),
            rate_pct=Decimal("0.01"),
            cap_pct=Decimal("3.5"),
            label="observed on India production products",
        ),
    )
)


class FeeSource(StrEnum):
    EXCHANGE = "exchange"
    ESTIMATE = "estimate"


class FeeBreakdown(BaseModel):
    """One option fee worked out in full, so the UI and exports can show why it is what it is."""

    model_config = ConfigDict(frozen=True)

    notional: Decimal
    premium_value: Decimal
    notional_fee: Decimal
    premium_cap: Decimal
    fee: Decimal
    gst: Decimal
    total: Decimal
    cap_applied: bool
    schedule: FeeSchedule


def option_fee(
    *,
    index_price: Decimal,
    price: Decimal,
    size: int,
    contract_value: Decimal,
    schedule: FeeSchedule,
    apply_gst: bool = True,
) -> FeeBreakdown:
    """Work out the fee of one option fill by Delta's rule; `size` may be signed, the fee uses its magnitude."""
    if index_price <= 0:
        raise ValueError("index_price must be positive: the fee is charged on the underlying's notional")
    if price < 0:
        raise ValueError("price must not be negative")
    if contract_value <= 0:
        raise ValueError("contract_value must be positive")
    contracts = Decimal(abs(size))
    notional = index_price * contracts * contract_value
    premium_value = price * contracts * contract_value
    notional_fee = notional * schedule.rate_pct / HUNDRED
    premium_cap = premium_value * schedule.cap_pct / HUNDRED
    fee = min(notional_fee, premium_cap)
    gst = fee * schedule.gst_pct / HUNDRED if apply_gst else ZERO
    return FeeBreakdown(
        notional=notional,
        premium_value=premium_value,
        notional_fee=notional_fee,
        premium_cap=premium_cap,
        fee=fee,
        gst=gst,
        total=fee + gst,
        cap_applied=premium_cap < notional_fee,
        schedule=schedule,
    )


class FeeCharge(BaseModel):
    """The fee booked against one fill, and where the number came from."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    source: FeeSource
    estimate: FeeBreakdown | None = None


def fill_fee(
    *,
    reported_commission: Decimal | None,
    index_price: Decimal | None,
    price: Decimal,
    size: int,
    contract_value: Decimal,
    instant: datetime,
    calendar: FeeCalendar = DEFAULT_FEE_CALENDAR,
    apply_gst: bool = True,
) -> FeeCharge:
    """Book a fill's fee: the exchange's commission when it reported one, else the schedule's estimate.

    The exchange figure is taken as charged (GST included, negative for a rebate). Without it an estimate
    needs the index price at the fill; the premium is never a stand-in for it.
    """
    if reported_commission is not None:
        return FeeCharge(amount=reported_commission, source=FeeSource.EXCHANGE)
    if index_price is None:
        raise ValueError("index_price at the fill is required to estimate a fee the exchange did not report")
    breakdown = option_fee(
        index_price=index_price,
        price=price,
        size=size,
        contract_value=contract_value,
        schedule=calendar.at(instant),
        apply_gst=apply_gst,
    )
    return FeeCharge(amount=breakdown.total, source=FeeSource.ESTIMATE, estimate=breakdown)


def total_fees(charges: Iterable[FeeCharge]) -> Decimal:
    """Sum fee charges (each fill's fee is counted once, whatever its source)."""
    return sum((charge.amount for charge in charges), ZERO)


def calendar_from(schedules: Sequence[FeeSchedule]) -> FeeCalendar:
    """Build a calendar from configured schedules, in any order."""
    return FeeCalendar(schedules=tuple(schedules))
