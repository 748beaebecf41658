"""Option contracts on Delta Exchange India and their symbols (`C-BTC-95000-310125`).

Every option settles at 12:00 UTC (17:30 IST) on its expiry date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

SETTLEMENT_TIME_UTC = time(12, 0, tzinfo=UTC)


class Underlying(StrEnum):
    BTC = "BTC"
    ETH = "ETH"


# Contract values listed on Delta India (underlying units per contract). The engine always uses the product's
# own `contract_value`; this table only serves estimates made without a product at hand (fee quotes).
LISTED_CONTRACT_VALUE: dict[Underlying, Decimal] = {Underlying.BTC: Decimal("0.001"), Underlying.ETH: Decimal("0.01")}


class OptionKind(StrEnum):
    CALL = "call"
    PUT = "put"

    @property
    def symbol_prefix(self) -> str:
        return "C" if self is OptionKind.CALL else "P"

    @property
    def contract_type(self) -> str:
        """Delta's `contract_type` value for this kind."""
        return "call_options" if self is OptionKind.CALL else "put_options"

    @classmethod
    def from_contract_type(cls, contract_type: str) -> OptionKind:
        if contract_type == "call_options":
            return cls.CALL
        if contract_type == "put_options":
            return cls.PUT
        raise ValueError(f"not an option contract type: {contract_type!r}")


class SymbolError(ValueError):
    """Raised for a string that is not a Delta option symbol."""


def settlement_instant(expiry: date) -> datetime:
    """Return the settlement instant (12:00 UTC) of an expiry date."""
    return datetime.combine(expiry, SETTLEMENT_TIME_UTC)


def option_symbol(kind: OptionKind, underlying: Underlying, strike: Decimal, expiry: date) -> str:
    """Build Delta's symbol, e.g. `C-BTC-95000-310125`."""
    strike_text = format(strike.normalize(), "f")
    return f"{kind.symbol_prefix}-{underlying.value}-{strike_text}-{expiry:%d%m%y}"


def parse_option_symbol(symbol: str) -> tuple[OptionKind, Underlying, Decimal, date]:
    """Split `C-BTC-95000-310125` into kind, underlying, strike and expiry date."""
    parts = symbol.split("-")
    if len(parts) != 4 or parts[0] not in ("C", "P"):
        raise SymbolError(f"not an option symbol: {symbol!r}")
    prefix, underlying_text, strike_text, expiry_text = parts
    try:
        underlying = Underlying(underlying_text)
    except ValueError as exc:
        raise SymbolError(f"unsupported underlying in {symbol!r}") from exc
    try:
        strike = Decimal(strike_text)
        expiry = datetime.strptime(expiry_text, "%d%m%y").date()  # noqa: DTZ007 - a date, not an instant
    except (ArithmeticError, ValueError) as exc:
        raise SymbolError(f"malformed strike or expiry in {symbol!r}") from exc
    kind = OptionKind.CALL if prefix == "C" else OptionKind.PUT
    return kind, underlying, strike, expiry


class OptionContract(BaseModel):
    """One listed option product, as the exchange describes it."""

    model_config = ConfigDict(frozen=True)

    product_id: int
    symbol: str
    underlying: Underlying
    kind: OptionKind
    strike: Decimal
    settlement_time: datetime
    contract_value: Decimal
    tick_size: Decimal

    @field_validator("settlement_time")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("settlement_time must be timezone-aware")
        return value.astimezone(UTC)

    @property
    def expiry(self) -> date:
        return self.settlement_time.date()

    def round_to_tick(self, price: Decimal, *, up: bool) -> Decimal:
        """Put a price on this contract's tick grid, rounding up or down."""
        ticks = price / self.tick_size
        whole = ticks.to_integral_value(rounding="ROUND_CEILING" if up else "ROUND_FLOOR")
        return (whole * self.tick_size).quantize(self.tick_size)
