"""The engine journal's rows and the engine's records, each to the other (one place, so every write path agrees).

Positions are never read back from the leg row: they are rebuilt from the journaled fills.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying
from delta_strangle.domain.orders import Fill, OrderType, Side, TimeInForce
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.schedule import DayPlan
from delta_strangle.domain.session import OrderPurpose, SessionState
from delta_strangle.domain.trailing import RiskState
from delta_strangle.engine.records import IntentRecord, LegRecord, SessionRecord
from delta_strangle.store.journal_tables import FillRow, OrderIntentRow, SessionLegRow, TradingSessionRow


def session_to_row(record: SessionRecord, row: TradingSessionRow) -> None:
    row.token = record.token
    row.account = record.account
    row.mode = record.mode
    row.profile_id = record.profile_id
    row.profile_name = record.profile_name
    row.config_version = record.config_version
    row.config_snapshot = record.config.model_dump(mode="json")
    row.state = record.state.value
    row.rearm = record.rearm
    row.enter_now = record.enter_now
    plan = record.plan
    row.trading_date = plan.trading_date.isoformat() if plan else None
    row.entry_at = plan.entry_at if plan else None
    row.latest_entry_at = plan.latest_entry_at if plan else None
    row.exit_at = plan.exit_at if plan else None
    row.settlement_at = record.settlement_at
    row.started_at = record.started_at
    row.ended_at = record.ended_at
    row.updated_at = record.updated_at
    row.exit_reason = record.exit_reason
    row.exit_detail = record.exit_detail
    row.halt_reason = record.halt_reason
    row.halt_views = record.halt_views
    row.risk_state = record.risk.model_dump(mode="json")
    row.pnl = dict(record.pnl)
    row.spot = dict(record.spot)
    row.started_by = record.started_by
    row.failed_entries_in_row = record.failed_entries_in_row


def decision_values(record: SessionRecord) -> dict[str, Any]:
    """The session columns an order intent may carry: where the session is and why (exit reason, risk state)."""
    return {
        "state": record.state.value, "exit_reason": record.exit_reason, "exit_detail": record.exit_detail,
        "risk_state": record.risk.model_dump(mode="json"), "updated_at": record.updated_at,
    }


def leg_to_row(leg: LegRecord, row: SessionLegRow) -> None:
    c, p = leg.contract, leg.position
    row.kind = c.kind.value
    row.symbol = c.symbol
    row.product_id = c.product_id
    row.strike = c.strike
    row.expiry = c.expiry.isoformat()
    row.settlement_at = c.settlement_time
    row.contract_value = c.contract_value
    row.tick_size = c.tick_size
    row.target_size = leg.target_size
    row.size = p.size
    row.avg_entry_price = p.avg_entry_price
    row.entry_premium_usd = p.entry_premium_usd
    row.realised_gross_usd = p.realised_gross_usd
    row.fees_usd = p.fees_usd
    row.exit_price = leg.exit_price
    row.entry_delta = leg.entry_delta
    row.entry_mid = leg.entry_mid
    row.distance_from_spot_pct = leg.distance_from_spot_pct
    row.selection_reason = leg.selection_reason


async def load_record(db: AsyncSession, row: TradingSessionRow) -> SessionRecord:
    config = StrategyConfig.model_validate(row.config_snapshot)
    plan = None
    if row.trading_date and row.entry_at and row.latest_entry_at and row.exit_at:
        plan = DayPlan(
            trading_date=date.fromisoformat(row.trading_date), entry_at=row.entry_at,
            latest_entry_at=row.latest_entry_at, exit_at=row.exit_at,
        )
    record = SessionRecord(
        id=row.id, account=row.account, mode=row.mode, token=row.token, profile_name=row.profile_name,
        profile_id=row.profile_id, config_version=row.config_version, config=config,
        state=SessionState(row.state), created_at=row.created_at, updated_at=row.updated_at, rearm=row.rearm,
        enter_now=row.enter_now, plan=plan, settlement_at=row.settlement_at, started_at=row.started_at,
        ended_at=row.ended_at, exit_reason=row.exit_reason, exit_detail=row.exit_detail,
        halt_reason=row.halt_reason, halt_views=row.halt_views, risk=RiskState.model_validate(row.risk_state or {}),
        pnl=dict(row.pnl or {}), spot=dict(row.spot or {}), started_by=row.started_by,
        failed_entries_in_row=row.failed_entries_in_row or 0,
    )
    legs = await db.scalars(select(SessionLegRow).where(SessionLegRow.session_id == row.id))
    for leg_row in legs:
        contract = OptionContract(
            product_id=leg_row.product_id, symbol=leg_row.symbol, underlying=Underlying(config.underlying),
            kind=OptionKind(leg_row.kind), strike=leg_row.strike, settlement_time=leg_row.settlement_at,
            contract_value=leg_row.contract_value, tick_size=leg_row.tick_size,
        )
        # The position is rebuilt from the journaled fills, not read from the leg row: a crash between writing
        # a fill and updating the leg can then never leave the two disagreeing.
        position = LegPosition.for_contract(contract)
        fills = await db.scalars(select(FillRow).where(FillRow.leg_id == leg_row.id).order_by(FillRow.id))
        for fill_row in fills:
            charge = FeeCharge(amount=fill_row.commission, source=FeeSource(fill_row.fee_source))
            position = apply_fill(position, fill_from_row(fill_row), charge)
        record.legs[contract.kind] = LegRecord(
            contract=contract, target_size=leg_row.target_size, position=position, id=leg_row.id,
            entry_delta=leg_row.entry_delta, entry_mid=leg_row.entry_mid,
            distance_from_spot_pct=leg_row.distance_from_spot_pct, selection_reason=leg_row.selection_reason,
            exit_price=leg_row.exit_price,
        )
    return record


def intent_to_row(intent: IntentRecord, row: OrderIntentRow) -> None:
    row.session_id = intent.session_id
    row.leg_id = intent.leg_id
    row.client_order_id = intent.client_order_id
    row.purpose = intent.purpose.value
    row.attempt = intent.attempt
    row.symbol = intent.symbol
    row.product_id = intent.product_id
    row.side = intent.side.value
    row.size = intent.size
    row.order_type = intent.order_type.value
    row.time_in_force = intent.time_in_force.value
    row.limit_price = intent.limit_price
    row.reference_mid = intent.reference_mid
    row.reduce_only = intent.reduce_only
    row.status = intent.status
    row.exchange_order_id = intent.exchange_order_id
    row.exchange_state = intent.exchange_state
    row.filled_size = intent.filled_size
    row.average_fill_price = intent.average_fill_price
    row.commission = intent.commission
    row.cancellation_reason = intent.cancellation_reason
    row.error = intent.error
    row.updated_at = intent.updated_at


def intent_from_row(row: OrderIntentRow) -> IntentRecord:
    return IntentRecord(
        id=row.id, session_id=row.session_id, leg_id=row.leg_id, client_order_id=row.client_order_id,
        purpose=OrderPurpose(row.purpose), attempt=row.attempt, symbol=row.symbol, product_id=row.product_id,
        side=Side(row.side), size=row.size, order_type=OrderType(row.order_type),
        time_in_force=TimeInForce(row.time_in_force), limit_price=row.limit_price, reference_mid=row.reference_mid,
        reduce_only=row.reduce_only, created_at=row.created_at, updated_at=row.updated_at, status=row.status,
        exchange_order_id=row.exchange_order_id, exchange_state=row.exchange_state, filled_size=row.filled_size,
        average_fill_price=row.average_fill_price, commission=row.commission,
        cancellation_reason=row.cancellation_reason, error=row.error,
    )


def fill_from_row(row: FillRow) -> Fill:
    return Fill(
        fill_id=row.fill_id, order_id=row.exchange_order_id, client_order_id=row.client_order_id,
        product_id=row.product_id, symbol=row.symbol, side=Side(row.side), size=row.size, price=row.price,
        commission=row.commission, fill_type=row.fill_type, created_at=row.occurred_at,
    )

