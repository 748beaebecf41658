"""The per-account lease row of the engine's instance lock, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.store.db import transaction
from delta_strangle.store.journal_tables import EngineLockRow


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
