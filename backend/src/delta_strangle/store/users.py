"""Users and their roles; the audit trail of who did what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.store.tables import AuditEventRow, UserRow


class Role(StrEnum):
    VIEWER = "viewer"
    TRADER = "trader"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.TRADER: 1, Role.ADMIN: 2}[self]

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank


class UserError(ValueError):
    """A user operation that cannot be done, with a message that says why."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def get_by_email(session: AsyncSession, email: str) -> UserRow | None:
    return await session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))


async def get_by_id(session: AsyncSession, user_id: int) -> UserRow | None:
    return await session.get(UserRow, user_id)


async def list_users(session: AsyncSession) -> list[UserRow]:
    return list(await session.scalars(select(UserRow).order_by(UserRow.id)))


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(UserRow)) or 0)


async def count_active_admins(session: AsyncSession) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN, UserRow.is_active)
    return int(await session.scalar(query) or 0)


async def create_user(
    session: AsyncSession, *, email: str, password_hash: str, role: Role, now: datetime, full_name: str | None = None
) -> UserRow:
    """Add a user; refuse a duplicate e-mail."""
    email = normalise_email(email)
    if await get_by_email(session, email) is not None:
        raise UserError(f"a user with e-mail {email} already exists")
    user = UserRow(
        email=email,
        full_name=full_name,
        password_hash=password_hash,
        role=role.value,
        is_active=True,
        token_version=0,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def update_user(
    session: AsyncSession, user: UserRow, *, now: datetime, role: Role | None = None, is_active: bool | None = None
) -> UserRow:
    """Change role or active flag; never leave the system without an active admin."""
    demotes_admin = role is not None and role is not Role.ADMIN and user.role == Role.ADMIN
    disables_admin = is_active is False and user.role == Role.ADMIN and user.is_active
    if (demotes_admin or disables_admin) and await count_active_admins(session) <= 1:
        raise UserError("refusing to remove the last active admin")
    if role is not None:
        user.role = role.value
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        user.token_version += 1  # a disabled user's tokens stop working at once
    user.updated_at = now
    await session.flush()
    return user


async def set_password(session: AsyncSession, user: UserRow, *, password_hash: str, now: datetime) -> None:
    """Replace the password and revoke every token issued before."""
    user.password_hash = password_hash
    user.token_version += 1
    user.updated_at = now
    await session.flush()


async def record_audit(
    session: AsyncSession,
    *,
    now: datetime,
    actor: str | None,
    action: str,
    target: str | None = None,
    correlation_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEventRow(
            occurred_at=now,
            actor=actor,
            action=action,
            target=target,
            correlation_id=correlation_id,
            details=details or {},
        )
    )
    await session.flush()
