import math

import pytest

from delta_strangle.exchange.sim.pricing import Smile, black_scholes, greeks, implied_vol

SPOT = 95_000.0
YEARS = 7 / 365


@pytest.mark.parametrize("strike", [80_000.0, 90_000.0, 95_000.0, 100_000.0, 110_000.0])
def test_put_call_parity_holds_with_zero_rates(strike: float) -> None:
    call = black_scholes(True, SPOT, strike, YEARS, 0.5)
    put = black_scholes(False, SPOT, strike, YEARS, 0.5)
    assert math.isclose(call - put, SPOT - strike, abs_tol=1e-6)


@pytest.mark.parametrize("strike", [60_000.0, 95_000.0, 140_000.0])
def test_call_delta_lies_between_zero_and_one_and_put_delta_is_call_delta_minus_one(strike: float) -> None:
    call = greeks(True, SPOT, strike, YEARS, 0.5)
    put = greeks(False, SPOT, strike, YEARS, 0.5)
    assert 0 < call.delta < 1
    assert math.isclose(put.delta, call.delta - 1, abs_tol=1e-12)
    assert call.gamma > 0
    assert call.vega > 0
    assert call.theta < 0


def test_smile_is_lowest_near_the_money_and_higher_on_both_wings() -> None:
    smile = Smile(atm_vol=0.5, skew=-0.05, curvature=0.30)
    atm = smile.vol(SPOT, SPOT, YEARS)
    assert smile.vol(SPOT, SPOT * 0.85, YEARS) > atm
    assert smile.vol(SPOT, SPOT * 1.15, YEARS) > atm
    # Negative skew: the put wing is richer than the call wing at the same distance.
    assert smile.vol(SPOT, SPOT * 0.9, YEARS) > smile.vol(SPOT, SPOT / 0.9, YEARS)


def test_implied_vol_inverts_the_price() -> None:
    price = black_scholes(True, SPOT, 100_000.0, YEARS, 0.62)
    recovered = implied_vol(True, SPOT, 100_000.0, YEARS, price)
    assert recovered is not None
    assert math.isclose(recovered, 0.62, abs_tol=1e-6)


def test_an_expired_option_is_worth_its_intrinsic_value() -> None:
    assert black_scholes(True, SPOT, 90_000.0, 0.0, 0.5) == pytest.approx(5_000.0)
    assert black_scholes(False, SPOT, 90_000.0, 0.0, 0.5) == 0.0
