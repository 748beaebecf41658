"""Who a bearer token's user is, answered from memory: no database round trip on most requests.

Every authenticated request needs the user's role, active flag and token version. Loading them
through a session cost three thread hand-offs (checkout, select, commit) - several milliseconds
on a busy two-core host, more than the log viewer's whole query. The directory keeps a snapshot
per user and reloads it when

- this process changes the user (role, active flag, password: any flush that touches a users
  row drops the snapshot, so the next request sees the change at once), or
- the snapshot is older than `ttl_seconds`, which bounds how long a change made by another
  process (the `users` CLI against the same database) takes to reach running sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.background import ServiceHealth
from delta_strangle.store.tables import UserRow
from delta_strangle.store.users import Role

DEFAULT_TTL_SECONDS = 2.0
# A change is seen at flush, before its commit: for this long afterwards loads of that user are not
# cached, so a load that reads the row between the flush and the commit cannot keep the old values.
UNSETTLED_SECONDS = 1.0
_MAPPER_EVENTS = ("after_insert", "after_update", "after_delete")
_PRINCIPAL_COLUMNS = ("email", "role", "is_active", "token_version")


@dataclass(frozen=True)
class Principal:
    """The part of a user that authorisation needs; routes that need more load the row."""

    id: int
    email: str
    role: Role
    is_active: bool
    token_version: int

    @classmethod
    def of(cls, row: UserRow) -> Principal:
        return cls(row.id, row.email, Role(row.role), bool(row.is_active), row.token_version)

    def accepts(self, token_version: int) -> bool:
        """Whether a token issued at `token_version` still speaks for this user."""
        return self.is_active and self.token_version == token_version


class PrincipalDirectory:
    """User snapshots by id, dropped on every change this process makes and aged out after a TTL."""

    name = "principal_directory"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._snapshots: dict[int, tuple[float, Principal | None]] = {}
        self._changed_at: dict[int, float] = {}
        # Bumped by every change: a load that began before a change must not store what it read.
        self._generation = 0
        self.loads = 0

    async def start(self) -> None:
        for name in _MAPPER_EVENTS:
            event.listen(UserRow, name, self._on_user_changed)

    async def stop(self) -> None:
        for name in _MAPPER_EVENTS:
            if event.contains(UserRow, name, self._on_user_changed):
                event.remove(UserRow, name, self._on_user_changed)
        self.forget_all()

    async def find(self, user_id: int) -> Principal | None:
        """The user with this id as last seen, or None when there is no such user."""
        now = self._monotonic()
        cached = self._snapshots.get(user_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        generation = self._generation
        async with self._session_factory() as session:
            row = await session.get(UserRow, user_id)
            principal = Principal.of(row) if row is not None else None
        self.loads += 1
        settled = now - self._changed_at.get(user_id, float("-inf")) >= UNSETTLED_SECONDS
        if generation == self._generation and settled:
            self._snapshots[user_id] = (now, principal)
        return principal

    def forget(self, user_id: int) -> None:
        """Drop the user's snapshot: the next request reads the row again."""
        self._generation += 1
        self._snapshots.pop(user_id, None)
        self._changed_at[user_id] = self._monotonic()

    def forget_all(self) -> None:
        self._generation += 1
        self._snapshots.clear()

    def _on_user_changed(self, _mapper: Any, _connection: Any, target: UserRow) -> None:
        # Writes that leave the principal alone (the login's last_login_at) keep the snapshot.
        state = inspect(target)
        touched = any(state.attrs[column].history.has_changes() for column in _PRINCIPAL_COLUMNS)
        if touched or state.deleted or state.was_deleted:
            self.forget(target.id)

    def health(self) -> ServiceHealth:
        return ServiceHealth(alive=True, detail={"cached": len(self._snapshots), "loads": self.loads})
