"""The risk state: peak, step trailing floor that only ratchets up, drawdown from the peak."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from delta_strangle.domain.config import ExitConfig, TrailingStep
from delta_strangle.domain.trailing import RiskState, advance, giveback_armed, step_lock

STEPS = (
    TrailingStep(trigger_profit_pct=Decimal(20), lock_profit_pct=Decimal(0)),
    TrailingStep(trigger_profit_pct=Decimal(30), lock_profit_pct=Decimal(10)),
    TrailingStep(trigger_profit_pct=Decimal(40), lock_profit_pct=Decimal(15)),
    TrailingStep(trigger_profit_pct=Decimal(50), lock_profit_pct=Decimal(25)),
)
EXITS = ExitConfig(trailing_steps=STEPS, giveback_activate_pct=Decimal(30), giveback_points_pct=Decimal(10))


def test_step_lock_is_the_highest_lock_the_peak_has_reached() -> None:
    assert step_lock(STEPS, Decimal(19)) is None
    assert step_lock(STEPS, Decimal(20)) == 0
    assert step_lock(STEPS, Decimal(44)) == 15
    assert step_lock(STEPS, Decimal(90)) == 25


def test_trailing_floor_holds_when_profit_falls_back() -> None:
    state = RiskState()
    for pct in (10, 35, 42, 5):
        state = advance(state, Decimal(pct), EXITS)
    assert state.peak_net_pct == 42
    assert state.floor_pct == 15


def test_drawdown_is_measured_from_the_peak_not_from_zero() -> None:
    # The predecessor's "max drawdown" was only the worst loss below zero (weakness 18).
    state = RiskState()
    for pct in (0, 40, 12, 25):
        state = advance(state, Decimal(pct), EXITS)
    assert state.max_drawdown_pct == 28


def test_giveback_arms_only_after_the_activation_level() -> None:
    assert not giveback_armed(advance(RiskState(), Decimal(29), EXITS), EXITS)
    assert giveback_armed(advance(RiskState(), Decimal(30), EXITS), EXITS)


def test_an_edited_step_table_cannot_unlock_a_floor() -> None:
    state = advance(RiskState(), Decimal(55), EXITS)
    looser = ExitConfig(trailing_steps=(TrailingStep(trigger_profit_pct=Decimal(60), lock_profit_pct=Decimal(5)),))
    assert advance(state, Decimal(50), looser).floor_pct == 25


def test_stopped_legs_are_remembered_once() -> None:
    state = RiskState().with_stopped_legs(["C-BTC"]).with_stopped_legs(["C-BTC", "P-BTC"])
    assert state.stopped_legs == ("C-BTC", "P-BTC")


@given(st.lists(st.decimals(min_value=Decimal(-300), max_value=Decimal(100), places=2), min_size=1, max_size=60))
def test_trailing_floor_never_decreases(path: list[Decimal]) -> None:
    state = RiskState()
    floors: list[Decimal] = []
    peaks: list[Decimal] = []
    for pct in path:
        state = advance(state, pct, EXITS)
        if state.floor_pct is not None:
            floors.append(state.floor_pct)
        assert state.peak_net_pct is not None
        peaks.append(state.peak_net_pct)
    assert floors == sorted(floors)
    assert peaks == sorted(peaks)
    assert state.peak_net_pct == max(path)
