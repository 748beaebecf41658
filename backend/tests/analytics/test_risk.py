"""The risk view of a short strangle, checked against payoffs worked out by hand.

Book: short 1000 x C-100000 sold at 500 and short 1000 x P-90000 sold at 400 (1 BTC each side), spot 95000.
Premium collected 900 USD; at expiry between the strikes the book keeps 900 less the fees paid.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from delta_strangle.analytics.risk import (
    BookLeg,
    LiveBook,
    NoLiveBook,
    crossings,
    expiry_curve,
    risk_snapshot,
)
from delta_strangle.domain.config import ExitConfig
from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying, option_symbol, settlement_instant
from delta_strangle.domain.market import Greeks, Quote
from delta_strangle.domain.orders import Fill, Side
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.trailing import RiskState

NOW = datetime(2025, 1, 31, 6, tzinfo=UTC)
EXPIRY = date(2025, 1, 31)
CENT = Decimal("0.01")


def short_leg(kind: OptionKind, strike: int, price: str, fee: str, *, mark: str | None, delta: float | None) -> BookLeg:
    contract = OptionContract(
        product_id=strike, symbol=option_symbol(kind, Underlying.BTC, Decimal(strike), EXPIRY),
        underlying=Underlying.BTC, kind=kind, strike=Decimal(strike), settlement_time=settlement_instant(EXPIRY),
        contract_value=Decimal("0.001"), tick_size=Decimal("0.1"),
    )  # fmt: skip
    fill = Fill(
        fill_id=f"f{strike}", order_id="o", product_id=strike, symbol=contract.symbol, side=Side.SELL, size=1000,
        price=Decimal(price), commission=Decimal(fee), created_at=NOW,
    )  # fmt: skip
    position = apply_fill(
        LegPosition.for_contract(contract), fill, FeeCharge(amount=Decimal(fee), source=FeeSource.EXCHANGE)
    )
    quote = None
    if mark is not None:
        greeks = Greeks(delta=delta, gamma=0.0, theta=-2.0, vega=5.0) if delta is not None else None
        quote = Quote(symbol=contract.symbol, mark_price=Decimal(mark), greeks=greeks, timestamp=NOW)
    return BookLeg(contract=contract, position=position, quote=quote)


def book(
    fee: str = "0", *, call_mark: str | None = "500", put_mark: str | None = "400", with_greeks: bool = True,
    risk: RiskState | None = None,
) -> LiveBook:  # fmt: skip
    legs = (
        short_leg(OptionKind.CALL, 100000, "500", fee, mark=call_mark, delta=0.2 if with_greeks else None),
        short_leg(OptionKind.PUT, 90000, "400", fee, mark=put_mark, delta=-0.15 if with_greeks else None),
    )
    exits = ExitConfig(max_loss_pct=Decimal(40), max_profit_pct=Decimal(80))
    return LiveBook(
        session_id=7, profile_name="alpha", mode="sim", spot=Decimal(95000), as_of=NOW, legs=legs, exits=exits,
        risk=risk or RiskState(),
    )  # fmt: skip


def spots(snapshot_level: list) -> list[Decimal]:  # type: ignore[type-arg]
    return [lvl.spot.quantize(CENT) for lvl in snapshot_level]


def test_expiry_payoff_keeps_the_premium_between_the_strikes() -> None:
    curve = expiry_curve(book().legs)
    assert curve(Decimal(95000)) == Decimal(900)
    assert curve(Decimal(101000)) == Decimal(-100)
    assert curve(Decimal(88000)) == Decimal(-1100)


def test_breakevens_sit_one_premium_beyond_each_strike() -> None:
    snapshot = risk_snapshot(book())
    breakeven = next(level for level in snapshot.levels if level.name == "breakeven")
    assert spots(breakeven.at_expiry) == [Decimal("89100.00"), Decimal("100900.00")]


def test_fees_paid_move_the_breakevens_inward() -> None:
    snapshot = risk_snapshot(book(fee="5"))
    breakeven = next(level for level in snapshot.levels if level.name == "breakeven")
    assert snapshot.fees_paid_usd == Decimal(10)
    assert spots(breakeven.at_expiry) == [Decimal("89110.00"), Decimal("100890.00")]


def test_exit_levels_are_expressed_in_spot_with_their_distance() -> None:
    snapshot = risk_snapshot(book())
    by_name = {level.name: level for level in snapshot.levels}
    # Max loss 40 % of 900 = -360: 1260 beyond each strike. Max profit 80 % = +720: 180 inside each strike.
    assert spots(by_name["max_loss"].at_expiry) == [Decimal("88740.00"), Decimal("101260.00")]
    assert spots(by_name["max_profit"].at_expiry) == [Decimal("89820.00"), Decimal("100180.00")]
    upper = by_name["max_loss"].at_expiry[1]
    assert upper.distance.quantize(CENT) == Decimal("6260.00")
    assert upper.distance_pct.quantize(Decimal("0.0001")) == Decimal("6.5895")


def test_the_marks_curve_passes_through_the_current_net_at_spot() -> None:
    snapshot = risk_snapshot(book(call_mark="300", put_mark="250"))
    # Bought back now the book would keep (500 - 300) + (400 - 250) = 350 USD.
    assert snapshot.net_now_usd == Decimal(350)
    middle = snapshot.ladder[len(snapshot.ladder) // 2]
    assert middle.spot == Decimal(95000)
    assert middle.net_at_marks_usd == Decimal(350)
    assert snapshot.mark_curve == "delta_gamma"


def test_without_greeks_only_the_expiry_curve_is_drawn() -> None:
    snapshot = risk_snapshot(book(with_greeks=False))
    assert snapshot.mark_curve == "unavailable"
    assert snapshot.greeks is None
    assert all(rung.net_at_marks_usd is None for rung in snapshot.ladder)
    assert all(level.at_marks is None for level in snapshot.levels)


def test_portfolio_greeks_are_signed_by_position_size() -> None:
    greeks = risk_snapshot(book()).greeks
    assert greeks is not None
    # Short 1 BTC of a 0.2-delta call and of a -0.15-delta put: -0.2 + 0.15.
    assert round(greeks.delta, 10) == -0.05
    assert round(greeks.theta, 10) == 4.0


def test_the_ladder_spans_the_range_evenly() -> None:
    snapshot = risk_snapshot(book(), range_pct=Decimal(10), points=5)
    assert [rung.spot for rung in snapshot.ladder] == [
        Decimal(v) for v in ("85500", "90250", "95000", "99750", "104500")
    ]


def test_a_trailing_floor_is_drawn_once_it_is_locked() -> None:
    snapshot = risk_snapshot(book(risk=RiskState(peak_net_pct=Decimal(55), floor_pct=Decimal(20))))
    floor = next(level for level in snapshot.levels if level.name == "trailing_floor")
    assert floor.pnl_usd == Decimal(180)
    assert spots(floor.at_expiry) == [Decimal("89280.00"), Decimal("100720.00")]


def test_an_unreachable_level_lists_no_spot() -> None:
    assert crossings(lambda s: Decimal(900), Decimal(1000), Decimal(1), Decimal(2)) == []


def test_until_an_engine_is_wired_there_is_no_book() -> None:
    assert NoLiveBook().current_book() is None
