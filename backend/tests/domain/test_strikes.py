"""Strike selection by delta, premium and distance, with guardrails, invariants and reasons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.instruments import OptionKind, Underlying
from delta_strangle.domain.market import OptionChain
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason
from delta_strangle.domain.strikes import StrangleChoice, select_strangle, strangle_violations
from tests.domain.builders import EXIT_AT, EXPIRY, NOW, call, chain, contract, put

SPOT = 100000


def ladder() -> OptionChain:
    """Calls 101k..106k and puts 94k..99k; |delta| falls 0.40, 0.30, 0.20, 0.15, 0.12, 0.08 away from spot."""
    deltas = [0.40, 0.30, 0.20, 0.15, 0.12, 0.08]
    premiums = [(900, 920), (600, 620), (400, 410), (250, 260), (150, 156), (60, 70)]
    rows: list[Any] = []
    for step, (delta, (bid, ask)) in enumerate(zip(deltas, premiums, strict=True)):
        rows.append((call(101000 + 1000 * step), bid, ask, delta))
        rows.append((put(99000 - 1000 * step), bid, ask, -delta))
    return chain(SPOT, rows)


def config(**overrides: Any) -> StrategyConfig:
    return StrategyConfig.model_validate({"name": "t", **overrides})


def pick(chain_: OptionChain, cfg: StrategyConfig) -> StrangleChoice:
    outcome = select_strangle(chain_, cfg, exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, StrangleChoice), outcome
    return outcome


def test_delta_mode_picks_the_contract_nearest_the_band_target_not_the_highest_delta() -> None:
    # Band [0.10, 0.20], target 0.15: the predecessor took 0.20 (closest to spot) (weakness 14).
    choice = pick(ladder(), config(strikes={"mode": "delta", "delta_low": 0.10, "delta_high": 0.20}))
    assert choice.call.contract.strike == 104000
    assert choice.put.contract.strike == 96000
    assert choice.call.delta == 0.15
    assert choice.put.delta == -0.15


def test_delta_mode_honours_an_explicit_target() -> None:
    choice = pick(
        ladder(), config(strikes={"mode": "delta", "delta_low": 0.10, "delta_high": 0.20, "delta_target": 0.11})
    )
    assert choice.call.contract.strike == 105000


def test_delta_ties_go_to_the_strike_farther_from_spot() -> None:
    rows = [(call(101000), 100, 110, 0.14), (call(102000), 90, 100, 0.16), (put(98000), 100, 110, -0.15)]
    choice = pick(chain(SPOT, rows), config(strikes={"mode": "delta", "delta_low": 0.1, "delta_high": 0.2}))
    assert choice.call.contract.strike == 102000


def test_premium_mode_picks_the_mid_nearest_the_band_centre() -> None:
    bands = {
        "call_premium_min_usd": 200,
        "call_premium_max_usd": 450,
        "put_premium_min_usd": 100,
        "put_premium_max_usd": 200,
    }
    choice = pick(ladder(), config(strikes={"mode": "premium", **bands}))
    assert choice.call.mid == Decimal(255)  # centre 325: 255 (70 away) beats 405 (80 away)
    assert choice.put.mid == Decimal(153)


def test_premium_mode_with_nothing_in_band_is_no_trade_never_the_nearest_contract() -> None:
    # The predecessor traded the closest out-of-band contract (weakness 14).
    bands = {
        "call_premium_min_usd": 1000,
        "call_premium_max_usd": 2000,
        "put_premium_min_usd": 100,
        "put_premium_max_usd": 200,
    }
    outcome = select_strangle(ladder(), config(strikes={"mode": "premium", **bands}), exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.NO_CALL_CANDIDATE
    assert "premium outside band" in outcome.detail


def test_distance_mode_takes_the_nearest_listed_strike_at_or_beyond_the_distance() -> None:
    choice = pick(ladder(), config(strikes={"mode": "distance", "call_distance_pct": "3.5", "put_distance_pct": "3"}))
    assert choice.call.contract.strike == 104000  # target 103 500
    assert choice.put.contract.strike == 97000  # target 97 000 exactly
    assert choice.call.distance_from_spot_pct == Decimal(4)
    assert choice.put.distance_from_spot_pct == Decimal(-3)


def test_distance_mode_does_not_drift_to_another_strike_when_the_target_fails_a_guardrail() -> None:
    cfg = config(
        strikes={"mode": "distance", "call_distance_pct": 3, "put_distance_pct": 3}, guardrails={"min_bid_usd": 500}
    )
    outcome = select_strangle(ladder(), cfg, exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert "bid below guardrail" in outcome.detail


def test_guardrails_apply_in_delta_mode() -> None:
    rows = [(call(104000), 100, 200, 0.15), (call(105000), 140, 150, 0.12), (put(96000), 100, 105, -0.15)]
    cfg = config(strikes={"mode": "delta", "delta_low": 0.1, "delta_high": 0.2}, guardrails={"max_spread_pct": 20})
    choice = pick(chain(SPOT, rows), cfg)
    assert choice.call.contract.strike == 105000  # 104k has a 66 % spread


def test_stale_and_one_sided_quotes_are_never_chosen() -> None:
    stale = chain(SPOT, [(call(104000), 100, 110, 0.15)], at=NOW - timedelta(minutes=5))
    rows = [(call(104000), None, 110, 0.15), (put(96000), 100, 110, -0.15)]
    cfg = config(strikes={"mode": "delta", "delta_low": 0.1, "delta_high": 0.2})
    for chain_ in (stale, chain(SPOT, rows)):
        outcome = select_strangle(chain_, cfg, exit_at=EXIT_AT, now=NOW)
        assert isinstance(outcome, NoTrade)
        assert outcome.reason is NoTradeReason.NO_CALL_CANDIDATE


def test_in_the_money_contracts_are_never_chosen() -> None:
    rows = [(call(99000), 100, 110, 0.15), (put(96000), 100, 110, -0.15)]
    outcome = select_strangle(chain(SPOT, rows), config(), exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert "not out of the money" in outcome.detail


def test_a_chain_of_the_other_underlying_is_refused() -> None:
    outcome = select_strangle(ladder(), config(underlying="ETH"), exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.WRONG_UNDERLYING


def test_contracts_of_another_underlying_inside_the_chain_are_skipped() -> None:
    # Commit aceb3a5 of the predecessor: mixed underlyings reached the order stage.
    rows = [
        (contract(OptionKind.CALL, 104000, underlying=Underlying.ETH), 100, 110, 0.15),
        (put(96000), 100, 110, -0.15),
    ]
    outcome = select_strangle(chain(SPOT, rows), config(), exit_at=EXIT_AT, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert "wrong underlying" in outcome.detail


def test_a_contract_settling_before_the_exit_is_never_chosen() -> None:
    late_exit = EXIT_AT + timedelta(hours=4)  # after 12:00 UTC settlement
    outcome = select_strangle(ladder(), config(), exit_at=late_exit, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert "settles before exit" in outcome.detail


def test_violations_list_every_broken_invariant() -> None:
    from datetime import date

    problems = strangle_violations(
        put(96000), call(104000, expiry=date(2025, 2, 7)), underlying=Underlying.BTC, exit_at=EXIT_AT
    )
    text = "; ".join(problems)
    assert "is not a call" in text
    assert "is not a put" in text
    assert "different dates" in text


def test_the_choice_carries_reasons_and_metrics() -> None:
    choice = pick(ladder(), config())
    assert choice.expiry == EXPIRY
    assert "|delta|" in choice.call.reason
    assert choice.call.spread_pct > 0
    assert choice.call.distance_from_spot_pct > 0 > choice.put.distance_from_spot_pct


# --- property: whatever the chain, a returned pair keeps every invariant ------------------------------------------

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(list(OptionKind)),
        st.integers(80, 120).map(lambda k: k * 1000),
        st.sampled_from([Underlying.BTC] * 5 + [Underlying.ETH]),
        st.sampled_from([EXPIRY] * 5 + [EXPIRY + timedelta(days=1), EXPIRY - timedelta(days=1)]),
        st.integers(1, 2000),
        st.integers(0, 300),
        st.floats(0.01, 0.6),
    ),
    min_size=4,
    max_size=40,
)
modes = st.sampled_from(
    [
        {"mode": "delta", "delta_low": 0.1, "delta_high": 0.3},
        {
            "mode": "premium",
            "call_premium_min_usd": 50,
            "call_premium_max_usd": 900,
            "put_premium_min_usd": 50,
            "put_premium_max_usd": 900,
        },
        {"mode": "distance", "call_distance_pct": 2, "put_distance_pct": 2},
    ]
)


@settings(max_examples=150, deadline=None)
@given(rows=rows_strategy, mode=modes, spot=st.integers(90000, 110000))
def test_selection_never_returns_legs_that_break_an_invariant(rows: list[Any], mode: dict[str, Any], spot: int) -> None:
    built = []
    for kind, strike, underlying, expiry, bid, spread, delta in rows:
        c = contract(kind, strike, underlying=underlying, expiry=expiry)
        built.append((c, bid, bid + spread, delta if kind is OptionKind.CALL else -delta))
    unique = list({row[0].symbol: row for row in built}.values())
    outcome = select_strangle(chain(spot, unique), config(strikes=mode), exit_at=EXIT_AT, now=NOW)
    if isinstance(outcome, NoTrade):
        return
    call_leg, put_leg = outcome.call.contract, outcome.put.contract
    assert strangle_violations(call_leg, put_leg, underlying=Underlying.BTC, exit_at=EXIT_AT) == []
    assert call_leg.kind is OptionKind.CALL
    assert put_leg.kind is OptionKind.PUT
    assert call_leg.expiry == put_leg.expiry == EXPIRY
    assert put_leg.strike < spot < call_leg.strike
