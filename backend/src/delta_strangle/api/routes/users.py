"""User management, for admins only."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status

from delta_strangle.api.deps import AdminUser, SessionDep, StateDep
from delta_strangle.api.schemas.users import UserCreate, UserOut, UserUpdate
from delta_strangle.security import hash_password
from delta_strangle.store import users
from delta_strangle.store.tables import UserRow

router = APIRouter(prefix="/api/users", tags=["users"])
logger = logging.getLogger(__name__)


@router.get("", response_model=list[UserOut], summary="List users")
async def list_users(_admin: AdminUser, session: SessionDep) -> list[UserRow]:
    return await users.list_users(session)


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Create a user")
async def create_user(body: UserCreate, admin: AdminUser, state: StateDep, session: SessionDep) -> UserRow:
    now = state.clock.now()
    user = await users.create_user(
        session,
        email=body.email,
        password_hash=hash_password(body.password),
        role=body.role,
        now=now,
        full_name=body.full_name,
    )
    await users.record_audit(
        session, now=now, actor=admin.email, action="user_created", target=user.email, details={"role": user.role}
    )
    logger.info("user created", extra={"event": "user_created", "target": user.email, "role": user.role})
    return user


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user's role or disable/enable them")
async def update_user(
    user_id: int, body: UserUpdate, admin: AdminUser, state: StateDep, session: SessionDep
) -> UserRow:
    user = await users.get_by_id(session, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} does not exist")
    now = state.clock.now()
    await users.update_user(session, user, now=now, role=body.role, is_active=body.is_active)
    await users.record_audit(
        session,
        now=now,
        actor=admin.email,
        action="user_updated",
        target=user.email,
        details=body.model_dump(exclude_none=True, mode="json"),
    )
    return user
