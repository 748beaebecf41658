"""When a waiting session enters, when the next cycle is, and how long the clock loop may sleep."""

from __future__ import annotations

from datetime import datetime, timedelta

from delta_strangle.domain.config import ScheduleConfig
from delta_strangle.domain.schedule import (
    DayPlan,
    EntryWindow,
    entry_window,
    is_trading_day,
    local_date,
    local_instant,
    next_plan,
)
from delta_strangle.domain.session import SessionState
from delta_strangle.engine.records import SessionRecord

MAX_IDLE_SLEEP_SECONDS = 60.0


def enter_now_plan(schedule: ScheduleConfig, now: datetime) -> DayPlan:
    """Plan a cycle that enters now and exits at the next occurrence of the profile's exit time."""
    day = local_date(schedule, now)
    exit_at = local_instant(day, schedule.exit_time, schedule.zone)
    if exit_at <= now:
        day = day + timedelta(days=1)
        exit_at = local_instant(day, schedule.exit_time, schedule.zone)
    return DayPlan(trading_date=day, entry_at=now, latest_entry_at=now + timedelta(minutes=5), exit_at=exit_at)


def plan_after(schedule: ScheduleConfig, previous: DayPlan, now: datetime) -> DayPlan:
    """Plan the next cycle on a later trading day than `previous` (never a second entry the same day)."""
    next_day_start = local_instant(previous.trading_date + timedelta(days=1), datetime.min.time(), schedule.zone)
    return next_plan(schedule, max(now, next_day_start))


def wants_entry(session: SessionRecord, now: datetime) -> str:
    """Say whether a waiting session should enter now ("enter"), later ("wait"), or has missed its window."""
    plan = session.plan
    if plan is None:
        return "wait"
    if session.enter_now:
        return "enter" if now <= plan.latest_entry_at else "missed"
    if not is_trading_day(session.config.schedule, plan.trading_date):
        return "missed"
    window = entry_window(plan, now)
    if window is EntryWindow.OPEN:
        return "enter"
    return "missed" if window is EntryWindow.CLOSED else "wait"


def tick_delay(session: SessionRecord | None, now: datetime, tick_seconds: float) -> float:
    """Sleep until the next instant that matters: the entry time while waiting, one tick otherwise."""
    if session is None:
        return MAX_IDLE_SLEEP_SECONDS
    if session.state is SessionState.WAITING and session.plan is not None and not session.enter_now:
        until_entry = (session.plan.entry_at - now).total_seconds()
        if until_entry > tick_seconds:
            return min(until_entry, MAX_IDLE_SLEEP_SECONDS)
    return tick_seconds
