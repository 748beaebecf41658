"""NoTrade: the expected "not now" outcome of a domain decision, returned as a value with its reason."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class NoTradeReason(StrEnum):
    NOT_A_TRADING_DAY = "not_a_trading_day"
    ENTRY_WINDOW_CLOSED = "entry_window_closed"
    EXPIRY_IN_PAST = "expiry_in_past"
    EXPIRY_NOT_LISTED = "expiry_not_listed"
    EXPIRY_BEFORE_EXIT = "expiry_before_exit"
    NO_EXPIRY_AFTER_EXIT = "no_expiry_after_exit"
    WRONG_UNDERLYING = "wrong_underlying"
    NO_SPOT = "no_spot"
    NO_CALL_CANDIDATE = "no_call_candidate"
    NO_PUT_CANDIDATE = "no_put_candidate"
    INVARIANT_BROKEN = "invariant_broken"
    MARKET_DATA_UNAVAILABLE = "market_data_unavailable"
    DAILY_LOSS_CAP_REACHED = "daily_loss_cap_reached"


class NoTrade(BaseModel):
    """Why no trade happens; `detail` is written for the operator."""

    model_config = ConfigDict(frozen=True)

    reason: NoTradeReason
    detail: str
