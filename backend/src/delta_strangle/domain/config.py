"""StrategyConfig: the one definition of a strangle profile, used by the API, the store and the engine.

Units live in field names. Percentages are percentages (`40` means 40 %, `0.5` means 0.5 %); nothing here
ever guesses that a small number was meant as a fraction. Validation messages start with the field's path.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from delta_strangle.domain.instruments import Underlying

Pct = Annotated[Decimal, Field(gt=0, le=1000)]
Usd = Annotated[Decimal, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


ALL_WEEKDAYS = tuple(Weekday)


class ScheduleConfig(_Frozen):
    """When a cycle may run, as wall-clock times in `timezone` (exit the same local day as entry)."""

    timezone: str = "Asia/Kolkata"
    entry_time: time = time(9, 30)
    latest_entry_time: time = time(10, 30)
    exit_time: time = time(15, 20)
    trading_weekdays: tuple[Weekday, ...] = ALL_WEEKDAYS
    repeat_daily: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"schedule.timezone: unknown time zone {value!r}") from exc
        return value

    @field_validator("entry_time", "latest_entry_time", "exit_time")
    @classmethod
    def _wall_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("times are wall-clock times in schedule.timezone; give no offset")
        return value

    @field_validator("trading_weekdays")
    @classmethod
    def _some_weekdays(cls, value: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        if not value:
            raise ValueError("schedule.trading_weekdays: name at least one weekday")
        if len(set(value)) != len(value):
            raise ValueError("schedule.trading_weekdays: a weekday is listed twice")
        return tuple(sorted(value, key=lambda day: day.number))

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleConfig:
        if self.exit_time <= self.entry_time:
            raise ValueError("schedule.exit_time must be after schedule.entry_time (same local day)")
        if not self.entry_time <= self.latest_entry_time < self.exit_time:
            raise ValueError(
                "schedule.latest_entry_time must be at or after schedule.entry_time and before schedule.exit_time"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ExplicitExpiry(_Frozen):
    """Trade one named expiry date; it must not be in the past when saved or when a cycle starts."""

    rule: Literal["explicit"] = "explicit"
    expiry_date: date


class NearestExpiry(_Frozen):
    """Trade the nearest expiry that settles at least N minutes after the planned exit."""

    rule: Literal["nearest"] = "nearest"
    min_minutes_after_exit: int = Field(default=60, ge=0, le=60 * 24 * 60)


ExpiryConfig = Annotated[ExplicitExpiry | NearestExpiry, Field(discriminator="rule")]


class DeltaSelection(_Frozen):
    """Pick each leg whose |delta| is inside [low, high], closest to the target (the midpoint unless given)."""

    mode: Literal["delta"] = "delta"
    delta_low: float = Field(default=0.10, gt=0, lt=1)
    delta_high: float = Field(default=0.15, gt=0, lt=1)
    delta_target: float | None = None

    @model_validator(mode="after")
    def _band(self) -> DeltaSelection:
        if self.delta_low >= self.delta_high:
            raise ValueError("strikes.delta_low must be below strikes.delta_high")
        if self.delta_target is not None and not self.delta_low <= self.delta_target <= self.delta_high:
            raise ValueError("strikes.delta_target must lie inside [strikes.delta_low, strikes.delta_high]")
        return self

    @property
    def target(self) -> float:
        return self.delta_target if self.delta_target is not None else (self.delta_low + self.delta_high) / 2


class PremiumSelection(_Frozen):
    """Pick each leg whose mid price (USD) is inside its band; nothing in band means no trade."""

    mode: Literal["premium"] = "premium"
    call_premium_min_usd: Usd
    call_premium_max_usd: Usd
    put_premium_min_usd: Usd
    put_premium_max_usd: Usd

    @model_validator(mode="after")
    def _bands(self) -> PremiumSelection:
        if self.call_premium_min_usd > self.call_premium_max_usd:
            raise ValueError("strikes.call_premium_min_usd must not exceed strikes.call_premium_max_usd")
        if self.put_premium_min_usd > self.put_premium_max_usd:
            raise ValueError("strikes.put_premium_min_usd must not exceed strikes.put_premium_max_usd")
        return self


class DistanceSelection(_Frozen):
    """Pick the nearest listed strike at least X % beyond spot on each out-of-the-money side."""

    mode: Literal["distance"] = "distance"
    call_distance_pct: Decimal = Field(gt=0, lt=100)
    put_distance_pct: Decimal = Field(gt=0, lt=100)


StrikeSelection = Annotated[DeltaSelection | PremiumSelection | DistanceSelection, Field(discriminator="mode")]


class Guardrails(_Frozen):
    """Checks every candidate leg must pass, in every selection mode. Each is off when None."""

    call_premium_min_usd: Usd | None = None
    call_premium_max_usd: Usd | None = None
    put_premium_min_usd: Usd | None = None
    put_premium_max_usd: Usd | None = None
    min_bid_usd: Usd | None = None
    max_spread_pct: Pct | None = None

    @model_validator(mode="after")
    def _bands(self) -> Guardrails:
        for side in ("call", "put"):
            low = getattr(self, f"{side}_premium_min_usd")
            high = getattr(self, f"{side}_premium_max_usd")
            if low is not None and high is not None and low > high:
                raise ValueError(f"guardrails.{side}_premium_min_usd must not exceed guardrails.{side}_premium_max_usd")
        return self


class TrailingStep(_Frozen):
    """Once the peak profit reached `trigger_profit_pct`, never let profit fall below `lock_profit_pct`."""

    trigger_profit_pct: Decimal = Field(gt=0, le=100)
    lock_profit_pct: Decimal = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _lock_below_trigger(self) -> TrailingStep:
        if self.lock_profit_pct >= self.trigger_profit_pct:
            raise ValueError("exits.trailing_steps: lock_profit_pct must be below trigger_profit_pct")
        return self


class SurvivorPolicy(StrEnum):
    KEEP_RULES = "keep_rules"
    BREAK_EVEN = "break_even"


class ExitConfig(_Frozen):
    """Every exit rule. Percent rules are percent of the premium collected, net of fees paid."""

    max_loss_pct: Pct | None = Decimal(40)
    max_profit_pct: Annotated[Decimal, Field(gt=0, le=100)] | None = Decimal(80)
    trailing_steps: tuple[TrailingStep, ...] = ()
    giveback_activate_pct: Annotated[Decimal, Field(gt=0, le=100)] | None = None
    giveback_points_pct: Annotated[Decimal, Field(gt=0, le=200)] | None = None
    leg_stop_pct: Annotated[Decimal, Field(gt=100, le=10000)] | None = None
    leg_stop_survivor: SurvivorPolicy = SurvivorPolicy.KEEP_RULES
    expiry_guard_minutes: int = Field(default=30, ge=1, le=24 * 60)
    daily_loss_cap_usd: Annotated[Decimal, Field(gt=0)] | None = None
    stale_quote_seconds: int = Field(default=10, ge=1, le=600)

    @model_validator(mode="after")
    def _consistent(self) -> ExitConfig:
        steps = self.trailing_steps
        for before, after in pairwise(steps):
            if after.trigger_profit_pct <= before.trigger_profit_pct:
                raise ValueError("exits.trailing_steps: trigger_profit_pct must increase from one step to the next")
            if after.lock_profit_pct < before.lock_profit_pct:
                raise ValueError("exits.trailing_steps: lock_profit_pct must not decrease from one step to the next")
        if (self.giveback_activate_pct is None) != (self.giveback_points_pct is None):
            raise ValueError("exits.giveback_activate_pct and exits.giveback_points_pct are set together or not at all")
        if self.leg_stop_survivor is SurvivorPolicy.BREAK_EVEN and self.leg_stop_pct is None:
            raise ValueError("exits.leg_stop_survivor=break_even needs exits.leg_stop_pct")
        return self


class ExecutionConfig(_Frozen):
    """How orders are worked: from mid toward crossing the spread over N attempts, within a slippage cap."""

    limit_attempts: int = Field(default=4, ge=1, le=20)
    attempt_seconds: int = Field(default=5, ge=1, le=300)
    max_slippage_pct: Annotated[Decimal, Field(gt=0, le=100)] = Decimal(5)
    market_fallback: bool = False
    legging_timeout_seconds: int = Field(default=30, ge=1, le=3600)


class EntryLimits(_Frozen):
    """Pre-trade limits checked before an entry places any order, and the stop after repeated failed entries.

    The margin check compares the wallet's available balance with an estimate of the initial margin the strangle
    blocks: per leg, contracts x contract value x (premium + `margin_pct_of_index` % of the index), both legs
    added (isolated margin), raised by `margin_buffer_pct` %. Delta publishes no formula for short options; the
    exchange's own refusal stays the last line of defence (see docs/strategy.md).
    """

    max_notional_usd: Annotated[Decimal, Field(gt=0)] | None = None
    check_margin: bool = True
    margin_pct_of_index: Annotated[Decimal, Field(gt=0, le=100)] = Decimal(10)
    margin_buffer_pct: Annotated[Decimal, Field(ge=0, le=1000)] = Decimal(25)
    max_consecutive_failed_entries: int | None = Field(default=3, ge=1, le=100)


class StrategyConfig(_Frozen):
    """A complete strangle profile."""

    name: str = Field(min_length=1, max_length=64)
    underlying: Underlying = Underlying.BTC
    notes: str = Field(default="", max_length=2000)
    schedule: ScheduleConfig = ScheduleConfig()
    expiry: ExpiryConfig = NearestExpiry()
    strikes: StrikeSelection = DeltaSelection()
    guardrails: Guardrails = Guardrails()
    contracts_per_leg: int = Field(default=1, ge=1, le=10000)
    exits: ExitConfig = ExitConfig()
    execution: ExecutionConfig = ExecutionConfig()
    entry_limits: EntryLimits = EntryLimits()

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        trimmed = value.strip()
        if not trimmed:
            raise ValueError("name must not be blank")
        return trimmed
