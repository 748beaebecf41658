"""PnL in Decimal: per leg and total, realised and unrealised, fees subtracted exactly once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delta_strangle.domain.instruments import OptionKind
from delta_strangle.domain.orders import Side
from delta_strangle.domain.pnl import leg_pnl, strangle_pnl, unrealised_usd
from delta_strangle.domain.positions import LegPosition, apply_fill
from tests.domain.builders import call, fee, fill, short_leg


def test_a_short_leg_gains_when_the_mark_falls() -> None:
    leg = short_leg(OptionKind.CALL, 104000, 250, size=10)
    assert unrealised_usd(leg, Decimal(100)) == Decimal("1.500")  # (250-100) x 10 x 0.001


def test_strangle_totals_add_up_legs_and_subtract_fees_once() -> None:
    c = short_leg(OptionKind.CALL, 104000, 250, size=10, entry_fee="0.1")
    p = short_leg(OptionKind.PUT, 96000, 200, size=10, entry_fee="0.1")
    c = apply_fill(c, fill(c, Side.BUY, 10, 50), fee("0.05"))  # call closed for +2.0 gross
    pnl = strangle_pnl([c, p], {p.symbol: Decimal(150)})
    assert pnl.premium_collected_usd == Decimal("4.500")
    assert pnl.realised_gross_usd == Decimal("2.000")
    assert pnl.unrealised_usd == Decimal("0.500")
    assert pnl.gross_usd == Decimal("2.500")
    assert pnl.fees_usd == Decimal("0.25")
    assert pnl.net_usd == Decimal("2.250")
    assert pnl.net_pct_of_premium == Decimal(50)


def test_net_plus_fees_is_gross_so_analytics_never_deducts_fees_again() -> None:
    # The predecessor's analytics subtracted fees from an already-net PnL (weakness 16).
    c = short_leg(OptionKind.CALL, 104000, 250, size=3, entry_fee="0.4")
    pnl = strangle_pnl([c], {c.symbol: Decimal(240)})
    assert pnl.net_usd + pnl.fees_usd == pnl.gross_usd
    assert pnl.legs[0].net_usd == pnl.net_usd
    assert sum(leg.fees_usd for leg in pnl.legs) == pnl.fees_usd


def test_an_open_leg_without_a_mark_cannot_be_valued() -> None:
    c = short_leg(OptionKind.CALL, 104000, 250)
    with pytest.raises(ValueError, match="no mark"):
        leg_pnl(c, None)


def test_percent_of_premium_is_none_without_premium() -> None:
    flat = LegPosition.for_contract(call(104000))
    assert strangle_pnl([flat], {}).net_pct_of_premium is None


prices = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(5000), places=1)


@given(entry=prices, mark=prices, size=st.integers(1, 500))
def test_pnl_is_antisymmetric_for_long_and_short(entry: Decimal, mark: Decimal, size: int) -> None:
    flat = LegPosition.for_contract(call(104000))
    short = apply_fill(flat, fill(flat, Side.SELL, size, entry), fee(0))
    long = apply_fill(flat, fill(flat, Side.BUY, size, entry), fee(0))
    assert unrealised_usd(short, mark) == -unrealised_usd(long, mark)
    short_closed = apply_fill(short, fill(short, Side.BUY, size, mark), fee(0))
    long_closed = apply_fill(long, fill(long, Side.SELL, size, mark), fee(0))
    assert short_closed.realised_gross_usd == -long_closed.realised_gross_usd
    assert short_closed.realised_gross_usd == unrealised_usd(short, mark)
