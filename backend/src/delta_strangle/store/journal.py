"""The engine journal in SQL: the `JournalStore` the engine writes through, and the read side the API lists.

Each write is its own short transaction, so a crash loses at most the write in flight, never a batch.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.domain.config import StrategyConfig
from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying
from delta_strangle.domain.orders import Fill, OrderType, Side, TimeInForce
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.schedule import DayPlan
from delta_strangle.domain.session import OrderPurpose, SessionState
from delta_strangle.domain.trailing import RiskState
from delta_strangle.engine.records import IntentRecord, LegRecord, SessionRecord
from delta_strangle.store.db import transaction
from delta_strangle.store.journal_tables import (
    EngineEventRow,
    EngineLockRow,
    FillRow,
    OrderIntentRow,
    SessionLegRow,
    TradingSessionRow,
)

OPEN_STATES = tuple(s.value for s in SessionState if s is not SessionState.DONE)


class SqlJournalStore:
    """The journal on the application database."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def close(self) -> None:
        """Release what the store holds beyond the shared pool (nothing here)."""

    async def create_session(self, record: SessionRecord) -> int:
        async with transaction(self.factory) as db:
            row = TradingSessionRow(created_at=record.created_at)
            _session_to_row(record, row)
            db.add(row)
            await db.flush()
            return row.id

    async def save_session(self, record: SessionRecord) -> None:
        async with transaction(self.factory) as db:
            row = await db.get(TradingSessionRow, record.id)
            if row is None:
                raise LookupError(f"session {record.id} is not in the journal")
            _session_to_row(record, row)
            for leg in record.legs.values():
                leg_row = await db.get(SessionLegRow, leg.id) if leg.id is not None else None
                if leg_row is None:
                    leg_row = SessionLegRow(session_id=row.id)
                    db.add(leg_row)
                _leg_to_row(leg, leg_row)
                await db.flush()
                leg.id = leg_row.id

    async def record_intent(self, intent: IntentRecord, session: SessionRecord | None = None) -> int:
        async with transaction(self.factory) as db:
            if session is not None:
                row_of_session = await db.get(TradingSessionRow, session.id)
                if row_of_session is None:
                    raise LookupError(f"session {session.id} is not in the journal")
                for key, value in decision_values(session).items():
                    setattr(row_of_session, key, value)
            row = OrderIntentRow(created_at=intent.created_at)
            _intent_to_row(intent, row)
            db.add(row)
            await db.flush()
            return row.id

    async def update_intent(self, intent: IntentRecord) -> None:
        async with transaction(self.factory) as db:
            row = await db.get(OrderIntentRow, intent.id)
            if row is None:
                raise LookupError(f"intent {intent.client_order_id} is not in the journal")
            _intent_to_row(intent, row)

    async def record_fill(self, session_id: int, leg_id: int | None, fill: Fill, fee_source: str) -> bool:
        async with transaction(self.factory) as db:
            if await db.scalar(select(FillRow.id).where(FillRow.fill_id == fill.fill_id)) is not None:
                return False
            db.add(
                FillRow(
                    fill_id=fill.fill_id, session_id=session_id, leg_id=leg_id, exchange_order_id=fill.order_id,
                    client_order_id=fill.client_order_id, symbol=fill.symbol, product_id=fill.product_id,
                    side=fill.side.value, size=fill.size, price=fill.price, commission=fill.commission,
                    fee_source=fee_source, fill_type=fill.fill_type, occurred_at=fill.created_at,
                )
            )
            return True

    async def record_event(
        self, session_id: int | None, at: datetime, kind: str, level: str, message: str, details: dict[str, Any]
    ) -> None:
        async with transaction(self.factory) as db:
            db.add(
                EngineEventRow(
                    session_id=session_id, occurred_at=at, kind=kind, level=level, message=message, details=details
                )
            )

    async def open_sessions(self, account: str) -> list[SessionRecord]:
        async with transaction(self.factory) as db:
            rows = await db.scalars(
                select(TradingSessionRow)
                .where(TradingSessionRow.account == account, TradingSessionRow.state.in_(OPEN_STATES))
                .order_by(TradingSessionRow.id)
            )
            return [await _load_record(db, row) for row in rows]

    async def intents(self, session_id: int) -> list[IntentRecord]:
        async with transaction(self.factory) as db:
            rows = await db.scalars(
                select(OrderIntentRow).where(OrderIntentRow.session_id == session_id).order_by(OrderIntentRow.id)
            )
            return [_intent_from_row(row) for row in rows]

    async def fills(self, session_id: int) -> list[Fill]:
        async with transaction(self.factory) as db:
            rows = await db.scalars(select(FillRow).where(FillRow.session_id == session_id).order_by(FillRow.id))
            return [_fill_from_row(row) for row in rows]

    async def net_usd_on(self, account: str, profile_name: str, trading_date: date, exclude_id: int | None) -> Decimal:
        async with transaction(self.factory) as db:
            rows = await db.scalars(
                select(TradingSessionRow).where(
                    TradingSessionRow.account == account,
                    TradingSessionRow.profile_name == profile_name,
                    TradingSessionRow.trading_date == trading_date.isoformat(),
                    TradingSessionRow.state == SessionState.DONE.value,
                )
            )
            return sum(
                (Decimal(str(r.pnl.get("net_usd", "0"))) for r in rows if r.id != exclude_id), Decimal(0)
            )


# ---- read side for the API and the CLI ---------------------------------------------------------------------


async def list_sessions(
    db: AsyncSession, *, page: int, page_size: int, profile_id: int | None = None, mode: str | None = None,
    start: datetime | None = None, end: datetime | None = None,
) -> tuple[list[TradingSessionRow], int]:
    """Return one page of sessions, newest first, and the total count, narrowed by profile, mode and [start, end)."""
    row = TradingSessionRow
    # A session that never entered has no start; its creation places it on the calendar instead.
    began = func.coalesce(row.started_at, row.created_at)
    where: list[ColumnElement[bool]] = []
    if profile_id is not None:
        where.append(row.profile_id == profile_id)
    if mode is not None:
        where.append(row.mode == mode)
    if start is not None:
        where.append(began >= start)
    if end is not None:
        where.append(began < end)
    total = await db.scalar(select(func.count()).select_from(row).where(*where)) or 0
    query = select(row).where(*where).order_by(row.id.desc())
    rows = await db.scalars(query.offset((page - 1) * page_size).limit(page_size))
    return list(rows), int(total)


async def profile_has_open_session(db: AsyncSession, profile_id: int) -> bool:
    """Tell whether a session that is not done (waiting, entering, live, exiting or halted) runs this profile."""
    query = select(TradingSessionRow.id).where(
        TradingSessionRow.profile_id == profile_id, TradingSessionRow.state.in_(OPEN_STATES)
    )
    return await db.scalar(query.limit(1)) is not None


def page_count(total: int, page_size: int) -> int:
    return math.ceil(total / page_size) if total else 0


async def session_detail(db: AsyncSession, session_id: int) -> dict[str, Any] | None:
    """Return a session with its legs, order intents, fills and events, or None when it does not exist."""
    row = await db.get(TradingSessionRow, session_id)
    if row is None:
        return None
    legs = list(await db.scalars(select(SessionLegRow).where(SessionLegRow.session_id == session_id)))
    intents = list(
        await db.scalars(
            select(OrderIntentRow).where(OrderIntentRow.session_id == session_id).order_by(OrderIntentRow.id)
        )
    )
    fills = list(await db.scalars(select(FillRow).where(FillRow.session_id == session_id).order_by(FillRow.id)))
    events = list(
        await db.scalars(
            select(EngineEventRow).where(EngineEventRow.session_id == session_id).order_by(EngineEventRow.id)
        )
    )
    return {"session": row, "legs": legs, "orders": intents, "fills": fills, "events": events}


async def legs_of(db: AsyncSession, session_ids: list[int]) -> dict[int, list[SessionLegRow]]:
    """Return the legs of several sessions, keyed by session id."""
    result: dict[int, list[SessionLegRow]] = {sid: [] for sid in session_ids}
    if session_ids:
        for leg in await db.scalars(select(SessionLegRow).where(SessionLegRow.session_id.in_(session_ids))):
            result[leg.session_id].append(leg)
    return result


async def status_counts(db: AsyncSession) -> dict[str, int]:
    """Count open positions (legs whose journaled fills do not net to zero) and sessions that may hold any."""
    live = await db.scalar(
        select(func.count()).select_from(TradingSessionRow).where(TradingSessionRow.state.in_(OPEN_STATES))
    )
    # Sizes come from the journaled fills, not the leg rows: a crash between the two writes cannot hide a position.
    signed = case((FillRow.side == "sell", -FillRow.size), else_=FillRow.size)
    per_leg = (
        select(FillRow.leg_id)
        .join(TradingSessionRow, FillRow.session_id == TradingSessionRow.id)
        .where(TradingSessionRow.state.in_(OPEN_STATES))
        .group_by(FillRow.leg_id)
        .having(func.sum(signed) != 0)
        .subquery()
    )
    open_legs = await db.scalar(select(func.count()).select_from(per_leg))
    exposed = await db.scalar(
        select(func.count())
        .select_from(TradingSessionRow)
        .where(TradingSessionRow.state.in_([s.value for s in SessionState if s.may_hold_positions]))
    )
    return {"open_positions": int(open_legs or 0), "live_sessions": int(exposed or 0), "armed_sessions": int(live or 0)}


# ---- row <-> record ----------------------------------------------------------------------------------------


def _session_to_row(record: SessionRecord, row: TradingSessionRow) -> None:
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


def decision_values(record: SessionRecord) -> dict[str, Any]:
    """The session columns an order intent may carry: where the session is and why (exit reason, risk state)."""
    return {
        "state": record.state.value, "exit_reason": record.exit_reason, "exit_detail": record.exit_detail,
        "risk_state": record.risk.model_dump(mode="json"), "updated_at": record.updated_at,
    }


def _leg_to_row(leg: LegRecord, row: SessionLegRow) -> None:
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


async def _load_record(db: AsyncSession, row: TradingSessionRow) -> SessionRecord:
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
            position = apply_fill(position, _fill_from_row(fill_row), charge)
        record.legs[contract.kind] = LegRecord(
            contract=contract, target_size=leg_row.target_size, position=position, id=leg_row.id,
            entry_delta=leg_row.entry_delta, entry_mid=leg_row.entry_mid,
            distance_from_spot_pct=leg_row.distance_from_spot_pct, selection_reason=leg_row.selection_reason,
            exit_price=leg_row.exit_price,
        )
    return record


def _intent_to_row(intent: IntentRecord, row: OrderIntentRow) -> None:
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


def _intent_from_row(row: OrderIntentRow) -> IntentRecord:
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


def _fill_from_row(row: FillRow) -> Fill:
    return Fill(
        fill_id=row.fill_id, order_id=row.exchange_order_id, client_order_id=row.client_order_id,
        product_id=row.product_id, symbol=row.symbol, side=Side(row.side), size=row.size, price=row.price,
        commission=row.commission, fill_type=row.fill_type, created_at=row.occurred_at,
    )


# ---- the instance lock -------------------------------------------------------------------------------------


class SqlLockStore:
    """The per-account lease row behind `engine.lock.InstanceLock`."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def holder_of(self, account: str) -> EngineLockRow | None:
        """Return the current lease row of an account, if any."""
        async with transaction(self.factory) as db:
            return await db.get(EngineLockRow, account)

    async def take(
        self, account: str, *, holder: str, host: str, pid: int, now: datetime, lease_until: datetime,
        replace_holder: str | None,
    ) -> bool:
        """Write our lease when the row is absent, ours, or held by `replace_holder`; True when we hold it."""
        async with transaction(self.factory) as db:
            row = await db.get(EngineLockRow, account, with_for_update=True)
            if row is None:
                db.add(EngineLockRow(account=account, holder=holder, host=host, pid=pid, acquired_at=now,
                                     heartbeat_at=now, lease_until=lease_until))
                return True
            if row.holder not in (holder, replace_holder):
                return False
            if row.holder != holder:
                row.acquired_at = now
            row.holder, row.host, row.pid, row.heartbeat_at, row.lease_until = holder, host, pid, now, lease_until
            return True

    async def release(self, account: str, holder: str) -> None:
        async with transaction(self.factory) as db:
            row = await db.get(EngineLockRow, account)
            if row is not None and row.holder == holder:
                await db.delete(row)
