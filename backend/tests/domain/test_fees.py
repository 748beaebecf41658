"""Delta's option fee rule, dated schedules, and which figure is booked."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delta_strangle.domain.fees import (
    DEFAULT_FEE_CALENDAR,
    FeeCalendar,
    FeeSchedule,
    FeeSource,
    fill_fee,
    option_fee,
    total_fees,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
STANDARD = FeeSchedule(effective_from=T0, rate_pct=Decimal("0.03"), cap_pct=Decimal(10), gst_pct=Decimal(18))


def test_help_centre_example_is_capped_at_ten_percent_of_premium() -> None:
    # 300 BTC contracts, spot 26 200, premium 15: notional 7 860 -> 2.358; cap 10 % of 4.5 -> 0.45.
    fee = option_fee(
        index_price=Decimal(26200), price=Decimal(15), size=300, contract_value=Decimal("0.001"), schedule=STANDARD
    )
    assert fee.notional == Decimal("7860.000")
    assert fee.notional_fee == Decimal("2.358")
    assert fee.premium_cap == Decimal("0.45")
    assert fee.fee == Decimal("0.45")
    assert fee.cap_applied
    assert fee.gst == Decimal("0.081")
    assert fee.total == Decimal("0.531")


def test_rate_on_notional_applies_when_below_the_cap() -> None:
    # 10 contracts at premium 1500, spot 100 000: notional 1000 -> 0.30; cap 10 % of 15 -> 1.5.
    fee = option_fee(
        index_price=Decimal(100000), price=Decimal(1500), size=10, contract_value=Decimal("0.001"), schedule=STANDARD
    )
    assert fee.fee == Decimal("0.30")
    assert not fee.cap_applied
    assert fee.total == Decimal("0.354")


def test_fee_uses_the_index_price_not_the_premium() -> None:
    # The predecessor used the premium as the underlying price at entry (weakness 15): fee 100x too small.
    with_index = option_fee(
        index_price=Decimal(100000), price=Decimal(1000), size=1, contract_value=Decimal("0.001"), schedule=STANDARD
    )
    with_premium_as_index = option_fee(
        index_price=Decimal(1000), price=Decimal(1000), size=1, contract_value=Decimal("0.001"), schedule=STANDARD
    )
    assert with_index.fee == Decimal("0.03")
    assert with_premium_as_index.fee == Decimal("0.0003")
    assert with_index.fee > with_premium_as_index.fee


def test_estimating_a_fill_fee_without_the_index_price_is_refused() -> None:
    with pytest.raises(ValueError, match="index_price"):
        fill_fee(
            reported_commission=None,
            index_price=None,
            price=Decimal(1000),
            size=1,
            contract_value=Decimal("0.001"),
            instant=T0,
        )


def test_gst_is_part_of_every_estimate_by_default() -> None:
    charge = fill_fee(
        reported_commission=None,
        index_price=Decimal(100000),
        price=Decimal(1500),
        size=10,
        contract_value=Decimal("0.001"),
        instant=datetime(2024, 6, 1, tzinfo=UTC),
    )
    assert charge.source is FeeSource.ESTIMATE
    assert charge.amount == Decimal("0.354")


def test_gst_can_be_left_out_where_it_does_not_apply() -> None:
    fee = option_fee(
        index_price=Decimal(100000),
        price=Decimal(1500),
        size=10,
        contract_value=Decimal("0.001"),
        schedule=STANDARD,
        apply_gst=False,
    )
    assert fee.gst == 0
    assert fee.total == Decimal("0.30")


def test_exchange_reported_commission_wins_over_the_estimate() -> None:
    charge = fill_fee(
        reported_commission=Decimal("0.0177"),
        index_price=Decimal(100000),
        price=Decimal(1500),
        size=10,
        contract_value=Decimal("0.001"),
        instant=T0,
    )
    assert charge.source is FeeSource.EXCHANGE
    assert charge.amount == Decimal("0.0177")
    assert charge.estimate is None


def test_a_maker_rebate_is_booked_as_reported() -> None:
    charge = fill_fee(
        reported_commission=Decimal("-0.01"),
        index_price=None,
        price=Decimal(1500),
        size=1,
        contract_value=Decimal("0.001"),
        instant=T0,
    )
    assert charge.amount == Decimal("-0.01")


def test_calendar_picks_the_schedule_in_force_at_the_fill() -> None:
    assert DEFAULT_FEE_CALENDAR.at(datetime(2025, 10, 12, 23, 59, tzinfo=UTC)).rate_pct == Decimal("0.03")
    assert DEFAULT_FEE_CALENDAR.at(datetime(2025, 10, 13, tzinfo=UTC)).rate_pct == Decimal("0.015")
    assert DEFAULT_FEE_CALENDAR.at(datetime(2027, 1, 1, tzinfo=UTC)).cap_pct == Decimal("3.5")


def test_calendar_sorts_schedules_given_in_any_order() -> None:
    later = STANDARD.model_copy(update={"effective_from": datetime(2025, 1, 1, tzinfo=UTC), "rate_pct": Decimal(1)})
    calendar = FeeCalendar(schedules=(later, STANDARD))
    assert calendar.at(datetime(2024, 6, 1, tzinfo=UTC)) == STANDARD
    assert calendar.at(datetime(2025, 6, 1, tzinfo=UTC)) == later


def test_calendar_refuses_an_instant_before_its_first_schedule() -> None:
    with pytest.raises(LookupError):
        FeeCalendar(schedules=(STANDARD,)).at(datetime(2023, 1, 1, tzinfo=UTC))


def test_calendar_refuses_two_schedules_on_one_instant() -> None:
    with pytest.raises(ValueError, match="effective_from"):
        FeeCalendar(schedules=(STANDARD, STANDARD))


def test_schedule_from_exchange_fractions_converts_explicitly_to_percent() -> None:
    schedule = FeeSchedule.from_exchange_rates(
        effective_from=T0, commission_rate=Decimal("0.0003"), premium_commission_rate=Decimal("0.1")
    )
    assert schedule.rate_pct == Decimal("0.03")
    assert schedule.cap_pct == Decimal("10.0")


def test_schedule_percentages_are_taken_as_percentages() -> None:
    # 0.5 means 0.5 %, never 50 % (weakness 12).
    schedule = FeeSchedule(effective_from=T0, rate_pct=Decimal("0.5"), cap_pct=Decimal(100))
    fee = option_fee(
        index_price=Decimal(1000), price=Decimal(1000), size=1, contract_value=Decimal(1), schedule=schedule
    )
    assert fee.notional_fee == Decimal(5)


def test_total_fees_sums_each_charge_once() -> None:
    charges = [
        fill_fee(
            reported_commission=Decimal("0.2"),
            index_price=None,
            price=Decimal(1),
            size=1,
            contract_value=Decimal(1),
            instant=T0,
        )
    ] * 3
    assert total_fees(charges) == Decimal("0.6")


prices = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(50000), places=1)
indices = st.decimals(min_value=Decimal(100), max_value=Decimal(500000), places=2)
pcts = st.decimals(min_value=Decimal(0), max_value=Decimal(20), places=3)


@given(index=indices, price=prices, size=st.integers(min_value=-1000, max_value=1000), rate=pcts, cap=pcts)
def test_fee_never_exceeds_the_premium_cap(
    index: Decimal, price: Decimal, size: int, rate: Decimal, cap: Decimal
) -> None:
    schedule = FeeSchedule(effective_from=T0, rate_pct=rate, cap_pct=cap)
    fee = option_fee(index_price=index, price=price, size=size, contract_value=Decimal("0.001"), schedule=schedule)
    assert 0 <= fee.fee <= fee.premium_cap
    assert fee.fee <= fee.notional_fee
    assert fee.total == fee.fee * (1 + schedule.gst_pct / 100)
