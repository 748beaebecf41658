"""Read-only views of the running engine for the rest of the app: which profiles it uses, and its live book.

The composition root puts them on `app.state` (`profile_usage`, `live_book_source`); the profiles API and the
risk snapshot read them there, so neither the store nor analytics ever imports the engine.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.analytics.risk import BookLeg, LiveBook
from delta_strangle.engine.engine import TradingEngine
from delta_strangle.engine.records import SessionRecord
from delta_strangle.store import session_queries


class EngineHolder(Protocol):
    """Whatever owns the engine (the `TradingRunner`): `engine` is None while it is starting or stopped."""

    engine: TradingEngine | None


def armed_session(holder: EngineHolder) -> SessionRecord | None:
    """Return the engine's open session (waiting, entering, live, exiting or halted), if any."""
    engine = holder.engine
    return None if engine is None else engine.session


class EngineProfileUsage:
    """`store.configs.ProfileUsage` over the engine and the journal.

    Armed: the engine's open session runs the profile. Used by a session: the journal holds a session of the
    profile that is not done (of any account or mode, so a halted session is seen even while the engine is
    down). Finished sessions do not pin a profile: each keeps its own config snapshot, name and version.
    """

    def __init__(self, holder: EngineHolder) -> None:
        self.holder = holder

    def is_armed(self, profile_id: int) -> bool:
        session = armed_session(self.holder)
        return session is not None and session.profile_id == profile_id

    async def is_used_by_session(self, session: AsyncSession, profile_id: int) -> bool:
        return await session_queries.profile_has_open_session(session, profile_id)


class EngineBookSource:
    """`analytics.risk.LiveBookSource` over the engine's open session, its quotes and its risk state."""

    def __init__(self, holder: EngineHolder) -> None:
        self.holder = holder

    def current_book(self) -> LiveBook | None:
        """Return the book of the session holding positions, or None when nothing is held or spot is unknown."""
        engine = self.holder.engine
        session = armed_session(self.holder)
        if engine is None or session is None or session.id is None or not session.open_legs:
            return None
        spot = engine.quotes.spot or _decimal(session.spot.get("last")) or _decimal(session.spot.get("entry"))
        if spot is None or spot <= 0:
            return None
        legs = tuple(
            BookLeg(contract=leg.contract, position=leg.position, quote=engine.quotes.get(leg.symbol))
            for leg in sorted(session.legs.values(), key=lambda leg: leg.kind.value)
        )
        return LiveBook(
            session_id=session.id, profile_name=session.profile_name, mode=session.mode, spot=spot,
            as_of=engine.clock.now(), legs=legs, exits=session.config.exits, risk=session.risk,
        )


def _decimal(text: object) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None
