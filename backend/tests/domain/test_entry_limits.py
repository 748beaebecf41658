"""Entry limits: the notional cap, the margin estimate against the wallet, and failed entries in a row."""

from __future__ import annotations

from decimal import Decimal

import pytest

from delta_strangle.domain.config import EntryLimits
from delta_strangle.domain.entry_limits import (
    MARGIN_EVENT,
    NOTIONAL_CAP_EVENT,
    WALLET_UNAVAILABLE_EVENT,
    EntryOutcome,
    check_margin,
    check_notional,
    entries_stopped,
    failed_entries_in_row,
    margin_estimate_usd,
    no_trade_outcome,
    required_balance_usd,
    strangle_notional_usd,
    wallet_unavailable,
)
from delta_strangle.domain.instruments import OptionContract, Underlying
from delta_strangle.domain.outcomes import NoTradeReason
from delta_strangle.domain.strikes import LegChoice, StrangleChoice
from tests.domain.builders import EXPIRY, NOW, call, put


def leg(contract: OptionContract, mid: str, mark: str | None = None) -> LegChoice:
    return LegChoice(
        contract=contract, bid=Decimal(mid) - 5, ask=Decimal(mid) + 5, mid=Decimal(mid),
        mark=None if mark is None else Decimal(mark), delta=None, spread_pct=Decimal(4),
        distance_from_spot_pct=Decimal(5), reason="test",
    )


def strangle(spot: str, call_leg: LegChoice, put_leg: LegChoice, underlying: Underlying = Underlying.BTC
             ) -> StrangleChoice:
    return StrangleChoice(mode="distance", underlying=underlying, expiry=EXPIRY, spot=Decimal(spot), as_of=NOW,
                          call=call_leg, put=put_leg)


BTC = strangle("100000", leg(call(105000), "250", mark="260"), leg(put(95000), "200"))


# ---- notional cap -------------------------------------------------------------------------------------------


def test_notional_is_contracts_times_contract_value_times_spot_for_both_legs() -> None:
    # BTC: 2 contracts x 0.001 x 100 000 = 200 USD per leg, 400 USD for the strangle.
    assert strangle_notional_usd(BTC, 2) == Decimal("400")
    # ETH: 5 contracts x 0.01 x 3 000 = 150 USD per leg, 300 USD for the strangle.
    eth = strangle("3000", leg(call(3200, underlying=Underlying.ETH), "20"),
                   leg(put(2800, underlying=Underlying.ETH), "18"), Underlying.ETH)
    assert strangle_notional_usd(eth, 5) == Decimal("300")


def test_an_entry_at_the_notional_cap_is_allowed_and_one_cent_above_is_refused() -> None:
    assert check_notional(EntryLimits(max_notional_usd=Decimal("400")), BTC, 2) is None
    refusal = check_notional(EntryLimits(max_notional_usd=Decimal("399.99")), BTC, 2)
    assert refusal is not None
    assert refusal.event == NOTIONAL_CAP_EVENT
    assert refusal.figures["notional_usd"] == Decimal("400")
    assert refusal.figures["max_notional_usd"] == Decimal("399.99")
    assert "notional 400.00 USD" in refusal.detail
    assert "max_notional_usd 399.99 USD" in refusal.detail


def test_no_notional_cap_is_checked_when_none_is_set() -> None:
    assert check_notional(EntryLimits(), BTC, 10_000) is None


# ---- margin estimate ----------------------------------------------------------------------------------------


def test_the_margin_estimate_adds_each_legs_premium_and_a_percent_of_the_index() -> None:
    # Call: 0.001 x (260 mark, above its 250 mid, + 10 % of 100 000) = 10.26; put: 0.001 x (200 + 10 000) = 10.20.
    estimate = margin_estimate_usd(EntryLimits(), BTC, 1)
    assert estimate == Decimal("20.46")
    # The default 25 % buffer: 20.46 x 1.25 = 25.575 USD must be available.
    assert required_balance_usd(EntryLimits(), estimate) == Decimal("25.575")


def test_an_available_balance_that_covers_the_estimate_with_its_buffer_is_enough() -> None:
    assert check_margin(EntryLimits(), BTC, 1, Decimal("25.575")) is None


def test_an_available_balance_below_the_estimate_with_its_buffer_refuses_the_entry() -> None:
    refusal = check_margin(EntryLimits(), BTC, 1, Decimal("25.57"))
    assert refusal is not None
    assert refusal.event == MARGIN_EVENT
    assert refusal.figures["available_balance_usd"] == Decimal("25.57")
    assert refusal.figures["required_usd"] == Decimal("25.575")
    assert refusal.figures["margin_estimate_usd"] == Decimal("20.46")
    assert "available balance 25.57 USD is below the 25.58 USD needed" in refusal.detail


def test_the_margin_rate_and_buffer_are_the_profiles() -> None:
    # 5 % of the index: 0.001 x (260 + 5 000) + 0.001 x (200 + 5 000) = 10.46; no buffer.
    limits = EntryLimits(margin_pct_of_index=Decimal(5), margin_buffer_pct=Decimal(0))
    assert margin_estimate_usd(limits, BTC, 1) == Decimal("10.46")
    assert check_margin(limits, BTC, 1, Decimal("10.46")) is None
    assert check_margin(limits, BTC, 1, Decimal("10.45")) is not None


def test_the_margin_check_can_be_switched_off() -> None:
    assert check_margin(EntryLimits(check_margin=False), BTC, 1, Decimal(0)) is None


def test_an_unreadable_wallet_is_a_refusal_naming_the_problem() -> None:
    refusal = wallet_unavailable("503 from /v2/wallet/balances")
    assert refusal.event == WALLET_UNAVAILABLE_EVENT
    assert "503 from /v2/wallet/balances" in refusal.detail


# ---- failed entries in a row --------------------------------------------------------------------------------


def test_failed_entries_count_up_skips_leave_the_count_and_an_entry_resets_it() -> None:
    count = 0
    path = [EntryOutcome.FAILED, EntryOutcome.SKIPPED, EntryOutcome.FAILED]
    for outcome in path:
        count = failed_entries_in_row(count, outcome)
    assert count == 2
    assert not entries_stopped(EntryLimits(), count)
    count = failed_entries_in_row(count, EntryOutcome.FAILED)
    assert count == 3
    assert entries_stopped(EntryLimits(), count)  # the default limit is 3
    assert failed_entries_in_row(count, EntryOutcome.ENTERED) == 0


def test_the_kill_switch_is_off_when_no_limit_is_set() -> None:
    assert not entries_stopped(EntryLimits(max_consecutive_failed_entries=None), 1000)


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        (NoTradeReason.MARKET_DATA_UNAVAILABLE, EntryOutcome.FAILED),
        (NoTradeReason.INVARIANT_BROKEN, EntryOutcome.FAILED),
        (NoTradeReason.NO_SPOT, EntryOutcome.FAILED),
        (NoTradeReason.NO_CALL_CANDIDATE, EntryOutcome.SKIPPED),
        (NoTradeReason.NO_PUT_CANDIDATE, EntryOutcome.SKIPPED),
        (NoTradeReason.EXPIRY_NOT_LISTED, EntryOutcome.SKIPPED),
        (NoTradeReason.DAILY_LOSS_CAP_REACHED, EntryOutcome.SKIPPED),
    ],
)
def test_a_no_trade_is_a_failure_only_when_the_exchanges_data_was_unusable(
    reason: NoTradeReason, outcome: EntryOutcome
) -> None:
    assert no_trade_outcome(reason) is outcome
