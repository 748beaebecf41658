"""Delta's JSON on the wire → domain types, for market data (products and their settlement, tickers, WebSocket
ticker frames).

Tolerant by design, because Delta is inconsistent: ids arrive as ints or strings, timestamps as
epoch seconds, milliseconds, microseconds (numbers or strings) or ISO-8601, decimals as strings,
numbers or exponent notation. Account objects (orders, fills, positions, balances) are in
`wire_account.py`; both share the primitives below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from delta_strangle.domain.instruments import (
    OptionContract,
    OptionKind,
    SymbolError,
    Underlying,
    parse_option_symbol,
    settlement_instant,
)
from delta_strangle.domain.market import Greeks, Quote

# Epoch magnitudes in 2001..2286: seconds < 1e10 ≤ milliseconds < 1e13 ≤ microseconds < 1e16 ≤ nanoseconds.
_MS_FROM, _US_FROM, _NS_FROM = 10**11, 10**14, 10**17


class WireError(ValueError):
    """Raised when a Delta payload lacks a field we cannot do without."""


def to_decimal(value: Any) -> Decimal | None:
    """Read a decimal from a string or number; None for null, empty or non-numeric text."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip()  # str() of a float keeps its shortest repr, never binary noise
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def require_decimal(raw: Mapping[str, Any], key: str) -> Decimal:
    """Read a mandatory decimal field."""
    number = to_decimal(raw.get(key))
    if number is None:
        raise WireError(f"missing or non-numeric {key!r}")
    return number


def to_int(value: Any) -> int | None:
    """Read a whole number from an int, an integral float or a numeric string."""
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def require_int(raw: Mapping[str, Any], key: str) -> int:
    """Read a mandatory whole-number field."""
    number = to_int(raw.get(key))
    if number is None:
        raise WireError(f"missing or non-integral {key!r}")
    return number


def to_id(value: Any) -> str | None:
    """Read an opaque id (int, string, UUID) as a string."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    return str(value)


def to_float(value: Any) -> float | None:
    """Read a float (greeks, IVs); None when absent."""
    number = to_decimal(value)
    return None if number is None else float(number)


def to_datetime(value: Any) -> datetime | None:
    """Read an instant from epoch s/ms/µs/ns (number or string) or ISO-8601, as aware UTC."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    number = to_decimal(value)
    if number is not None:
        magnitude = abs(number)
        if magnitude >= _NS_FROM:
            seconds = number / Decimal(10**9)
        elif magnitude >= _US_FROM:
            seconds = number / Decimal(10**6)
        elif magnitude >= _MS_FROM:
            seconds = number / Decimal(10**3)
        else:
            seconds = number
        whole = int(seconds)
        micros = int(((seconds - whole) * 10**6).to_integral_value())
        return datetime.fromtimestamp(whole, UTC).replace(microsecond=0) + timedelta(microseconds=micros)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def require_datetime(raw: Mapping[str, Any], *keys: str) -> datetime:
    """Read the first present instant among these fields."""
    for key in keys:
        instant = to_datetime(raw.get(key))
        if instant is not None:
            return instant
    raise WireError(f"missing timestamp (looked for {', '.join(keys)})")


def to_bool(value: Any) -> bool:
    """Read a boolean sent as JSON true/false or the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def format_decimal(value: Decimal) -> str:
    """Write a decimal as plain text without exponent, the way Delta expects prices."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# --- products -------------------------------------------------------------------------------------------------------


def is_tradable(product: Mapping[str, Any]) -> bool:
    """Tell whether a product accepts normal orders now (live, operational, not reduce-only)."""
    specs = product.get("product_specs") or {}
    if to_bool(specs.get("only_reduce_only_orders_allowed", False)):
        return False
    state = product.get("state", "live")
    status = product.get("trading_status", "operational")
    return bool(state == "live" and status == "operational")


SETTLED_STATES = frozenset({"expired", "settled"})


@dataclass(frozen=True)
class ProductSettlement:
    """One product's settlement as Delta publishes it on the product object.

    For an option, Delta's `settlement_price` is what one unit of the option settled at (its intrinsic
    value at the settlement index, "0" when it expired out of the money) and
    `product_specs.settlement_index_price` the index price it settled on (a 30-minute TWAP of the index).
    Both are None until Delta publishes them.
    """

    product_id: int
    symbol: str
    state: str
    settlement_time: datetime | None
    settlement_price: Decimal | None
    settlement_index_price: Decimal | None

    @property
    def is_published(self) -> bool:
        """Tell whether the product has expired and Delta has published its settlement price."""
        return self.state in SETTLED_STATES and self.settlement_price is not None


def parse_product_settlement(product: Mapping[str, Any]) -> ProductSettlement:
    """Read a product's state and settlement prices (decimals from their strings; null stays None)."""
    symbol = product.get("symbol")
    if not isinstance(symbol, str):
        raise WireError("product without symbol")
    state = product.get("state")
    if not isinstance(state, str):
        raise WireError(f"{symbol}: product without state")
    specs = product.get("product_specs") or {}
    return ProductSettlement(
        product_id=require_int(product, "id"),
        symbol=symbol,
        state=state,
        settlement_time=to_datetime(product.get("settlement_time")),
        settlement_price=to_decimal(product.get("settlement_price")),
        settlement_index_price=to_decimal(specs.get("settlement_index_price")) if isinstance(specs, Mapping) else None,
    )


def parse_option_contract(product: Mapping[str, Any]) -> OptionContract | None:
    """Read a call/put product on BTC or ETH; None for any other kind of product."""
    contract_type = product.get("contract_type")
    symbol = product.get("symbol")
    if contract_type not in ("call_options", "put_options") or not isinstance(symbol, str):
        return None
    try:
        kind_from_symbol, underlying, strike_from_symbol, expiry = parse_option_symbol(symbol)
    except SymbolError:
        return None
    kind = OptionKind.from_contract_type(contract_type)
    if kind is not kind_from_symbol:
        raise WireError(f"{symbol}: contract_type {contract_type} contradicts the symbol")
    asset = (product.get("underlying_asset") or {}).get("symbol")
    if asset is not None and asset != underlying.value:
        raise WireError(f"{symbol}: underlying_asset {asset} contradicts the symbol")
    settlement = to_datetime(product.get("settlement_time"))
    if settlement is None:
        settlement = settlement_instant(expiry)
    return OptionContract(
        product_id=require_int(product, "id"),
        symbol=symbol,
        underlying=Underlying(underlying),
        kind=kind,
        strike=to_decimal(product.get("strike_price")) or strike_from_symbol,
        settlement_time=settlement,
        contract_value=require_decimal(product, "contract_value"),
        tick_size=require_decimal(product, "tick_size"),
    )


# --- tickers --------------------------------------------------------------------------------------------------------


def _greeks(delta: Any, gamma: Any, theta: Any, vega: Any) -> Greeks | None:
    delta_value = to_float(delta)
    if delta_value is None:
        return None
    return Greeks(
        delta=delta_value, gamma=to_float(gamma) or 0.0, theta=to_float(theta) or 0.0, vega=to_float(vega) or 0.0
    )


def parse_ticker(ticker: Mapping[str, Any], *, received_at: datetime | None = None) -> Quote:
    """Read a REST ticker (or a legacy `v2/ticker` frame, which has the same fields) into a Quote."""
    symbol = ticker.get("symbol")
    if not isinstance(symbol, str):
        raise WireError("ticker without symbol")
    quotes = ticker.get("quotes") or {}
    greeks = ticker.get("greeks") or {}
    timestamp = to_datetime(ticker.get("timestamp")) or received_at
    if timestamp is None:
        raise WireError(f"{symbol}: ticker without timestamp")
    return Quote(
        symbol=symbol,
        product_id=to_int(ticker.get("product_id")),
        best_bid=to_decimal(quotes.get("best_bid")),
        best_ask=to_decimal(quotes.get("best_ask")),
        bid_size=to_int(quotes.get("bid_size")) or 0,
        ask_size=to_int(quotes.get("ask_size")) or 0,
        mark_price=to_decimal(ticker.get("mark_price")),
        spot_price=to_decimal(ticker.get("spot_price")),
        mark_iv=to_float(quotes.get("mark_iv") if quotes.get("mark_iv") is not None else ticker.get("mark_vol")),
        greeks=_greeks(greeks.get("delta"), greeks.get("gamma"), greeks.get("theta"), greeks.get("vega")),
        timestamp=timestamp,
    )


def _at(items: Any, index: int) -> Any:
    if isinstance(items, list) and len(items) > index:
        return items[index]
    return None


def parse_ticker_frame(frame: Mapping[str, Any], *, received_at: datetime | None = None) -> list[Quote]:
    """Read a compact public `ticker` frame (`d` entries with q=[ask, ask size, bid, bid size, …]) into Quotes."""
    timestamp = to_datetime(frame.get("ts")) or received_at
    if timestamp is None:
        raise WireError("ticker frame without ts")
    spot = to_decimal(frame.get("sp"))
    entries = frame.get("d")
    if not isinstance(entries, list):
        return []
    quotes: list[Quote] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("s") or frame.get("sy"), str):
            continue
        q, qiv, g = entry.get("q"), entry.get("qiv"), entry.get("g")
        quotes.append(
            Quote(
                symbol=entry.get("s") or frame["sy"],
                product_id=to_int(entry.get("i")),
                best_ask=to_decimal(_at(q, 0)),
                ask_size=to_int(_at(q, 1)) or 0,
                best_bid=to_decimal(_at(q, 2)),
                bid_size=to_int(_at(q, 3)) or 0,
                mark_price=to_decimal(entry.get("m")),
                spot_price=spot,
                mark_iv=to_float(_at(qiv, 2)),
                greeks=_greeks(_at(g, 0), _at(g, 1), _at(g, 3), _at(g, 4)),
                timestamp=timestamp,
            )
        )
    return quotes


def parse_quote_frame(frame: Mapping[str, Any], *, received_at: datetime | None = None) -> list[Quote]:
    """Read any ticker-bearing frame: compact `ticker` or legacy `v2/ticker`; other frames give nothing."""
    kind = frame.get("type")
    if kind == "ticker":
        return parse_ticker_frame(frame, received_at=received_at)
    if kind == "v2/ticker":
        return [parse_ticker(frame, received_at=received_at)]
    return []
