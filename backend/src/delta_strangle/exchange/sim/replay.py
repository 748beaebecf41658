"""A market replayed from a recorded file of ticker snapshots (JSON lines) instead of the random walk.

One line per snapshot (format in docs/simulator.md):

    {"timestamp": 1764050400000000, "spot": {"BTC": "95012.5"},
     "tickers": [{"symbol": "C-BTC-96000-251126", "mark_price": "812.4",
                  "quotes": {"best_bid": "800.1", "best_ask": "825.0", "bid_size": "40", "ask_size": "35",
                             "mark_iv": "0.52"},
                  "greeks": {"delta": "0.41", "gamma": "0.0001", "theta": "-900", "vega": "20", "rho": "0.1"}}]}

`timestamp` is epoch microseconds or an ISO-8601 string. Ticker entries use Delta's REST ticker field
names; extra fields are ignored. A product missing from a snapshot keeps its last quote (and its old
timestamp, so staleness is visible). The market ends with the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from delta_strangle.domain.instruments import SymbolError, parse_option_symbol, settlement_instant
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.listing import ProductListing
from delta_strangle.exchange.sim.market import StepResult
from delta_strangle.exchange.sim.product import SimGreeks, SimProduct, SimTicker


@dataclass(frozen=True)
class Snapshot:
    time: datetime
    spot: dict[str, Decimal]
    tickers: dict[str, dict[str, Any]]


def parse_time(value: Any) -> datetime:
    """Accept epoch microseconds (int or digit string) or ISO-8601."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(value))
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"replay timestamp without a time zone: {value!r}")
    return parsed.astimezone(UTC)


def read_snapshots(path: Path) -> list[Snapshot]:
    """Read a JSON-lines replay file, oldest snapshot first."""
    snapshots = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            snapshots.append(Snapshot(
                time=parse_time(raw["timestamp"]),
                spot={k: Decimal(str(v)) for k, v in raw.get("spot", {}).items()},
                tickers={t["symbol"]: t for t in raw.get("tickers", [])},
            ))
        except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
            raise ValueError(f"{path}:{number}: not a replay snapshot ({exc})") from exc
    return sorted(snapshots, key=lambda s: s.time)


def _dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _flt(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


class ReplayMarket(ProductListing):
    """The `MarketModel` of a recorded file (see module docstring)."""

    def __init__(self, config: SimConfig, snapshots: list[Snapshot]) -> None:
        if not snapshots:
            raise ValueError("a replay needs at least one snapshot")
        self._config = config
        self._snapshots = snapshots
        self._i = 0
        self._products: dict[int, SimProduct] = {}
        self._by_symbol: dict[str, int] = {}
        self._next_id = config.first_product_id
        self._spot: dict[str, Decimal] = {}
        self._last: dict[int, SimTicker] = {}
        self._absorb(snapshots[0])

    @classmethod
    def from_file(cls, config: SimConfig, path: Path) -> ReplayMarket:
        return cls(config, read_snapshots(path))

    @property
    def now(self) -> datetime:
        return self._snapshots[self._i].time

    def next_step_time(self) -> datetime | None:
        return self._snapshots[self._i + 1].time if self._i + 1 < len(self._snapshots) else None

    def step(self) -> StepResult:
        self._i += 1
        result = StepResult(time=self.now)
        for product in self._products.values():
            if product.is_live and product.settlement_time <= self.now:
                product.state = "expired"
                # The file carries no TWAP: settle at the last recorded index before this snapshot.
                product.settlement_price = self._spot.get(product.underlying)
                result.expired.append(product)
        result.listed = self._absorb(self._snapshots[self._i])
        return result

    def _absorb(self, snapshot: Snapshot) -> list[SimProduct]:
        self._spot.update(snapshot.spot)
        listed = []
        for symbol, raw in snapshot.tickers.items():
            product = self.product_by_symbol(symbol)
            if product is None:
                product = self._list(symbol, raw, snapshot.time)
                if product is None:
                    continue
                listed.append(product)
            self._last[product.id] = self._ticker(product, raw, snapshot)
        return listed

    def _list(self, symbol: str, raw: dict[str, Any], now: datetime) -> SimProduct | None:
        try:
            kind, underlying, strike, expiry = parse_option_symbol(symbol)
        except SymbolError:
            return None  # only options are replayed
        try:
            model = self._config.underlying(underlying.value)
        except KeyError:
            return None
        product_id = int(raw["product_id"]) if raw.get("product_id") is not None else self._next_id
        self._next_id = max(self._next_id, product_id) + 1
        product = SimProduct(
            id=product_id, symbol=symbol, underlying=underlying.value, kind=kind, strike=strike,
            settlement_time=settlement_instant(expiry),
            contract_value=_dec(raw.get("contract_value")) or model.contract_value,
            tick_size=_dec(raw.get("tick_size")) or model.tick_size, launch_time=now,
        )
        return self._list_product(product)

    def _ticker(self, product: SimProduct, raw: dict[str, Any], snapshot: Snapshot) -> SimTicker:
        quotes = raw.get("quotes") or {}
        greeks = raw.get("greeks")
        spot = _dec(raw.get("spot_price")) or snapshot.spot.get(product.underlying) or Decimal(0)
        return SimTicker(
            product_id=product.id, symbol=product.symbol, timestamp=snapshot.time, spot=spot,
            mark_price=_dec(raw.get("mark_price")) or Decimal(0),
            best_bid=_dec(quotes.get("best_bid")), best_ask=_dec(quotes.get("best_ask")),
            bid_size=int(Decimal(str(quotes.get("bid_size") or 0))),
            ask_size=int(Decimal(str(quotes.get("ask_size") or 0))),
            mark_iv=_flt(quotes.get("mark_iv")), bid_iv=_flt(quotes.get("bid_iv")), ask_iv=_flt(quotes.get("ask_iv")),
            greeks=None if not greeks else SimGreeks(
                delta=float(greeks.get("delta") or 0), gamma=float(greeks.get("gamma") or 0),
                theta=float(greeks.get("theta") or 0), vega=float(greeks.get("vega") or 0),
                rho=float(greeks.get("rho") or 0)),
            oi_contracts=int(Decimal(str(raw.get("oi_contracts") or 0))),
        )

    def underlyings(self) -> list[str]:
        return [u.symbol for u in self._config.underlyings if u.symbol in self._spot]

    def spot(self, underlying: str) -> Decimal:
        return self._spot[underlying]

    def ticker(self, product: SimProduct) -> SimTicker:
        return self._last[product.id]

    def apply_gap(self, underlying: str, fraction: float) -> None:
        """Price gaps cannot rewrite a recording: a replayed market ignores them."""

    def to_state(self) -> dict[str, Any]:
        return {"kind": "replay", "index": self._i}
