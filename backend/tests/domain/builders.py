"""Hand-written builders for domain tests: contracts, quotes, chains, fills and legs."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import (
    OptionContract,
    OptionKind,
    Underlying,
    option_symbol,
    settlement_instant,
)
from delta_strangle.domain.market import Greeks, OptionChain, Quote
from delta_strangle.domain.orders import Fill, Side
from delta_strangle.domain.positions import LegPosition, apply_fill

EXPIRY = date(2025, 1, 31)
NOW = datetime(2025, 1, 31, 4, 0, tzinfo=UTC)  # 09:30 IST on expiry day
EXIT_AT = datetime(2025, 1, 31, 9, 50, tzinfo=UTC)  # 15:20 IST
CONTRACT_VALUES = {Underlying.BTC: Decimal("0.001"), Underlying.ETH: Decimal("0.01")}
_ids = itertools.count(1000)


def contract(
    kind: OptionKind,
    strike: int | Decimal,
    *,
    expiry: date = EXPIRY,
    underlying: Underlying = Underlying.BTC,
    product_id: int | None = None,
) -> OptionContract:
    strike_d = Decimal(strike)
    return OptionContract(
        product_id=product_id if product_id is not None else next(_ids),
        symbol=option_symbol(kind, underlying, strike_d, expiry),
        underlying=underlying,
        kind=kind,
        strike=strike_d,
        settlement_time=settlement_instant(expiry),
        contract_value=CONTRACT_VALUES[underlying],
        tick_size=Decimal("0.1"),
    )


def call(strike: int, **kwargs: object) -> OptionContract:
    return contract(OptionKind.CALL, strike, **kwargs)  # type: ignore[arg-type]


def put(strike: int, **kwargs: object) -> OptionContract:
    return contract(OptionKind.PUT, strike, **kwargs)  # type: ignore[arg-type]


def quote(
    symbol: str,
    bid: str | int | None,
    ask: str | int | None,
    *,
    mark: str | int | None = None,
    delta: float | None = None,
    at: datetime = NOW,
) -> Quote:
    return Quote(
        symbol=symbol,
        best_bid=None if bid is None else Decimal(bid),
        best_ask=None if ask is None else Decimal(ask),
        mark_price=None if mark is None else Decimal(mark),
        greeks=None if delta is None else Greeks(delta=delta),
        timestamp=at,
    )


def chain(
    spot: int | Decimal,
    rows: list[tuple[OptionContract, str | int | None, str | int | None, float | None]],
    *,
    underlying: Underlying = Underlying.BTC,
    expiry: date = EXPIRY,
    at: datetime = NOW,
) -> OptionChain:
    """Build a chain from (contract, bid, ask, delta) rows, quoted at `at`."""
    return OptionChain(
        underlying=underlying,
        expiry=expiry,
        spot=Decimal(spot),
        as_of=at,
        contracts=tuple(row[0] for row in rows),
        quotes={row[0].symbol: quote(row[0].symbol, row[1], row[2], delta=row[3], at=at) for row in rows},
    )


def fill(leg: LegPosition, side: Side, size: int, price: str | int | Decimal, *, fill_id: str | None = None) -> Fill:
    return Fill(
        fill_id=fill_id or f"f{next(_ids)}",
        order_id="o1",
        product_id=leg.product_id,
        symbol=leg.symbol,
        side=side,
        size=size,
        price=Decimal(price),
        commission=Decimal(0),
        created_at=NOW,
    )


def fee(amount: str | int | Decimal) -> FeeCharge:
    return FeeCharge(amount=Decimal(amount), source=FeeSource.EXCHANGE)


def short_leg(
    kind: OptionKind, strike: int, entry: str | int, *, size: int = 1, entry_fee: str | int = 0, **kwargs: object
) -> LegPosition:
    """A short leg opened by one sell fill at `entry`."""
    leg = LegPosition.for_contract(contract(kind, strike, **kwargs))  # type: ignore[arg-type]
    return apply_fill(leg, fill(leg, Side.SELL, size, entry), fee(entry_fee))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
