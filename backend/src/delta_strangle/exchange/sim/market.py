"""The simulated market: a seeded random walk of each index and the option chain listed and priced on it.

One step per `step_seconds` on a fixed grid from the start instant, so the path depends only on the seed,
never on when anyone looks. Products are listed for the configured expiries (settling 12:00 UTC), strikes
follow the index as it moves, and expired products settle at the TWAP of the index.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from delta_strangle.domain.instruments import OptionKind, Underlying, option_symbol, settlement_instant
from delta_strangle.exchange.sim.config import SimConfig, UnderlyingModel
from delta_strangle.exchange.sim.listing import ProductListing
from delta_strangle.exchange.sim.pricing import SECONDS_PER_YEAR, Smile, black_scholes, greeks
from delta_strangle.exchange.sim.product import SimGreeks, SimProduct, SimTicker

EIGHT_PLACES = Decimal("0.00000001")
FRIDAY = 4


@dataclass
class StepResult:
    """What one market step changed."""

    time: datetime
    expired: list[SimProduct] = field(default_factory=list)
    listed: list[SimProduct] = field(default_factory=list)


class MarketModel(Protocol):
    """Where prices come from: the random walk here, or a recorded file (replay.py)."""

    @property
    def now(self) -> datetime: ...

    def next_step_time(self) -> datetime | None: ...

    def step(self) -> StepResult: ...

    def products(self) -> Iterable[SimProduct]: ...

    def product(self, product_id: int) -> SimProduct | None: ...

    def product_by_symbol(self, symbol: str) -> SimProduct | None: ...

    def underlyings(self) -> list[str]: ...

    def index_symbol(self, underlying: str) -> str: ...

    def spot(self, underlying: str) -> Decimal: ...

    def ticker(self, product: SimProduct) -> SimTicker: ...

    def apply_gap(self, underlying: str, fraction: float) -> None: ...

    def to_state(self) -> dict[str, Any]: ...


def expiry_dates(now: datetime, counts: tuple[int, int, int]) -> list[date]:
    """Return the live expiry dates at an instant: next dailies, Friday weeklies, last-Friday monthlies."""
    daily_count, weekly_count, monthly_count = counts
    first = now.date() if settlement_instant(now.date()) > now else now.date() + timedelta(days=1)
    dates = {first + timedelta(days=i) for i in range(daily_count)}
    friday = first + timedelta(days=(FRIDAY - first.weekday()) % 7)
    dates.update(friday + timedelta(weeks=i) for i in range(weekly_count))
    year, month = first.year, first.month
    while monthly_count > 0:
        last = _last_friday(year, month)
        if last >= first:
            dates.add(last)
            monthly_count -= 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(dates)


def _last_friday(year: int, month: int) -> date:
    next_month = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - FRIDAY) % 7)


def _d(value: float, places: Decimal = EIGHT_PLACES) -> Decimal:
    return Decimal(repr(value)).quantize(places)


class GbmMarket(ProductListing):
    """The seeded random-walk market (see module docstring)."""

    def __init__(self, config: SimConfig, start: datetime) -> None:
        self._config = config
        self._origin = start.astimezone(UTC)
        self._n = 0
        self._rng = random.Random(config.seed)  # noqa: S311 - simulation, not security
        self._spot = {u.symbol: float(u.start_price) for u in config.underlyings}
        self._gap = {u.symbol: 0.0 for u in config.underlyings}
        self._samples: dict[str, deque[tuple[datetime, float]]] = {u.symbol: deque() for u in config.underlyings}
        self._products: dict[int, SimProduct] = {}
        self._by_symbol: dict[str, int] = {}
        self._next_id = config.first_product_id
        self._ticker_cache: dict[int, tuple[int, SimTicker]] = {}
        self._smiles = {
            u.symbol: Smile(atm_vol=u.atm_vol, skew=u.smile_skew, curvature=u.smile_curvature)
            for u in config.underlyings
        }
        for u in config.underlyings:
            self._samples[u.symbol].append((self._origin, self._spot[u.symbol]))
        self._listed_centres: dict[str, Decimal] = {}
        self._listed_keys: set[tuple[str, OptionKind, Decimal, date]] = set()
        self._next_settlement: datetime | None = None
        self._list_products()

    # -- time -------------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._origin + timedelta(seconds=self._n * self._config.step_seconds)

    def next_step_time(self) -> datetime | None:
        """Return the instant of the next step (the walk never ends)."""
        return self._origin + timedelta(seconds=(self._n + 1) * self._config.step_seconds)

    def step(self) -> StepResult:
        """Advance one step: move each index, settle what expired, list what is due."""
        self._n += 1
        now = self.now
        dt = self._config.step_seconds / SECONDS_PER_YEAR
        for u in self._config.underlyings:
            z = self._rng.gauss(0.0, 1.0)
            jump_draw = self._rng.random()
            jump_probability = u.jumps_per_day * self._config.step_seconds / 86400.0
            jump = self._rng.gauss(0.0, u.jump_sigma) if jump_draw < jump_probability else 0.0
            log_return = (u.annual_drift - 0.5 * u.annual_vol**2) * dt + u.annual_vol * math.sqrt(dt) * z + jump
            gap = self._gap[u.symbol]
            self._gap[u.symbol] = 0.0
            self._spot[u.symbol] *= math.exp(log_return) * (1.0 + gap)
            samples = self._samples[u.symbol]
            samples.append((now, self._spot[u.symbol]))
            horizon = now - timedelta(seconds=self._config.settlement_twap_seconds)
            while len(samples) > 1 and samples[0][0] < horizon:
                samples.popleft()
        result = StepResult(time=now)
        if self._next_settlement is not None and self._next_settlement <= now:
            for product in self._products.values():
                if product.is_live and product.settlement_time <= now:
                    product.state = "expired"
                    product.settlement_price = self._settlement_price(product.underlying, product.settlement_time)
                    result.expired.append(product)
        # Listing walks every strike: only do it when an expiry rolled or an index left its strike centre.
        if result.expired or self._drifted():
            result.listed = self._list_products()
        return result

    def _drifted(self) -> bool:
        # A full strike step of hysteresis, so an index hovering on a rounding boundary does not relist each step.
        return any(
            abs(self._spot[u.symbol] - float(self._listed_centres[u.symbol])) > float(u.strike_step)
            for u in self._config.underlyings
        )

    def _centres(self) -> dict[str, Decimal]:
        return {
            u.symbol: (Decimal(repr(self._spot[u.symbol])) / u.strike_step).to_integral_value() * u.strike_step
            for u in self._config.underlyings
        }

    # -- products -----------------------------------------------------------------------------------------

    def underlyings(self) -> list[str]:
        return [u.symbol for u in self._config.underlyings]

    def spot(self, underlying: str) -> Decimal:
        return _d(self._spot[underlying])

    def apply_gap(self, underlying: str, fraction: float) -> None:
        """Make the next step of this index jump by a fraction (a price-gap fault)."""
        self._gap[underlying] += fraction

    def _settlement_price(self, underlying: str, settle_at: datetime) -> Decimal:
        window_start = settle_at - timedelta(seconds=self._config.settlement_twap_seconds)
        values = [v for t, v in self._samples[underlying] if window_start <= t <= settle_at]
        return _d(sum(values) / len(values) if values else self._spot[underlying])

    def _list_products(self) -> list[SimProduct]:
        now = self.now
        expiries = expiry_dates(
            now, (self._config.expiries.daily_count, self._config.expiries.weekly_count,
                  self._config.expiries.monthly_count)
        )
        listed: list[SimProduct] = []
        self._listed_centres = self._centres()
        for u in self._config.underlyings:
            center = self._listed_centres[u.symbol]
            strikes = [center + u.strike_step * i for i in range(-u.strikes_each_side, u.strikes_each_side + 1)]
            for expiry in expiries:
                for strike in strikes:
                    if strike <= 0:
                        continue
                    for kind in (OptionKind.CALL, OptionKind.PUT):
                        listed.extend(self._list_one(u, kind, strike, expiry, now))
        live = [p.settlement_time for p in self._products.values() if p.is_live]
        self._next_settlement = min(live) if live else None
        return listed

    def _list_one(
        self, u: UnderlyingModel, kind: OptionKind, strike: Decimal, expiry: date, now: datetime
    ) -> list[SimProduct]:
        key = (u.symbol, kind, strike, expiry)
        if key in self._listed_keys:
            return []
        self._listed_keys.add(key)
        symbol = option_symbol(kind, Underlying(u.symbol), strike, expiry)
        if symbol in self._by_symbol:
            return []
        product = SimProduct(
            id=self._next_id, symbol=symbol, underlying=u.symbol, kind=kind, strike=strike,
            settlement_time=settlement_instant(expiry), contract_value=u.contract_value, tick_size=u.tick_size,
            launch_time=now,
        )
        self._next_id += 1
        return [self._list_product(product)]

    # -- prices -------------------------------------------------------------------------------------------

    def ticker(self, product: SimProduct) -> SimTicker:
        """Return the product's ticker at the current step (cached per step)."""
        cached = self._ticker_cache.get(product.id)
        if cached is not None and cached[0] == self._n:
            return cached[1]
        ticker = self._compute_ticker(product)
        self._ticker_cache[product.id] = (self._n, ticker)
        return ticker

    def _compute_ticker(self, product: SimProduct) -> SimTicker:
        u = self._config.underlying(product.underlying)
        spot = self._spot[product.underlying]
        strike = float(product.strike)
        is_call = product.kind is OptionKind.CALL
        years = max(0.0, (product.settlement_time - self.now).total_seconds() / SECONDS_PER_YEAR)
        if not product.is_live:
            settle = float(product.settlement_price or 0)
            payoff = max(settle - strike, 0.0) if is_call else max(strike - settle, 0.0)
            return SimTicker(
                product_id=product.id, symbol=product.symbol, timestamp=self.now, spot=_d(spot),
                mark_price=_d(payoff), best_bid=None, best_ask=None, bid_size=0, ask_size=0,
                mark_iv=None, bid_iv=None, ask_iv=None, greeks=None,
            )
        vol = self._smiles[product.underlying].vol(spot, strike, years)
        mark = black_scholes(is_call, spot, strike, years, vol)
        g = greeks(is_call, spot, strike, years, vol)
        half = max(float(u.min_half_spread), mark * u.half_spread_fraction, float(u.tick_size))
        mark_d = _d(mark)
        bid = product.on_tick(_d(mark - half), up=False)
        ask = product.on_tick(_d(mark + half), up=True)
        best_bid = bid if bid >= product.tick_size else None
        ask = max(ask, product.tick_size)
        noise = self._noise(product.id)
        bid_size = max(1, int(u.quote_size * (0.5 + noise)))
        ask_size = max(1, int(u.quote_size * (1.5 - noise)))
        vega_points = g.vega * 100.0
        ask_iv = vol + (float(ask) - mark) / vega_points if vega_points > 1e-9 else None
        bid_iv = vol - (mark - float(best_bid)) / vega_points if vega_points > 1e-9 and best_bid is not None else None
        return SimTicker(
            product_id=product.id, symbol=product.symbol, timestamp=self.now, spot=_d(spot), mark_price=mark_d,
            best_bid=best_bid, best_ask=ask, bid_size=bid_size if best_bid is not None else 0, ask_size=ask_size,
            mark_iv=vol, bid_iv=None if bid_iv is None else max(0.0, bid_iv), ask_iv=ask_iv,
            greeks=SimGreeks(delta=g.delta, gamma=g.gamma, theta=g.theta, vega=g.vega, rho=g.rho),
            oi_contracts=int(5000 * self._noise(product.id * 7 + 3, per_step=False)),
        )

    def _noise(self, key: int, *, per_step: bool = True) -> float:
        """Return a cheap deterministic number in [0, 1) for a product (and step)."""
        mixed = (key * 2654435761 + (self._n * 40503 if per_step else 0) + self._config.seed * 97) & 0xFFFFFFFF
        mixed ^= mixed >> 15
        mixed = (mixed * 2246822519) & 0xFFFFFFFF
        mixed ^= mixed >> 13
        return (mixed & 0xFFFF) / 65536.0

    # -- persistence --------------------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Return a JSON-able snapshot of the walk and the listed products."""
        return {
            "kind": "gbm",
            "origin": self._origin.isoformat(),
            "n": self._n,
            "rng": _rng_to_json(self._rng.getstate()),
            "spot": dict(self._spot),
            "samples": {u: [[t.isoformat(), v] for t, v in s] for u, s in self._samples.items()},
            "next_id": self._next_id,
            "products": [product_to_json(p) for p in self._products.values()],
        }

    @classmethod
    def from_state(cls, config: SimConfig, state: dict[str, Any]) -> GbmMarket:
        """Rebuild a market from `to_state` output."""
        market = cls.__new__(cls)
        market._config = config
        market._origin = datetime.fromisoformat(state["origin"])
        market._n = int(state["n"])
        market._rng = random.Random()  # noqa: S311 - simulation, not security
        market._rng.setstate(_rng_from_json(state["rng"]))
        market._spot = {k: float(v) for k, v in state["spot"].items()}
        market._gap = {u.symbol: 0.0 for u in config.underlyings}
        market._samples = {
            u: deque((datetime.fromisoformat(t), float(v)) for t, v in s) for u, s in state["samples"].items()
        }
        market._products = {}
        market._by_symbol = {}
        for raw in state["products"]:
            product = product_from_json(raw)
            market._products[product.id] = product
            market._by_symbol[product.symbol] = product.id
        market._next_id = int(state["next_id"])
        market._listed_centres = market._centres()
        market._listed_keys = {
            (p.underlying, p.kind, p.strike, p.settlement_time.date()) for p in market._products.values()
        }
        live = [p.settlement_time for p in market._products.values() if p.is_live]
        market._next_settlement = min(live) if live else None
        market._ticker_cache = {}
        market._smiles = {
            u.symbol: Smile(atm_vol=u.atm_vol, skew=u.smile_skew, curvature=u.smile_curvature)
            for u in config.underlyings
        }
        return market


def _rng_to_json(state: tuple[Any, ...]) -> list[Any]:
    version, internal, gauss_next = state
    return [version, list(internal), gauss_next]


def _rng_from_json(raw: list[Any]) -> tuple[Any, ...]:
    return (raw[0], tuple(raw[1]), raw[2])


def product_to_json(p: SimProduct) -> dict[str, Any]:
    return {
        "id": p.id, "symbol": p.symbol, "underlying": p.underlying, "kind": p.kind.value, "strike": str(p.strike),
        "settlement_time": p.settlement_time.isoformat(), "contract_value": str(p.contract_value),
        "tick_size": str(p.tick_size), "launch_time": p.launch_time.isoformat(), "state": p.state,
        "settlement_price": None if p.settlement_price is None else str(p.settlement_price),
        "published_value": None if p.published_value is None else str(p.published_value),
    }


def product_from_json(raw: dict[str, Any]) -> SimProduct:
    return SimProduct(
        id=int(raw["id"]), symbol=raw["symbol"], underlying=raw["underlying"], kind=OptionKind(raw["kind"]),
        strike=Decimal(raw["strike"]), settlement_time=datetime.fromisoformat(raw["settlement_time"]),
        contract_value=Decimal(raw["contract_value"]), tick_size=Decimal(raw["tick_size"]),
        launch_time=datetime.fromisoformat(raw["launch_time"]), state=raw["state"],
        settlement_price=None if raw["settlement_price"] is None else Decimal(raw["settlement_price"]),
        published_value=None if raw.get("published_value") is None else Decimal(raw["published_value"]),
    )
