"""Write small session histories through the engine's own journal store and fill accounting.

Each session is produced the way the engine produces one: a `SessionRecord` with its plan, order intents
journaled before their fills, every fill applied to its leg with `apply_fill` (the engine's accounting, fees
booked from the exchange's commission), events, and the session's PnL from `strangle_pnl`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from delta_strangle.domain.config import ScheduleConfig, StrategyConfig
from delta_strangle.domain.fees import FeeCharge, FeeSource
from delta_strangle.domain.instruments import OptionContract, OptionKind, Underlying, option_symbol, settlement_instant
from delta_strangle.domain.orders import Fill, OrderType, TimeInForce
from delta_strangle.domain.pnl import strangle_pnl
from delta_strangle.domain.positions import LegPosition, apply_fill
from delta_strangle.domain.schedule import DayPlan
from delta_strangle.domain.session import OrderPurpose, SessionState
from delta_strangle.domain.trailing import RiskState
from delta_strangle.engine.records import IntentRecord, IntentStatus, LegRecord, SessionRecord
from delta_strangle.store.journal import SqlJournalStore

BTC_CV = Decimal("0.001")
_ids = itertools.count(1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class LegPlan:
    """One leg of a planned session: sold at `entry`, bought back at `exit` (None leaves it open)."""

    kind: OptionKind
    strike: int
    entry: str
    exit: str | None
    entry_fee: str = "0"
    exit_fee: str = "0"
    entry_mid: str | None = None
    exit_mid: str | None = None
    size: int = 1


def strangle(
    call_entry: str, call_exit: str | None, put_entry: str, put_exit: str | None, *, fee: str = "0", size: int = 1
) -> list[LegPlan]:
    """A 100000-call / 90000-put strangle with the same fee on every fill."""
    return [
        LegPlan(OptionKind.CALL, 100000, call_entry, call_exit, fee, fee, size=size),
        LegPlan(OptionKind.PUT, 90000, put_entry, put_exit, fee, fee, size=size),
    ]


class JournalWriter:
    """Plays sessions into the SQL journal store the engine uses."""

    def __init__(self, store: SqlJournalStore) -> None:
        self.store = store

    async def session(
        self,
        legs: list[LegPlan],
        *,
        entered_at: datetime,
        closed_at: datetime | None,
        profile: str = "alpha",
        profile_id: int = 1,
        mode: str = "sim",
        version: int = 1,
        zone: str = "Asia/Kolkata",
        exit_reason: str | None = "time_exit",
        peak_net_pct: str | None = None,
        expiry: date | None = None,
        spot: dict[str, str] | None = None,
    ) -> int:
        """Journal one session from entry to exit and return its id."""
        config = StrategyConfig(name=profile, schedule=ScheduleConfig(timezone=zone))
        local_day = entered_at.astimezone(config.schedule.zone).date()
        expiry = expiry or (closed_at or entered_at).date() + timedelta(days=1)
        record = SessionRecord(
            account="test-account", mode=mode, token=f"{next(_ids):04d}"[-4:], profile_name=profile, config=config,
            state=SessionState.WAITING, created_at=entered_at - timedelta(minutes=5), updated_at=entered_at,
            profile_id=profile_id, config_version=version,
            plan=DayPlan(trading_date=local_day, entry_at=entered_at, latest_entry_at=entered_at, exit_at=entered_at),
            settlement_at=settlement_instant(expiry), started_at=entered_at - timedelta(minutes=1),
            spot=dict(spot or {}),
        )  # fmt: skip
        record.id = await self.store.create_session(record)
        for plan in legs:
            contract = OptionContract(
                product_id=next(_ids), symbol=option_symbol(plan.kind, Underlying.BTC, Decimal(plan.strike), expiry),
                underlying=Underlying.BTC, kind=plan.kind, strike=Decimal(plan.strike),
                settlement_time=settlement_instant(expiry), contract_value=BTC_CV, tick_size=Decimal("0.1"),
            )  # fmt: skip
            record.legs[plan.kind] = LegRecord(
                contract=contract, target_size=plan.size, position=LegPosition.for_contract(contract),
                entry_mid=Decimal(plan.entry_mid) if plan.entry_mid else None, entry_delta=0.12,
            )  # fmt: skip
        record.state = SessionState.ENTERING
        await self.store.save_session(record)
        await self.store.record_event(record.id, entered_at, "session_entering", "info", "entering", {})
        for plan in legs:
            await self._trade(record, plan, OrderPurpose.ENTRY, plan.entry, plan.entry_fee, plan.entry_mid, entered_at)
        record.state = SessionState.LIVE
        await self.store.save_session(record)
        if closed_at is not None:
            record.state = SessionState.EXITING
            for plan in legs:
                if plan.exit is not None:
                    await self._trade(
                        record, plan, OrderPurpose.EXIT, plan.exit, plan.exit_fee, plan.exit_mid, closed_at
                    )
            record.state = SessionState.DONE
            record.ended_at = closed_at
            record.exit_reason = exit_reason
            await self.store.record_event(record.id, closed_at, "session_done", "info", f"done: {exit_reason}", {})
        if peak_net_pct is not None:
            record.risk = RiskState(peak_net_pct=Decimal(peak_net_pct))
        marks = {leg.symbol: Decimal(plan.entry) for leg, plan in zip(record.legs.values(), legs, strict=True)}
        record.pnl = strangle_pnl([leg.position for leg in record.legs.values()], marks).model_dump(mode="json")
        record.updated_at = closed_at or entered_at
        await self.store.save_session(record)
        return record.id

    async def _trade(
        self,
        record: SessionRecord,
        plan: LegPlan,
        purpose: OrderPurpose,
        price: str,
        fee: str,
        mid: str | None,
        at: datetime,
    ) -> None:
        assert record.id is not None
        leg = record.legs[plan.kind]
        number = next(_ids)
        intent = IntentRecord(
            session_id=record.id, leg_id=leg.id, client_order_id=f"t{number}", purpose=purpose, attempt=1,
            symbol=leg.symbol, product_id=leg.contract.product_id, side=purpose.side, size=plan.size,
            order_type=OrderType.LIMIT, time_in_force=TimeInForce.GTC, limit_price=Decimal(price),
            reference_mid=Decimal(mid) if mid else None, reduce_only=purpose.reduce_only, created_at=at, updated_at=at,
        )  # fmt: skip
        intent.id = await self.store.record_intent(intent)
        fill = Fill(
            fill_id=f"fill-{number}", order_id=f"x{number}", client_order_id=intent.client_order_id,
            product_id=leg.contract.product_id, symbol=leg.symbol, side=purpose.side, size=plan.size,
            price=Decimal(price), commission=Decimal(fee), created_at=at,
        )  # fmt: skip
        await self.store.record_fill(record.id, leg.id, fill, FeeSource.EXCHANGE.value)
        leg.position = apply_fill(leg.position, fill, FeeCharge(amount=fill.commission, source=FeeSource.EXCHANGE))
        if purpose is OrderPurpose.EXIT:
            leg.exit_price = Decimal(price)
        intent.status = IntentStatus.TERMINAL
        intent.exchange_order_id = fill.order_id
        intent.exchange_state = "closed"
        intent.filled_size = plan.size
        intent.average_fill_price = Decimal(price)
        intent.commission = fill.commission
        await self.store.update_intent(intent)
        await self.store.save_session(record)
