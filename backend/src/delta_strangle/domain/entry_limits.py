"""Entry limits: the pre-trade checks of an entry, and the count of failed entries that stops a profile (pure).

Before an entry places any order, once the strangle is chosen, the engine checks in this order:

1. the notional cap: contracts x contract value x spot for each leg, both legs added, must not exceed
   `max_notional_usd` (when set);
2. the margin estimate (when `check_margin`): the wallet's available balance must cover the estimated initial
   margin of both legs raised by `margin_buffer_pct` %. Per leg the estimate is
   contracts x contract value x (premium + `margin_pct_of_index` % x index), the premium being the higher of the
   leg's mid and mark. Delta publishes no formula for short options, so this is an estimate: the exchange's
   own `insufficient_margin` refusal stays the last line of defence.

A refusal is a value naming its stable event and carrying the numbers.

After every entry attempt the count of failed entries in a row moves: an entry that went live resets it, a
failed one adds one, a skipped one leaves it as it was (see `EntryOutcome`). When it reaches
`max_consecutive_failed_entries` the profile is not armed again until the trader arms it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import EntryLimits
from delta_strangle.domain.outcomes import NoTradeReason
from delta_strangle.domain.strikes import LegChoice, StrangleChoice

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# Stable event names (journal events and log lines).
NOTIONAL_CAP_EVENT = "entry_refused_notional_cap"
MARGIN_EVENT = "entry_refused_margin"
WALLET_UNAVAILABLE_EVENT = "entry_refused_wallet_unavailable"
ENTRIES_STOPPED_EVENT = "entries_stopped_after_failures"

# NoTrade reasons that mean the exchange's data could not be used (an error), not a market rule saying no.
_DATA_FAILURES = frozenset({NoTradeReason.MARKET_DATA_UNAVAILABLE, NoTradeReason.INVARIANT_BROKEN,
                            NoTradeReason.NO_SPOT})


class EntryRefusal(BaseModel):
    """Why an entry was refused before any order: `event` is stable, `detail` is for people, `figures` for both."""

    model_config = ConfigDict(frozen=True)

    event: str
    detail: str
    figures: dict[str, Decimal | int | str]


def _usd(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


def strangle_notional_usd(choice: StrangleChoice, contracts_per_leg: int) -> Decimal:
    """Both legs' notional: contracts x contract value x spot per leg, added."""
    return sum(
        (contracts_per_leg * leg.contract.contract_value * choice.spot for leg in (choice.call, choice.put)),
        Decimal(0),
    )


def leg_margin_usd(leg: LegChoice, contracts: int, spot: Decimal, margin_pct_of_index: Decimal) -> Decimal:
    """One short leg's estimated initial margin: contracts x cv x (premium + pct % x index).

    The premium is the higher of mid and mark: a resting sell blocks margin at its price and a position at its mark.
    """
    premium = leg.mid if leg.mark is None else max(leg.mid, leg.mark)
    return contracts * leg.contract.contract_value * (premium + margin_pct_of_index / HUNDRED * spot)


def margin_estimate_usd(limits: EntryLimits, choice: StrangleChoice, contracts_per_leg: int) -> Decimal:
    """Both legs' estimated initial margin (isolated: each leg carries its own), without the buffer."""
    return sum(
        (leg_margin_usd(leg, contracts_per_leg, choice.spot, limits.margin_pct_of_index)
         for leg in (choice.call, choice.put)),
        Decimal(0),
    )


def required_balance_usd(limits: EntryLimits, estimate_usd: Decimal) -> Decimal:
    """The available balance an entry needs: the estimate raised by the buffer."""
    return estimate_usd * (1 + limits.margin_buffer_pct / HUNDRED)


def check_notional(limits: EntryLimits, choice: StrangleChoice, contracts_per_leg: int) -> EntryRefusal | None:
    """Refuse an entry whose notional exceeds the cap (a notional equal to the cap is allowed)."""
    cap = limits.max_notional_usd
    if cap is None:
        return None
    notional = strangle_notional_usd(choice, contracts_per_leg)
    if notional <= cap:
        return None
    return EntryRefusal(
        event=NOTIONAL_CAP_EVENT,
        detail=(f"notional {_usd(notional)} USD ({contracts_per_leg} contracts per leg, both legs, spot "
                f"{choice.spot}) exceeds max_notional_usd {cap} USD"),
        figures={"notional_usd": notional, "max_notional_usd": cap, "contracts_per_leg": contracts_per_leg,
                 "spot": choice.spot},
    )


def check_margin(limits: EntryLimits, choice: StrangleChoice, contracts_per_leg: int,
                 available_balance_usd: Decimal) -> EntryRefusal | None:
    """Refuse an entry the available balance cannot carry by the estimate (an equal balance is enough)."""
    if not limits.check_margin:
        return None
    estimate = margin_estimate_usd(limits, choice, contracts_per_leg)
    required = required_balance_usd(limits, estimate)
    if available_balance_usd >= required:
        return None
    return EntryRefusal(
        event=MARGIN_EVENT,
        detail=(f"available balance {_usd(available_balance_usd)} USD is below the {_usd(required)} USD needed: "
                f"estimated margin {_usd(estimate)} USD ({limits.margin_pct_of_index} % of the index per contract "
                f"plus premium, both legs) + {limits.margin_buffer_pct} % buffer"),
        figures={"available_balance_usd": available_balance_usd, "required_usd": required,
                 "margin_estimate_usd": estimate, "margin_pct_of_index": limits.margin_pct_of_index,
                 "margin_buffer_pct": limits.margin_buffer_pct, "contracts_per_leg": contracts_per_leg,
                 "spot": choice.spot},
    )


def wallet_unavailable(problem: str) -> EntryRefusal:
    """Refuse an entry whose margin cannot be checked because the wallet could not be read."""
    return EntryRefusal(event=WALLET_UNAVAILABLE_EVENT,
                        detail=f"wallet balance unavailable, margin not checked: {problem}",
                        figures={"problem": problem})


class EntryOutcome(StrEnum):
    """How an entry attempt ended, as the count of failed entries in a row sees it."""

    ENTERED = "entered"  # both legs filled: the count starts again from zero
    FAILED = "failed"  # refused by a limit here, market data unusable, orders rejected or unfilled, legging unwound
    SKIPPED = "skipped"  # a market rule said no trade (no contract in band, expiry, daily loss cap) or the operator
    # stopped the entry: says nothing about whether entries work, so the count stays as it was


def no_trade_outcome(reason: NoTradeReason) -> EntryOutcome:
    """A no-trade is a failure when the exchange's data was unusable, otherwise a skip."""
    return EntryOutcome.FAILED if reason in _DATA_FAILURES else EntryOutcome.SKIPPED


def failed_entries_in_row(previous: int, outcome: EntryOutcome) -> int:
    """The count after one more entry attempt."""
    if outcome is EntryOutcome.ENTERED:
        return 0
    if outcome is EntryOutcome.FAILED:
        return previous + 1
    return previous


def entries_stopped(limits: EntryLimits, failed_in_row: int) -> bool:
    """Tell whether the profile must not be armed again (the kill switch); never when the limit is off."""
    limit = limits.max_consecutive_failed_entries
    return limit is not None and failed_in_row >= limit
