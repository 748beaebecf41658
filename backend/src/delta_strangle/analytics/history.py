"""Which sessions a history covers (range, preset, strategy, mode), and loading their outcomes from the journal.

A session belongs to a history when it is finished (`done`), it closed inside [start, end], it traded (an
opening fill collected premium), and it matches the strategy and mode filters. Modes are never blended unless
the caller asks for `all`.

SQL filters, joins and aggregates (fill times per session; orders grouped by side, fill, mid and contract
value for slippage) and only plain columns are read, never ORM objects. Sums of money are added up in Python
as Decimal, because SQLite would add the journal's exact decimal text as floats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.analytics.metrics import ZERO, SessionOutcome
from delta_strangle.store.journal_tables import FillRow, OrderIntentRow, SessionLegRow, TradingSessionRow

DONE = "done"
DEFAULT_ZONE = "Asia/Kolkata"
# The session columns an outcome needs (column selects: no ORM objects, no unused JSON decoded).
_OUTCOME_COLUMNS = (
    "id", "profile_id", "profile_name", "mode", "config_version", "ended_at", "exit_reason", "risk_state",
    "trading_date", "config_snapshot", "started_at", "created_at",
)  # fmt: skip


class Preset(StrEnum):
    D7 = "7D"
    D30 = "30D"
    D90 = "90D"
    CUSTOM = "custom"

    @property
    def days(self) -> int | None:
        return {"7D": 7, "30D": 30, "90D": 90}.get(self.value)


class ModeFilter(StrEnum):
    SIM = "sim"
    PAPER = "paper"
    LIVE = "live"
    ALL = "all"


class HistoryRangeError(ValueError):
    """A range the caller asked for cannot be served (the message says why)."""


@dataclass(frozen=True)
class HistoryFilter:
    """The resolved filters of one history or export request; instants are aware UTC."""

    start: datetime
    end: datetime
    preset: Preset | None
    strategy_id: str | None
    mode: ModeFilter

    def as_text(self) -> dict[str, str]:
        """Describe the filter for logs and export metadata."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "preset": self.preset.value if self.preset else "",
            "strategy_id": self.strategy_id or "",
            "mode": self.mode.value,
        }


def _as_utc(value: datetime) -> datetime:
    # A naive instant from a query string is read as UTC, the zone every stored instant uses.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resolve_filter(
    now: datetime,
    *,
    start: datetime | None,
    end: datetime | None,
    preset: Preset | None,
    strategy_id: str | None,
    mode: ModeFilter,
) -> HistoryFilter:
    """Turn request parameters into a concrete range: explicit bounds win, else the preset, else 30 days."""
    end_at = _as_utc(end) if end is not None else now
    if start is not None:
        start_at = _as_utc(start)
    elif preset is Preset.CUSTOM:
        raise HistoryRangeError("preset=custom needs a start (and optionally an end)")
    else:
        start_at = end_at - timedelta(days=(preset.days if preset else None) or 30)
    if start_at >= end_at:
        raise HistoryRangeError(f"start ({start_at.isoformat()}) must be before end ({end_at.isoformat()})")
    strategy = strategy_id.strip() if strategy_id and strategy_id.strip() else None
    return HistoryFilter(start=start_at, end=end_at, preset=preset, strategy_id=strategy, mode=mode)


def _strategy_condition(strategy_id: str) -> ColumnElement[bool]:
    # A strategy is named by its profile id or its profile name.
    if strategy_id.isdigit():
        return TradingSessionRow.profile_id == int(strategy_id)
    return TradingSessionRow.profile_name == strategy_id


def scope_conditions(history: HistoryFilter) -> list[ColumnElement[bool]]:
    """Conditions on trading_sessions shared by every history query except the range."""
    conditions: list[ColumnElement[bool]] = []
    if history.mode is not ModeFilter.ALL:
        conditions.append(TradingSessionRow.mode == history.mode.value)
    if history.strategy_id:
        conditions.append(_strategy_condition(history.strategy_id))
    return conditions


def closed_session_ids(history: HistoryFilter) -> Select[int]:
    """Select the ids of finished sessions that closed inside the range and match the filters."""
    return select(TradingSessionRow.id).where(
        TradingSessionRow.state == DONE,
        TradingSessionRow.ended_at.is_not(None),
        TradingSessionRow.ended_at >= history.start,
        TradingSessionRow.ended_at <= history.end,
        *scope_conditions(history),
    )


def trading_day(row: Any) -> date:
    """Return the session's trading day in the profile's zone (its planned date, else its local start date).

    `row` is a `TradingSessionRow` or a result row with its `trading_date`, `config_snapshot`, `started_at`,
    `ended_at` and `created_at` columns.
    """
    if row.trading_date:
        return date.fromisoformat(row.trading_date)
    schedule = (row.config_snapshot or {}).get("schedule") or {}
    zone = ZoneInfo(str(schedule.get("timezone") or DEFAULT_ZONE))
    instant: datetime = row.started_at or row.ended_at or row.created_at
    return instant.astimezone(zone).date()


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@dataclass
class _Legs:
    gross: Decimal = ZERO
    fees: Decimal = ZERO
    premium: Decimal = ZERO
    traded: int = 0


def slippage_usd(intent: OrderIntentRow, contract_value: Decimal) -> Decimal | None:
    """Cost of filling away from the mid seen when the order was decided (positive is worse than mid)."""
    return fill_slippage_usd(
        intent.side, intent.filled_size, intent.average_fill_price, intent.reference_mid, contract_value
    )


def fill_slippage_usd(
    side: str, filled: int, average_fill: Decimal | None, reference_mid: Decimal | None, contract_value: Decimal
) -> Decimal | None:
    """Slippage of one order's fills against its decision mid, in USD; None without a mid or a fill."""
    if not filled or average_fill is None or reference_mid is None:
        return None
    worse_by = average_fill - reference_mid
    if side == "sell":
        worse_by = -worse_by
    return worse_by * filled * contract_value


async def _legs_by_session(session: AsyncSession, ids: Select[int]) -> dict[int, _Legs]:
    # Plain columns, not ORM objects: a long history has many legs and only these four figures are needed.
    rows = await session.execute(
        select(
            SessionLegRow.session_id, SessionLegRow.realised_gross_usd, SessionLegRow.fees_usd,
            SessionLegRow.entry_premium_usd,
        ).where(SessionLegRow.session_id.in_(ids))
    )  # fmt: skip
    legs: dict[int, _Legs] = defaultdict(_Legs)
    for session_id, gross, fees, premium in rows:
        total = legs[session_id]
        total.gross += gross
        total.fees += fees
        total.premium += premium
        total.traded += 1 if premium > 0 else 0
    return legs


async def _slippage_by_session(session: AsyncSession, ids: Select[int]) -> dict[int, tuple[Decimal, int]]:
    # Orders that share a side, average fill, decision mid and contract value cost (fill - mid) x size x cv
    # each, so SQL groups them and sums their sizes (integers: exact); the Decimal product is taken once per
    # group. Money text is grouped as text, so no float ever touches it.
    filled = func.sum(OrderIntentRow.filled_size)
    query = (
        select(
            OrderIntentRow.session_id, OrderIntentRow.side, filled, OrderIntentRow.average_fill_price,
            OrderIntentRow.reference_mid, SessionLegRow.contract_value, func.count(),
        )
        .join(SessionLegRow, SessionLegRow.id == OrderIntentRow.leg_id)
        .where(
            OrderIntentRow.session_id.in_(ids), OrderIntentRow.filled_size > 0,
            OrderIntentRow.average_fill_price.is_not(None), OrderIntentRow.reference_mid.is_not(None),
        )
        .group_by(
            OrderIntentRow.session_id, OrderIntentRow.side, OrderIntentRow.average_fill_price,
            OrderIntentRow.reference_mid, SessionLegRow.contract_value,
        )
    )  # fmt: skip
    found: dict[int, tuple[Decimal, int]] = {}
    for session_id, side, size, average_fill, mid, contract_value, orders in await session.execute(query):
        cost = fill_slippage_usd(side, int(size), average_fill, mid, contract_value)
        if cost is not None:
            total, count = found.get(session_id, (ZERO, 0))
            found[session_id] = (total + cost, count + int(orders))
    return found


async def _holding_by_session(session: AsyncSession, ids: Select[int]) -> dict[int, float]:
    query = (
        select(FillRow.session_id, func.min(FillRow.occurred_at), func.max(FillRow.occurred_at))
        .where(FillRow.session_id.in_(ids))
        .group_by(FillRow.session_id)
    )
    held: dict[int, float] = {}
    for session_id, first, last in await session.execute(query):
        if first is not None and last is not None:
            held[session_id] = (_parse_instant(last) - _parse_instant(first)).total_seconds()
    return held


def _parse_instant(value: datetime | str) -> datetime:
    # MIN/MAX come back as SQLite text: the aggregate loses the column type.
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return _as_utc(instant)


async def load_outcomes(session: AsyncSession, history: HistoryFilter) -> list[SessionOutcome]:
    """Load every traded, finished session in the history, in closing order."""
    ids = closed_session_ids(history)
    rows = await session.execute(
        select(*(getattr(TradingSessionRow, name) for name in _OUTCOME_COLUMNS))
        .where(TradingSessionRow.id.in_(ids))
        .order_by(TradingSessionRow.ended_at, TradingSessionRow.id)
    )
    sessions = list(rows)
    if not sessions:
        return []
    legs = await _legs_by_session(session, ids)
    slippage = await _slippage_by_session(session, ids)
    holding = await _holding_by_session(session, ids)
    return [outcome for row in sessions if (outcome := _outcome(row, legs, slippage, holding)) is not None]


def _outcome(
    row: Any,
    legs: dict[int, _Legs],
    slippage: dict[int, tuple[Decimal, int]],
    holding: dict[int, float],
) -> SessionOutcome | None:
    totals = legs.get(row.id)
    if totals is None or totals.traded == 0 or row.ended_at is None:
        return None
    slipped_usd, slipped_fills = slippage.get(row.id, (ZERO, 0))
    return SessionOutcome(
        session_id=row.id,
        profile_id=row.profile_id,
        profile_name=row.profile_name,
        mode=row.mode,
        config_version=row.config_version,
        closed_at=row.ended_at,
        trading_day=trading_day(row),
        exit_reason=row.exit_reason,
        gross_usd=totals.gross,
        fees_usd=totals.fees,
        premium_usd=totals.premium,
        leg_count=totals.traded,
        peak_net_pct=_decimal_or_none((row.risk_state or {}).get("peak_net_pct")),
        slippage_usd=slipped_usd,
        slipped_fills=slipped_fills,
        holding_seconds=holding.get(row.id),
    )


async def count_open_sessions(session: AsyncSession, history: HistoryFilter) -> int:
    """Count sessions in scope that have started but not finished (their PnL is not in the history yet)."""
    query = select(func.count(TradingSessionRow.id)).where(
        TradingSessionRow.state != DONE, TradingSessionRow.started_at.is_not(None), *scope_conditions(history)
    )
    return int((await session.execute(query)).scalar_one())


def outcomes_by_id(outcomes: Sequence[SessionOutcome]) -> dict[int, SessionOutcome]:
    return {outcome.session_id: outcome for outcome in outcomes}
