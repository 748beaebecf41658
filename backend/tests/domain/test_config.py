"""StrategyConfig: every profile field, units in names, validation that names the field."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from delta_strangle.domain.config import (
    DeltaSelection,
    DistanceSelection,
    EntryLimits,
    ExecutionConfig,
    ExitConfig,
    ExplicitExpiry,
    Guardrails,
    NearestExpiry,
    PremiumSelection,
    ScheduleConfig,
    StrategyConfig,
    SurvivorPolicy,
    TrailingStep,
    Weekday,
)
from delta_strangle.domain.instruments import Underlying


def profile(**overrides: Any) -> dict[str, Any]:
    return {"name": "btc-morning", **overrides}


def error_text(payload: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        StrategyConfig.model_validate(payload)
    return str(caught.value)


def test_a_profile_with_only_a_name_gets_safe_defaults() -> None:
    config = StrategyConfig(name="btc-morning")
    assert config.schedule.timezone == "Asia/Kolkata"
    assert config.schedule.entry_time == time(9, 30)
    assert config.schedule.exit_time == time(15, 20)
    assert isinstance(config.expiry, NearestExpiry)
    assert isinstance(config.strikes, DeltaSelection)
    assert config.exits.expiry_guard_minutes == 30


def test_a_market_order_at_entry_is_opt_in_and_limit_children_have_a_slippage_cap() -> None:
    # The predecessor always ended its attempts with an uncapped market IOC.
    execution = StrategyConfig(name="btc-morning").execution
    assert execution.market_fallback is False
    assert execution.max_slippage_pct == 5
    with pytest.raises(ValidationError, match="max_slippage_pct"):
        StrategyConfig.model_validate({"name": "x", "execution": {"max_slippage_pct": "0"}})


def test_percentages_are_taken_as_written_never_as_fractions() -> None:
    # The predecessor read 0.5 as 50 % and a trailing trigger of 1.00 as 1 % (weakness 12).
    config = StrategyConfig.model_validate(
        profile(
            exits={
                "max_loss_pct": "0.5",
                "max_profit_pct": "1",
                "trailing_steps": [{"trigger_profit_pct": "1.00", "lock_profit_pct": "0.5"}],
            }
        )
    )
    assert config.exits.max_loss_pct == Decimal("0.5")
    assert config.exits.max_profit_pct == Decimal(1)
    assert config.exits.trailing_steps[0].trigger_profit_pct == Decimal(1)
    assert config.exits.trailing_steps[0].lock_profit_pct == Decimal("0.5")


@pytest.mark.parametrize("bad", ["25:99", "99:99", "9:3x", "24:00"])
def test_an_impossible_entry_time_is_refused(bad: str) -> None:
    # The predecessor accepted 25:99 and then entered immediately (weakness 11).
    assert "entry_time" in error_text(profile(schedule={"entry_time": bad}))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (profile(schedule={"entry_time": "15:30", "exit_time": "15:20"}), "schedule.exit_time"),
        (profile(schedule={"latest_entry_time": "09:00"}), "schedule.latest_entry_time"),
        (profile(schedule={"latest_entry_time": "15:20"}), "schedule.latest_entry_time"),
        (profile(schedule={"timezone": "Mars/Olympus"}), "schedule.timezone"),
        (profile(schedule={"trading_weekdays": []}), "schedule.trading_weekdays"),
        (profile(strikes={"mode": "delta", "delta_low": 0.2, "delta_high": 0.1}), "strikes.delta_low"),
        (profile(strikes={"mode": "delta", "delta_target": 0.3}), "strikes.delta_target"),
        (
            profile(
                strikes={
                    "mode": "premium",
                    "call_premium_min_usd": 50,
                    "call_premium_max_usd": 40,
                    "put_premium_min_usd": 1,
                    "put_premium_max_usd": 2,
                }
            ),
            "strikes.call_premium_min_usd",
        ),
        (profile(guardrails={"put_premium_min_usd": 9, "put_premium_max_usd": 8}), "guardrails.put_premium_min_usd"),
        (
            profile(
                exits={
                    "trailing_steps": [
                        {"trigger_profit_pct": 30, "lock_profit_pct": 10},
                        {"trigger_profit_pct": 20, "lock_profit_pct": 5},
                    ]
                }
            ),
            "trigger_profit_pct must increase",
        ),
        (
            profile(
                exits={
                    "trailing_steps": [
                        {"trigger_profit_pct": 20, "lock_profit_pct": 10},
                        {"trigger_profit_pct": 30, "lock_profit_pct": 5},
                    ]
                }
            ),
            "lock_profit_pct must not decrease",
        ),
        (profile(exits={"trailing_steps": [{"trigger_profit_pct": 20, "lock_profit_pct": 20}]}), "lock_profit_pct"),
        (profile(exits={"giveback_activate_pct": 30}), "exits.giveback_points_pct"),
        (profile(exits={"leg_stop_survivor": "break_even"}), "exits.leg_stop_pct"),
        (profile(exits={"leg_stop_pct": 90}), "leg_stop_pct"),
        (profile(exits={"max_profit_pct": 150}), "max_profit_pct"),
        (profile(contracts_per_leg=0), "contracts_per_leg"),
        (profile(name="   "), "name"),
    ],
)
def test_validation_errors_name_the_field(payload: dict[str, Any], field: str) -> None:
    assert field in error_text(payload)


def test_contract_size_is_not_a_profile_field() -> None:
    # Contract value comes from the product; the predecessor let the operator type it (weakness 19).
    assert "contract_size" in error_text(profile(contract_size=0.001))


def test_the_legacy_is_active_flag_is_not_part_of_a_profile() -> None:
    # Activation is its own action; a payload field is what silently deactivated profiles before.
    assert "is_active" in error_text(profile(is_active=False))


def test_max_loss_may_exceed_the_premium_collected() -> None:
    assert StrategyConfig.model_validate(profile(exits={"max_loss_pct": 150})).exits.max_loss_pct == 150


def test_every_exit_rule_can_be_switched_off_except_time_and_expiry_guard() -> None:
    exits = ExitConfig(max_loss_pct=None, max_profit_pct=None)
    assert exits.trailing_steps == ()
    assert exits.leg_stop_pct is None
    assert exits.expiry_guard_minutes >= 1
    with pytest.raises(ValidationError, match="expiry_guard_minutes"):
        ExitConfig(expiry_guard_minutes=0)


def test_weekdays_are_kept_in_calendar_order() -> None:
    schedule = ScheduleConfig(trading_weekdays=(Weekday.FRI, Weekday.MON))
    assert schedule.trading_weekdays == (Weekday.MON, Weekday.FRI)


def test_a_profile_is_frozen() -> None:
    config = StrategyConfig(name="x")
    with pytest.raises(ValidationError):
        config.name = "y"  # type: ignore[misc]


def test_entry_limits_default_to_a_margin_check_and_a_stop_after_three_failed_entries_with_no_notional_cap() -> None:
    limits = StrategyConfig(name="x").entry_limits
    assert limits.max_notional_usd is None
    assert limits.check_margin is True
    assert limits.margin_pct_of_index == Decimal(10)
    assert limits.margin_buffer_pct == Decimal(25)
    assert limits.max_consecutive_failed_entries == 3


def test_entry_limits_take_usd_and_percentages_as_written() -> None:
    limits = StrategyConfig.model_validate(profile(entry_limits={
        "max_notional_usd": "2500.50", "margin_pct_of_index": "12.5", "margin_buffer_pct": "0",
        "max_consecutive_failed_entries": None,
    })).entry_limits
    assert limits.max_notional_usd == Decimal("2500.50")
    assert limits.margin_pct_of_index == Decimal("12.5")
    assert limits.margin_buffer_pct == 0
    assert limits.max_consecutive_failed_entries is None


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("max_notional_usd", "0"),
        ("max_notional_usd", "-100"),
        ("margin_pct_of_index", "0"),
        ("margin_pct_of_index", "101"),
        ("margin_buffer_pct", "-1"),
        ("max_consecutive_failed_entries", 0),
        ("max_consecutive_failed_entries", 1.5),
    ],
)
def test_an_impossible_entry_limit_is_refused_naming_the_field(field: str, bad: object) -> None:
    text = error_text(profile(entry_limits={field: bad}))
    assert f"entry_limits.{field}" in text


def test_an_unknown_entry_limit_is_refused() -> None:
    assert "max_notional" in error_text(profile(entry_limits={"max_notional": "100"}))


# --- JSON round trip -------------------------------------------------------------------------------------------

pct = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)
usd = st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=1)
wall = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def schedules(draw: st.DrawFn) -> ScheduleConfig:
    entry, latest, exit_ = sorted(draw(st.lists(wall, min_size=3, max_size=3, unique=True)))
    days = draw(st.lists(st.sampled_from(list(Weekday)), min_size=1, max_size=7, unique=True))
    zone = draw(st.sampled_from(["Asia/Kolkata", "UTC", "Europe/London", "America/New_York"]))
    return ScheduleConfig(
        timezone=zone, entry_time=entry, latest_entry_time=latest, exit_time=exit_, trading_weekdays=tuple(days)
    )


@st.composite
def selections(draw: st.DrawFn) -> DeltaSelection | PremiumSelection | DistanceSelection:
    kind = draw(st.sampled_from(["delta", "premium", "distance"]))
    if kind == "delta":
        low, high = sorted(draw(st.lists(st.floats(0.01, 0.99), min_size=2, max_size=2, unique=True)))
        return DeltaSelection(delta_low=low, delta_high=high)
    if kind == "premium":
        c = sorted(draw(st.lists(usd, min_size=2, max_size=2)))
        p = sorted(draw(st.lists(usd, min_size=2, max_size=2)))
        return PremiumSelection(
            call_premium_min_usd=c[0], call_premium_max_usd=c[1], put_premium_min_usd=p[0], put_premium_max_usd=p[1]
        )
    below_hundred = pct.filter(lambda v: v < 100)
    return DistanceSelection(call_distance_pct=draw(below_hundred), put_distance_pct=draw(below_hundred))


@st.composite
def exit_configs(draw: st.DrawFn) -> ExitConfig:
    triggers = sorted(draw(st.lists(pct.filter(lambda v: v >= 1), max_size=4, unique=True)))
    locks = sorted(draw(st.lists(st.decimals(0, 1, places=2), min_size=len(triggers), max_size=len(triggers))))
    steps = tuple(
        TrailingStep(trigger_profit_pct=t, lock_profit_pct=lock) for t, lock in zip(triggers, locks, strict=True)
    )
    giveback = draw(st.booleans())
    leg_stop = draw(st.none() | st.decimals(Decimal(101), Decimal(1000), places=0))
    return ExitConfig(
        max_loss_pct=draw(st.none() | pct),
        max_profit_pct=draw(st.none() | pct),
        trailing_steps=steps,
        giveback_activate_pct=draw(pct) if giveback else None,
        giveback_points_pct=draw(pct) if giveback else None,
        leg_stop_pct=leg_stop,
        leg_stop_survivor=draw(st.sampled_from(list(SurvivorPolicy))) if leg_stop else SurvivorPolicy.KEEP_RULES,
        expiry_guard_minutes=draw(st.integers(1, 600)),
        daily_loss_cap_usd=draw(st.none() | usd.filter(lambda v: v > 0)),
        stale_quote_seconds=draw(st.integers(1, 600)),
    )


@st.composite
def configs(draw: st.DrawFn) -> StrategyConfig:
    expiry = draw(
        st.sampled_from(
            [
                NearestExpiry(min_minutes_after_exit=draw(st.integers(0, 5000))),
                ExplicitExpiry(expiry_date=date(2031, 3, 7)),
            ]
        )
    )
    return StrategyConfig(
        name=draw(st.text(min_size=1, max_size=64).filter(lambda s: s.strip() == s and s)),
        underlying=draw(st.sampled_from(list(Underlying))),
        notes=draw(st.text(max_size=50)),
        schedule=draw(schedules()),
        expiry=expiry,
        strikes=draw(selections()),
        guardrails=Guardrails(min_bid_usd=draw(st.none() | usd), max_spread_pct=draw(st.none() | pct)),
        contracts_per_leg=draw(st.integers(1, 10000)),
        exits=draw(exit_configs()),
        execution=ExecutionConfig(market_fallback=draw(st.booleans()), limit_attempts=draw(st.integers(1, 20))),
        entry_limits=EntryLimits(
            max_notional_usd=draw(st.none() | st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**7),
                                                          places=2)),
            check_margin=draw(st.booleans()), margin_pct_of_index=draw(pct),
            max_consecutive_failed_entries=draw(st.none() | st.integers(1, 100)),
        ),
    )


@given(configs())
def test_a_profile_round_trips_through_json_unchanged(config: StrategyConfig) -> None:
    text = config.model_dump_json()
    assert StrategyConfig.model_validate_json(text) == config
    assert StrategyConfig.model_validate_json(text).model_dump_json() == text
