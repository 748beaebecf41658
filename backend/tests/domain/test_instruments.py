"""Delta India option symbols: kind, underlying, strike and expiry read from `C-BTC-95000-310125`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from delta_strangle.domain.instruments import OptionKind, SymbolError, Underlying, option_symbol, parse_option_symbol


def test_a_put_symbol_reads_as_a_put_on_its_underlying() -> None:
    # The predecessor took "C" for the underlying of C-BTC-... and missed puts written P-BTC-...
    assert parse_option_symbol("P-BTC-95000-310125") == (OptionKind.PUT, Underlying.BTC, Decimal(95000),
                                                         date(2025, 1, 31))
    assert parse_option_symbol("C-ETH-3200-010225") == (OptionKind.CALL, Underlying.ETH, Decimal(3200),
                                                        date(2025, 2, 1))


def test_a_symbol_round_trips_through_its_parts() -> None:
    parts = (OptionKind.PUT, Underlying.BTC, Decimal("97500"), date(2026, 11, 27))
    assert parse_option_symbol(option_symbol(*parts)) == parts


@pytest.mark.parametrize("symbol", ["BTCUSD", "C-SOL-150-310125", "X-BTC-95000-310125", "C-BTC-abc-310125",
                                    "C-BTC-95000-311325"])
def test_anything_else_is_refused(symbol: str) -> None:
    with pytest.raises(SymbolError):
        parse_option_symbol(symbol)
