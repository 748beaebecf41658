"""Every knob of the simulated exchange, with defaults that look like Delta Exchange India's option market.

Where Delta's behaviour is UNCERTAIN (see delta-exchange-api.md) the documented proposal is the default
and the choice is a field here, so a test or an operator can flip it.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class UnderlyingModel(BaseModel):
    """The random walk of one index and how its option chain is listed and quoted."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    index_symbol: str
    start_price: Decimal
    annual_vol: float = Field(default=0.55, gt=0)
    annual_drift: float = 0.0
    jumps_per_day: float = Field(default=0.5, ge=0, description="mean number of jumps per day (Poisson)")
    jump_sigma: float = Field(default=0.02, ge=0, description="jump size standard deviation (fraction)")
    strike_step: Decimal
    strikes_each_side: int = Field(default=20, ge=1)
    contract_value: Decimal
    tick_size: Decimal
    atm_vol: float = 0.55
    smile_skew: float = -0.05
    smile_curvature: float = 0.30
    # Absolute floor of the half-spread in USD: it makes cheap options' spreads wide in percent, as on Delta.
    min_half_spread: Decimal
    half_spread_fraction: float = Field(default=0.015, ge=0, description="half-spread as a fraction of mark")
    quote_size: int = Field(default=200, ge=1, description="typical contracts shown at the touch")


def _btc() -> UnderlyingModel:
    return UnderlyingModel(
        symbol="BTC", index_symbol=".DEXBTUSD", start_price=Decimal("95000"), annual_vol=0.55,
        strike_step=Decimal("200"), contract_value=Decimal("0.001"), tick_size=Decimal("0.1"),
        atm_vol=0.55, min_half_spread=Decimal("2"),
    )


def _eth() -> UnderlyingModel:
    return UnderlyingModel(
        symbol="ETH", index_symbol=".DEETHUSD", start_price=Decimal("3400"), annual_vol=0.70,
        strike_step=Decimal("20"), contract_value=Decimal("0.01"), tick_size=Decimal("0.01"),
        atm_vol=0.70, min_half_spread=Decimal("0.2"),
    )


class FeeSchedule(BaseModel):
    """Delta's option fee: min(rate x notional, cap x premium), plus GST."""

    model_config = ConfigDict(frozen=True)

    rate: Decimal = Decimal("0.0003")
    premium_cap: Decimal = Decimal("0.10")
    gst_rate: Decimal = Decimal("0.18")
    # UNCERTAIN whether Delta's reported commission includes GST; testnet fills suggest it does.
    gst_in_commission: bool = True


class MarginModel(BaseModel):
    """Isolated margin for short options: |size| x cv x (mark + pct% x index)."""

    model_config = ConfigDict(frozen=True)

    initial_margin_pct: Decimal = Decimal("10")
    maintenance_margin_pct: Decimal = Decimal("5")


class RateLimitModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    window_seconds: int = 300
    quota: int = 10_000


class ExpiryListing(BaseModel):
    """Which expiries are live: the next dailies, Friday weeklies and last-Friday monthlies."""

    model_config = ConfigDict(frozen=True)

    daily_count: int = Field(default=4, ge=1)
    weekly_count: int = Field(default=3, ge=0)
    monthly_count: int = Field(default=2, ge=0)


class SimConfig(BaseModel):
    """The simulated exchange's configuration."""

    model_config = ConfigDict(frozen=True)

    seed: int = 7
    step_seconds: float = Field(default=1.0, gt=0, description="market step; one random-walk step each")
    underlyings: tuple[UnderlyingModel, ...] = Field(default_factory=lambda: (_btc(), _eth()))
    expiries: ExpiryListing = ExpiryListing()
    fees: FeeSchedule = FeeSchedule()
    margin: MarginModel = MarginModel()
    rate_limit: RateLimitModel = RateLimitModel()
    starting_balance: Decimal = Decimal("10000")
    first_product_id: int = 100_000
    signature_window_seconds: int = 5
    future_timestamp_tolerance_seconds: int = 5
    # TWAP window of the index used as the settlement price.
    settlement_twap_seconds: int = 1800
    # Paper mode (a market fed by Delta): how long after a product's settlement instant (or after trading
    # stopped, when that was later, e.g. on a restart) to wait for Delta's published settlement price before
    # settling at the index price heard when trading stopped.
    published_settlement_grace_seconds: int = Field(default=900, ge=0)
    ws_public_path: str = "/public"
    ws_private_path: str = "/"
    ws_ticker_interval_seconds: float = Field(default=1.0, gt=0)
    ws_heartbeat_seconds: float = 30.0
    ws_idle_timeout_seconds: float = 60.0
    # UNCERTAIN spellings; each is one the real gateway has been seen to use.
    bad_signature_code: str = "Signature Mismatch"
    reduce_only_reject_code: str = "reduce_only_order_would_increase_position"
    duplicate_client_order_id_code: str = "duplicate_client_order_id"

    def underlying(self, symbol: str) -> UnderlyingModel:
        """Return the model of one underlying; KeyError when it is not simulated."""
        for model in self.underlyings:
            if model.symbol == symbol:
                return model
        raise KeyError(symbol)
