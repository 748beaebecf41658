"""Black-Scholes prices and greeks with a volatility smile (floats: statistics, not money).

Rates are zero: the simulated index is the forward. Time is in years; volatility is a fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SECONDS_PER_YEAR = 365.0 * 24 * 3600
# Below this much time to expiry an option is priced at intrinsic value: the formula degenerates.
MIN_YEARS = 1.0 / SECONDS_PER_YEAR


@dataclass(frozen=True)
class Smile:
    """Implied volatility as a function of log-moneyness: atm + skew·k + curvature·k², floored."""

    atm_vol: float = 0.55
    skew: float = -0.05
    curvature: float = 0.30
    floor: float = 0.10
    cap: float = 3.0

    def vol(self, spot: float, strike: float, years: float) -> float:
        """Return the implied volatility for a strike."""
        k = math.log(strike / spot)
        # Scale moneyness by sqrt(time) so short expiries show a steeper smile, as real chains do.
        t_scale = math.sqrt(max(years, MIN_YEARS) / (30 / 365))
        k_norm = k / max(t_scale, 0.05)
        vol = self.atm_vol + self.skew * k_norm + self.curvature * k_norm * k_norm
        return min(self.cap, max(self.floor, vol))


@dataclass(frozen=True)
class OptionGreeks:
    """Greeks per one unit of underlying: theta per day, vega and rho per vol/rate point."""

    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _norm_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black_scholes(is_call: bool, spot: float, strike: float, years: float, vol: float) -> float:
    """Return the Black-Scholes price (zero rates) of a European option."""
    if years <= MIN_YEARS or vol <= 0:
        return max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)
    sd = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    if is_call:
        return spot * _norm_cdf(d1) - strike * _norm_cdf(d2)
    return strike * _norm_cdf(-d2) - spot * _norm_cdf(-d1)


def greeks(is_call: bool, spot: float, strike: float, years: float, vol: float) -> OptionGreeks:
    """Return delta, gamma, theta (per day), vega (per vol point) and rho (per rate point)."""
    if years <= MIN_YEARS or vol <= 0:
        itm = spot > strike if is_call else spot < strike
        delta = (1.0 if is_call else -1.0) if itm else 0.0
        return OptionGreeks(delta=delta, gamma=0.0, theta=0.0, vega=0.0, rho=0.0)
    sqrt_t = math.sqrt(years)
    sd = vol * sqrt_t
    d1 = (math.log(spot / strike) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    pdf = _norm_pdf(d1)
    delta = _norm_cdf(d1) if is_call else _norm_cdf(d1) - 1.0
    gamma = pdf / (spot * sd)
    theta = -(spot * pdf * vol) / (2.0 * sqrt_t) / 365.0
    vega = spot * pdf * sqrt_t / 100.0
    rho = (strike * years * _norm_cdf(d2) if is_call else -strike * years * _norm_cdf(-d2)) / 100.0
    return OptionGreeks(delta=delta, gamma=gamma, theta=theta, vega=vega, rho=rho)


def implied_vol(is_call: bool, spot: float, strike: float, years: float, price: float) -> float | None:
    """Invert Black-Scholes by bisection; None when the price is outside the no-arbitrage range."""
    intrinsic = max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)
    upper_bound = spot if is_call else strike
    if years <= MIN_YEARS or price <= intrinsic or price >= upper_bound:
        return None
    low, high = 1e-4, 5.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        if black_scholes(is_call, spot, strike, years, mid) > price:
            high = mid
        else:
            low = mid
    return 0.5 * (low + high)
