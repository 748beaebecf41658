"""Strike selection: one out-of-the-money call and one put from a chain, by delta, premium or distance.

Every candidate first passes the invariants (right underlying, the chain's expiry, settling after the planned
exit, out of the money, a symbol that says the same) and the quote checks (fresh, two-sided, guardrails).
Then the mode ranks what is left; ties go to the strike farther from spot, then the lower product id.
When a side has nothing left the answer is NoTrade with the reason, never the nearest contract out of band.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from delta_strangle.domain.config import (
    DeltaSelection,
    DistanceSelection,
    Guardrails,
    PremiumSelection,
    StrategyConfig,
)
from delta_strangle.domain.instruments import OptionContract, OptionKind, SymbolError, Underlying, parse_option_symbol
from delta_strangle.domain.market import OptionChain, Quote
from delta_strangle.domain.outcomes import NoTrade, NoTradeReason

HUNDRED = Decimal(100)


class LegChoice(BaseModel):
    """A chosen leg with the figures the UI and exports show."""

    model_config = ConfigDict(frozen=True)

    contract: OptionContract
    bid: Decimal
    ask: Decimal
    mid: Decimal
    mark: Decimal | None
    delta: float | None
    spread_pct: Decimal
    distance_from_spot_pct: Decimal
    reason: str


class StrangleChoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: str
    underlying: Underlying
    expiry: date
    spot: Decimal
    as_of: datetime
    call: LegChoice
    put: LegChoice


def distance_from_spot_pct(strike: Decimal, spot: Decimal) -> Decimal:
    """Signed distance of a strike from spot, in percent of spot (calls above spot are positive)."""
    return (strike - spot) / spot * HUNDRED


def strangle_violations(
    call: OptionContract, put: OptionContract, *, underlying: Underlying, exit_at: datetime
) -> list[str]:
    """List every broken entry invariant of a call/put pair (empty when the pair may be traded)."""
    problems: list[str] = []
    if call.kind is not OptionKind.CALL:
        problems.append(f"{call.symbol} is not a call")
    if put.kind is not OptionKind.PUT:
        problems.append(f"{put.symbol} is not a put")
    for leg in (call, put):
        if leg.underlying is not underlying:
            problems.append(f"{leg.symbol} is on {leg.underlying.value}, not {underlying.value}")
        if leg.settlement_time <= exit_at:
            problems.append(f"{leg.symbol} settles at or before the planned exit")
        if _symbol_disagrees(leg):
            problems.append(f"{leg.symbol} does not describe the product's own kind, underlying, strike and expiry")
    if call.expiry != put.expiry:
        problems.append(f"legs expire on different dates ({call.expiry} and {put.expiry})")
    return problems


def _symbol_disagrees(contract: OptionContract) -> bool:
    try:
        kind, underlying, strike, expiry = parse_option_symbol(contract.symbol)
    except SymbolError:
        return True
    return (kind, underlying, strike, expiry) != (contract.kind, contract.underlying, contract.strike, contract.expiry)


def _structural_rejection(
    contract: OptionContract, kind: OptionKind, chain: OptionChain, config: StrategyConfig, exit_at: datetime
) -> str | None:
    if contract.kind is not kind:
        return "other side"
    if contract.underlying is not config.underlying:
        return "wrong underlying"
    if contract.expiry != chain.expiry:
        return "other expiry"
    if contract.settlement_time <= exit_at:
        return "settles before exit"
    if _symbol_disagrees(contract):
        return "symbol disagrees with product"
    otm = contract.strike > chain.spot if kind is OptionKind.CALL else contract.strike < chain.spot
    return None if otm else "not out of the money"


def _quote_rejection(
    quote: Quote | None, kind: OptionKind, guardrails: Guardrails, now: datetime, max_age: timedelta
) -> str | None:
    if quote is None:
        return "no quote"
    if not quote.is_fresh(now, max_age):
        return "stale quote"
    mid, spread = quote.mid, quote.spread_pct
    if quote.best_bid is None or quote.best_bid <= 0 or mid is None or spread is None:
        return "no two-sided market"
    if guardrails.min_bid_usd is not None and quote.best_bid < guardrails.min_bid_usd:
        return "bid below guardrail"
    if guardrails.max_spread_pct is not None and spread > guardrails.max_spread_pct:
        return "spread above guardrail"
    side = "call" if kind is OptionKind.CALL else "put"
    low = getattr(guardrails, f"{side}_premium_min_usd")
    high = getattr(guardrails, f"{side}_premium_max_usd")
    if (low is not None and mid < low) or (high is not None and mid > high):
        return "premium outside guardrail band"
    return None


def _leg(contract: OptionContract, quote: Quote, spot: Decimal, reason: str) -> LegChoice:
    # _quote_rejection has already refused one-sided quotes; these only narrow the types.
    assert quote.best_bid is not None
    assert quote.best_ask is not None
    assert quote.mid is not None
    assert quote.spread_pct is not None
    return LegChoice(
        contract=contract,
        bid=quote.best_bid,
        ask=quote.best_ask,
        mid=quote.mid,
        mark=quote.mark_price,
        delta=quote.greeks.delta if quote.greeks is not None else None,
        spread_pct=quote.spread_pct,
        distance_from_spot_pct=distance_from_spot_pct(contract.strike, spot),
        reason=reason,
    )


def _pick_side(
    chain: OptionChain, config: StrategyConfig, kind: OptionKind, exit_at: datetime, now: datetime
) -> LegChoice | str:
    """Return the chosen leg of one side, or a sentence saying why there is none."""
    max_age = timedelta(seconds=config.exits.stale_quote_seconds)
    rejected: Counter[str] = Counter()
    structural = []
    for contract in chain.contracts:
        why = _structural_rejection(contract, kind, chain, config, exit_at)
        if why is None:
            structural.append(contract)
        elif why != "other side":
            rejected[why] += 1
    spot = chain.spot
    mode = config.strikes
    if isinstance(mode, DistanceSelection):
        # The target strike is fixed by spot; a bad quote there means no trade, not a drift to another strike.
        pct = mode.call_distance_pct if kind is OptionKind.CALL else -mode.put_distance_pct
        target = spot * (1 + pct / HUNDRED)
        beyond = [c for c in structural if (c.strike >= target if kind is OptionKind.CALL else c.strike <= target)]
        if not beyond:
            return f"no listed strike at or beyond {target:.2f} ({_summary(rejected)})"
        nearest = min(beyond, key=lambda c: (abs(c.strike - target), c.product_id))
        quote = chain.quote_for(nearest)
        why = _quote_rejection(quote, kind, config.guardrails, now, max_age)
        if why is not None or quote is None:
            return f"{nearest.symbol} (nearest strike beyond {target:.2f}) rejected: {why}"
        return _leg(nearest, quote, spot, f"nearest listed strike at or beyond {pct:+}% from spot {spot}")
    ranked: list[tuple[tuple[Decimal | float, Decimal, int], OptionContract, Quote, str]] = []
    for contract in structural:
        quote = chain.quote_for(contract)
        why = _quote_rejection(quote, kind, config.guardrails, now, max_age)
        if why is not None or quote is None:
            rejected[why or "no quote"] += 1
            continue
        far = -abs(contract.strike - spot)
        mid = quote.mid
        assert mid is not None
        if isinstance(mode, DeltaSelection):
            if quote.greeks is None:
                rejected["no delta"] += 1
                continue
            delta = abs(quote.greeks.delta)
            if not mode.delta_low <= delta <= mode.delta_high:
                rejected["delta outside band"] += 1
                continue
            reason = f"|delta| {delta:.4f} in [{mode.delta_low}, {mode.delta_high}], nearest to {mode.target:.4f}"
            ranked.append(((abs(delta - mode.target), far, contract.product_id), contract, quote, reason))
        elif isinstance(mode, PremiumSelection):
            low, high = _premium_band(mode, kind)
            if not low <= mid <= high:
                rejected["premium outside band"] += 1
                continue
            centre = (low + high) / 2
            reason = f"mid {mid} in [{low}, {high}], nearest to {centre}"
            ranked.append(((abs(mid - centre), far, contract.product_id), contract, quote, reason))
    if not ranked:
        return f"no candidate ({_summary(rejected)})"
    _, contract, quote, reason = min(ranked, key=lambda item: item[0])
    return _leg(contract, quote, spot, reason)


def _premium_band(mode: PremiumSelection, kind: OptionKind) -> tuple[Decimal, Decimal]:
    if kind is OptionKind.CALL:
        return mode.call_premium_min_usd, mode.call_premium_max_usd
    return mode.put_premium_min_usd, mode.put_premium_max_usd


def _summary(rejected: Counter[str]) -> str:
    if not rejected:
        return "no contracts listed"
    return ", ".join(f"{count} {why}" for why, count in sorted(rejected.items()))


def select_strangle(
    chain: OptionChain, config: StrategyConfig, *, exit_at: datetime, now: datetime
) -> StrangleChoice | NoTrade:
    """Choose the call and put to sell from one chain, or say why not."""
    if chain.underlying is not config.underlying:
        detail = f"chain is {chain.underlying.value}, profile trades {config.underlying.value}"
        return NoTrade(reason=NoTradeReason.WRONG_UNDERLYING, detail=detail)
    if chain.spot <= 0:
        return NoTrade(reason=NoTradeReason.NO_SPOT, detail="no positive spot price to measure strikes against")
    call = _pick_side(chain, config, OptionKind.CALL, exit_at, now)
    if isinstance(call, str):
        return NoTrade(reason=NoTradeReason.NO_CALL_CANDIDATE, detail=f"call: {call}")
    put = _pick_side(chain, config, OptionKind.PUT, exit_at, now)
    if isinstance(put, str):
        return NoTrade(reason=NoTradeReason.NO_PUT_CANDIDATE, detail=f"put: {put}")
    problems = strangle_violations(call.contract, put.contract, underlying=config.underlying, exit_at=exit_at)
    if problems:
        return NoTrade(reason=NoTradeReason.INVARIANT_BROKEN, detail="; ".join(problems))
    return StrangleChoice(
        mode=config.strikes.mode,
        underlying=config.underlying,
        expiry=chain.expiry,
        spot=chain.spot,
        as_of=chain.as_of,
        call=call,
        put=put,
    )
