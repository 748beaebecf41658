"""The engine journal in SQL: the `JournalStore` the engine writes through (and reads back on recovery).

Each write is its own short transaction, so a crash loses at most the write in flight, never a batch. The API's
read side is `store.session_queries`; rows and records map in `store.journal_records`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.domain.orders import Fill
from delta_strangle.domain.session import SessionState
from delta_strangle.engine.records import IntentRecord, SessionRecord
from delta_strangle.store.db import transaction
from delta_strangle.store.journal_records import (
    decision_values,
    fill_from_row,
    intent_from_row,
    intent_to_row,
    leg_to_row,
    load_record,
    session_to_row,
)
from delta_strangle.store.journal_tables import (
    EngineEventRow,
    FillRow,
    OrderIntentRow,
    SessionLegRow,
    TradingSessionRow,
)
from delta_strangle.store.session_queries import OPEN_STATES


class SqlJournalStore:
    """The journal on the application database."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def close(self) -> None:
        """Release what the store holds beyond the shared pool (nothing here)."""

    async def create_session(self, record: SessionRecord) -> int:
        async with transaction(self.factory) as db:
            row = TradingSessionRow(created_at=record.created_at)
            session_to_row(record, row)
            db.add(row)
            await db.flush()
            return row.id

    async def save_session(self, record: SessionRecord) -> None:
        async with transaction(self.factory) as db:
            row = await db.get(TradingSessionRow, record.id)
            if row is None:
                raise LookupError(f"session {record.id} is not in the journal")
            session_to_row(record, row)
            for leg in record.legs.values():
                leg_row = await db.get(SessionLegRow, leg.id) if leg.id is not None else None
                if leg_row is None:
                    leg_row = SessionLegRow(session_id=row.id)
                    db.add(leg_row)
                leg_to_row(leg, leg_row)
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
            intent_to_row(intent, row)
            db.add(row)
            await db.flush()
            return row.id

    async def update_intent(self, intent: IntentRecord) -> None:
        async with transaction(self.factory) as db:
            row = await db.get(OrderIntentRow, intent.id)
            if row is None:
                raise LookupError(f"intent {intent.client_order_id} is not in the journal")
            intent_to_row(intent, row)

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
            return [await load_record(db, row) for row in rows]

    async def last_ended_session(self, account: str, mode: str) -> SessionRecord | None:
        async with transaction(self.factory) as db:
            row = await db.scalar(
                select(TradingSessionRow)
                .where(TradingSessionRow.account == account, TradingSessionRow.mode == mode,
                       TradingSessionRow.state == SessionState.DONE.value)
                # A session of an old journal may lack its end time: its last update stands in for it.
                .order_by(func.coalesce(TradingSessionRow.ended_at, TradingSessionRow.updated_at).desc(),
                          TradingSessionRow.id.desc())
                .limit(1)
            )
            return None if row is None else await load_record(db, row)

    async def intents(self, session_id: int) -> list[IntentRecord]:
        async with transaction(self.factory) as db:
            rows = await db.scalars(
                select(OrderIntentRow).where(OrderIntentRow.session_id == session_id).order_by(OrderIntentRow.id)
            )
            return [intent_from_row(row) for row in rows]

    async def fills(self, session_id: int) -> list[Fill]:
        async with transaction(self.factory) as db:
            rows = await db.scalars(select(FillRow).where(FillRow.session_id == session_id).order_by(FillRow.id))
            return [fill_from_row(row) for row in rows]

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
