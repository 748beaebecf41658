"""apply_fill: average-cost legs built from fills, each fill counted once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from delta_strangle.domain.instruments import OptionKind, Underlying
from delta_strangle.domain.orders import Side
from delta_strangle.domain.positions import LegPosition, apply_fill
from tests.domain.builders import call, contract, fee, fill


def flat_call() -> LegPosition:
    return LegPosition.for_contract(call(104000))


def test_selling_opens_a_short_leg_and_records_the_premium_collected() -> None:
    leg = flat_call()
    leg = apply_fill(leg, fill(leg, Side.SELL, 10, 250), fee("0.3"))
    assert leg.size == -10
    assert leg.avg_entry_price == 250
    assert leg.entry_premium_usd == Decimal("2.500")  # 250 x 10 x 0.001
    assert leg.fees_usd == Decimal("0.3")


def test_partial_fills_average_the_entry_price() -> None:
    leg = flat_call()
    leg = apply_fill(leg, fill(leg, Side.SELL, 3, 250), fee(0))
    leg = apply_fill(leg, fill(leg, Side.SELL, 1, 210), fee(0))
    assert leg.size == -4
    assert leg.avg_entry_price == 240


def test_a_partial_buy_back_realises_only_the_closed_part() -> None:
    leg = flat_call()
    leg = apply_fill(leg, fill(leg, Side.SELL, 4, 250), fee(0))
    leg = apply_fill(leg, fill(leg, Side.BUY, 1, 100), fee(0))
    assert leg.size == -3
    assert leg.avg_entry_price == 250
    assert leg.realised_gross_usd == Decimal("0.150")  # (250-100) x 1 x 0.001
    assert leg.is_open


def test_buying_back_everything_flattens_the_leg() -> None:
    leg = flat_call()
    leg = apply_fill(leg, fill(leg, Side.SELL, 2, 250), fee(0))
    leg = apply_fill(leg, fill(leg, Side.BUY, 2, 400), fee(0))
    assert not leg.is_open
    assert leg.realised_gross_usd == Decimal("-0.300")


def test_a_fill_through_flat_opens_the_remainder_at_the_fill_price() -> None:
    leg = flat_call()
    leg = apply_fill(leg, fill(leg, Side.SELL, 1, 250), fee(0))
    leg = apply_fill(leg, fill(leg, Side.BUY, 3, 200), fee(0))
    assert leg.size == 2
    assert leg.avg_entry_price == 200
    assert leg.realised_gross_usd == Decimal("0.050")


def test_the_same_fill_delivered_twice_is_applied_once() -> None:
    leg = flat_call()
    first = fill(leg, Side.SELL, 1, 250, fill_id="dup")
    once = apply_fill(leg, first, fee("0.1"))
    twice = apply_fill(once, first, fee("0.1"))
    assert twice == once
    assert twice.fees_usd == Decimal("0.1")


def test_contract_value_comes_from_the_product() -> None:
    # ETH options are 0.01 ETH per contract; the predecessor defaulted every profile to 0.001 (weakness 19).
    leg = LegPosition.for_contract(contract(OptionKind.CALL, 4000, underlying=Underlying.ETH))
    leg = apply_fill(leg, fill(leg, Side.SELL, 1, 50), fee(0))
    assert leg.contract_value == Decimal("0.01")
    assert leg.entry_premium_usd == Decimal("0.50")


def test_a_fill_for_another_product_is_refused() -> None:
    leg = flat_call()
    other = LegPosition.for_contract(call(105000))
    with pytest.raises(ValueError, match="not for leg"):
        apply_fill(leg, fill(other, Side.SELL, 1, 100), fee(0))
