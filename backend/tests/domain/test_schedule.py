"""Entry, latest-entry and exit instants from wall times, across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from delta_strangle.domain.config import ScheduleConfig, Weekday
from delta_strangle.domain.schedule import EntryWindow, entry_window, is_trading_day, local_date, next_plan, plan_for

IST = ScheduleConfig()  # 09:30 entry, 10:30 latest entry, 15:20 exit, Asia/Kolkata, every day


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_ist_wall_times_become_utc_instants() -> None:
    plan = plan_for(IST, date(2025, 1, 31))
    assert plan.entry_at == utc(2025, 1, 31, 4, 0)
    assert plan.latest_entry_at == utc(2025, 1, 31, 5, 0)
    assert plan.exit_at == utc(2025, 1, 31, 9, 50)


def test_exit_is_on_the_same_day_as_entry_even_after_the_exit_time_has_passed() -> None:
    # The predecessor rolled a passed exit time to tomorrow and carried positions into settlement (weakness 1).
    plan = plan_for(IST, date(2025, 1, 31))
    assert plan.exit_at.date() == plan.entry_at.date()
    assert plan.exit_at - plan.entry_at == (datetime(1, 1, 1, 15, 20) - datetime(1, 1, 1, 9, 30))


def test_new_york_spring_forward_keeps_the_wall_clock() -> None:
    ny = ScheduleConfig(
        timezone="America/New_York", entry_time=time(9, 30), latest_entry_time=time(10), exit_time=time(15)
    )
    before = plan_for(ny, date(2025, 3, 7))  # EST, UTC-5
    after = plan_for(ny, date(2025, 3, 10))  # EDT, UTC-4
    assert before.entry_at == utc(2025, 3, 7, 14, 30)
    assert after.entry_at == utc(2025, 3, 10, 13, 30)


def test_a_wall_time_skipped_by_dst_moves_past_the_gap() -> None:
    ny = ScheduleConfig(
        timezone="America/New_York", entry_time=time(2, 30), latest_entry_time=time(4), exit_time=time(5)
    )
    plan = plan_for(ny, date(2025, 3, 9))  # 02:00 -> 03:00 that night
    assert plan.entry_at == utc(2025, 3, 9, 7, 30)  # 03:30 EDT
    assert plan.entry_at < plan.latest_entry_at < plan.exit_at


def test_a_wall_time_repeated_by_dst_takes_its_first_occurrence() -> None:
    london = ScheduleConfig(
        timezone="Europe/London", entry_time=time(1, 30), latest_entry_time=time(2), exit_time=time(3)
    )
    plan = plan_for(london, date(2025, 10, 26))  # 02:00 BST -> 01:00 GMT
    assert plan.entry_at == utc(2025, 10, 26, 0, 30)  # 01:30 BST
    assert plan.exit_at == utc(2025, 10, 26, 3, 0)


def test_entry_window_opens_at_entry_and_closes_after_latest_entry() -> None:
    plan = plan_for(IST, date(2025, 1, 31))
    assert entry_window(plan, utc(2025, 1, 31, 3, 59)) is EntryWindow.BEFORE
    assert entry_window(plan, utc(2025, 1, 31, 4, 0)) is EntryWindow.OPEN
    assert entry_window(plan, utc(2025, 1, 31, 5, 0)) is EntryWindow.OPEN
    assert entry_window(plan, utc(2025, 1, 31, 5, 0, 1)) is EntryWindow.CLOSED


def test_starting_late_in_the_evening_waits_for_the_next_trading_day() -> None:
    # Pressing Start at 23:00 IST entered immediately in the predecessor (weakness 11).
    plan = next_plan(IST, utc(2025, 1, 31, 17, 30))  # 23:00 IST Friday
    assert plan.trading_date == date(2025, 2, 1)
    assert plan.entry_at == utc(2025, 2, 1, 4, 0)


def test_starting_before_the_entry_time_plans_today() -> None:
    assert next_plan(IST, utc(2025, 1, 31, 2, 0)).trading_date == date(2025, 1, 31)


def test_starting_inside_the_entry_window_plans_today() -> None:
    assert next_plan(IST, utc(2025, 1, 31, 4, 30)).trading_date == date(2025, 1, 31)


def test_weekends_are_skipped_when_only_weekdays_trade() -> None:
    weekdays = ScheduleConfig(trading_weekdays=(Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI))
    assert not is_trading_day(weekdays, date(2025, 2, 1))  # Saturday
    plan = next_plan(weekdays, utc(2025, 1, 31, 12, 0))  # Friday 17:30 IST
    assert plan.trading_date == date(2025, 2, 3)  # Monday


def test_the_local_date_follows_the_zone_not_utc() -> None:
    # 20:00 UTC on the 31st is already 1 February in India.
    assert local_date(IST, utc(2025, 1, 31, 20, 0)) == date(2025, 2, 1)
