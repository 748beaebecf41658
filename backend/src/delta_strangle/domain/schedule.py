"""A trading day's entry, latest-entry and exit instants, from wall times in the profile's time zone.

DST: a wall time that a clock change skips maps forward by the length of the gap (02:30 on a spring-forward
night in New York is 03:30 local); a wall time that happens twice takes its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import ScheduleConfig


class DayPlan(BaseModel):
    """The instants (UTC) that govern one trading day's cycle."""

    model_config = ConfigDict(frozen=True)

    trading_date: date
    entry_at: datetime
    latest_entry_at: datetime
    exit_at: datetime


class EntryWindow(StrEnum):
    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant at which `zone`'s clocks show `wall` on `day`."""
    return datetime.combine(day, wall).replace(tzinfo=zone, fold=0).astimezone(UTC)


def local_date(schedule: ScheduleConfig, instant: datetime) -> date:
    """Return the calendar date in the profile's zone at an instant."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(schedule.zone).date()


def is_trading_day(schedule: ScheduleConfig, day: date) -> bool:
    """Tell whether a local date falls on one of the profile's trading weekdays."""
    return any(weekday.number == day.weekday() for weekday in schedule.trading_weekdays)


def plan_for(schedule: ScheduleConfig, day: date) -> DayPlan:
    """Build the plan of one local date (whether or not it is a trading day)."""
    zone = schedule.zone
    return DayPlan(
        trading_date=day,
        entry_at=local_instant(day, schedule.entry_time, zone),
        latest_entry_at=local_instant(day, schedule.latest_entry_time, zone),
        exit_at=local_instant(day, schedule.exit_time, zone),
    )


def entry_window(plan: DayPlan, now: datetime) -> EntryWindow:
    """Say whether entry is not yet allowed, allowed, or no longer allowed for this plan."""
    if now < plan.entry_at:
        return EntryWindow.BEFORE
    if now <= plan.latest_entry_at:
        return EntryWindow.OPEN
    return EntryWindow.CLOSED


def next_plan(schedule: ScheduleConfig, now: datetime) -> DayPlan:
    """Return the first trading day's plan whose latest entry is still ahead of (or at) `now`."""
    day = local_date(schedule, now)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if not is_trading_day(schedule, candidate):
            continue
        plan = plan_for(schedule, candidate)
        if entry_window(plan, now) is not EntryWindow.CLOSED:
            return plan
    raise AssertionError("a validated schedule has a trading weekday within any 8 days")
