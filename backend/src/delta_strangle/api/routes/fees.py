"""`POST /api/trading/fees/quote`: Delta's option fee for a hypothetical fill, on the domain's fee code."""

from __future__ import annotations

from fastapi import APIRouter, Request

from delta_strangle.api.deps import ClockDep, ViewerUser
from delta_strangle.api.schemas.fees import FeeQuoteRequest, FeeQuoteResponse, FeeScheduleOut
from delta_strangle.domain.fees import DEFAULT_FEE_CALENDAR, FeeCalendar, option_fee
from delta_strangle.domain.instruments import LISTED_CONTRACT_VALUE

router = APIRouter(prefix="/api/trading/fees", tags=["trading"])


def fee_calendar(request: Request) -> FeeCalendar:
    """The configured fee calendar (`app.state.fee_calendar` when wired), else the built-in one."""
    calendar: FeeCalendar = getattr(request.app.state, "fee_calendar", None) or DEFAULT_FEE_CALENDAR
    return calendar


@router.post("/quote", response_model=FeeQuoteResponse, summary="Estimate the fee of an option fill")
async def quote_fee(body: FeeQuoteRequest, _user: ViewerUser, clock: ClockDep, request: Request) -> FeeQuoteResponse:
    contract_value = LISTED_CONTRACT_VALUE[body.underlying]
    schedule = fee_calendar(request).at(body.at or clock.now())
    fee = option_fee(
        index_price=body.index_price,
        price=body.option_price,
        size=body.contracts,
        contract_value=contract_value,
        schedule=schedule,
        apply_gst=body.apply_gst,
    )
    return FeeQuoteResponse(
        contract_value=contract_value,
        notional_usd=fee.notional,
        premium_value_usd=fee.premium_value,
        notional_fee_usd=fee.notional_fee,
        premium_cap_usd=fee.premium_cap,
        fee_usd=fee.fee,
        gst_usd=fee.gst,
        total_usd=fee.total,
        cap_applied=fee.cap_applied,
        schedule=FeeScheduleOut.model_validate(schedule.model_dump()),
    )
