"""Expiry choice: explicit dates are checked when saved and when used; the rule picks the nearest safe one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from delta_strangle.domain.config import ExplicitExpiry, NearestExpiry
from delta_strangle.domain.expiry import choose_expiry, expiry_problem
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason

NOW = datetime(2025, 1, 31, 4, 0, tzinfo=UTC)  # 09:30 IST
EXIT_AT = datetime(2025, 1, 31, 9, 50, tzinfo=UTC)  # 15:20 IST
LISTED = [date(2025, 1, 31), date(2025, 2, 1), date(2025, 2, 7)]


def test_an_expiry_that_has_settled_cannot_be_saved() -> None:
    problem = expiry_problem(ExplicitExpiry(expiry_date=date(2025, 1, 30)), NOW)
    assert problem is not None
    assert "expiry.expiry_date" in problem


def test_todays_expiry_can_be_saved_before_settlement() -> None:
    assert expiry_problem(ExplicitExpiry(expiry_date=date(2025, 1, 31)), NOW) is None


def test_an_explicit_expiry_that_settled_since_saving_is_refused_at_use() -> None:
    # The predecessor started runs on an already-expired explicit expiry.
    later = datetime(2025, 2, 1, 4, 0, tzinfo=UTC)
    outcome = choose_expiry(ExplicitExpiry(expiry_date=date(2025, 1, 31)), exit_at=EXIT_AT, listed=LISTED, now=later)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.EXPIRY_IN_PAST


def test_an_explicit_expiry_settling_before_the_exit_is_refused() -> None:
    late_exit = datetime(2025, 1, 31, 13, 0, tzinfo=UTC)  # 18:30 IST, after 17:30 IST settlement
    outcome = choose_expiry(ExplicitExpiry(expiry_date=date(2025, 1, 31)), exit_at=late_exit, listed=LISTED, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.EXPIRY_BEFORE_EXIT


def test_an_explicit_expiry_that_is_not_listed_is_refused() -> None:
    outcome = choose_expiry(ExplicitExpiry(expiry_date=date(2025, 2, 3)), exit_at=EXIT_AT, listed=LISTED, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.EXPIRY_NOT_LISTED


def test_a_listed_explicit_expiry_after_the_exit_is_used() -> None:
    assert choose_expiry(ExplicitExpiry(expiry_date=date(2025, 2, 7)), exit_at=EXIT_AT, listed=LISTED, now=NOW) == date(
        2025, 2, 7
    )


def test_nearest_rule_takes_todays_expiry_when_it_settles_late_enough() -> None:
    # Exit 15:20 IST, settlement 17:30 IST: 130 minutes of room.
    rule = NearestExpiry(min_minutes_after_exit=120)
    assert choose_expiry(rule, exit_at=EXIT_AT, listed=LISTED, now=NOW) == date(2025, 1, 31)


def test_nearest_rule_skips_an_expiry_settling_too_soon_after_exit() -> None:
    rule = NearestExpiry(min_minutes_after_exit=131)
    assert choose_expiry(rule, exit_at=EXIT_AT, listed=LISTED, now=NOW) == date(2025, 2, 1)


def test_nearest_rule_with_nothing_late_enough_is_no_trade() -> None:
    outcome = choose_expiry(NearestExpiry(min_minutes_after_exit=60 * 24 * 30), exit_at=EXIT_AT, listed=LISTED, now=NOW)
    assert isinstance(outcome, NoTrade)
    assert outcome.reason is NoTradeReason.NO_EXPIRY_AFTER_EXIT
