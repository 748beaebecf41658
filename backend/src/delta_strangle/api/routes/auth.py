"""Log in, who am I, change my password. There is no open registration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from delta_strangle.api.deps import SessionDep, StateDep, ViewerUser
from delta_strangle.api.principals import Principal
from delta_strangle.api.schemas.users import PasswordChange, TokenResponse, UserOut
from delta_strangle.security import DUMMY_PASSWORD_HASH, create_access_token, hash_password, verify_password
from delta_strangle.store import users
from delta_strangle.store.tables import UserRow

router = APIRouter(prefix="/api/auth", tags=["auth"])
logger = logging.getLogger(__name__)


@router.post("/login", response_model=TokenResponse, summary="Exchange e-mail and password for a bearer token")
async def login(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], state: StateDep, session: SessionDep
) -> TokenResponse:
    email = users.normalise_email(form.username)
    address = request.client.host if request.client else "unknown"
    retry_after = state.login_throttle.retry_after_seconds(email, address)
    if retry_after is not None:
        logger.warning("login throttled", extra={"event": "login_throttled", "account": email, "client": address})
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins: try again later",
            headers={"Retry-After": str(retry_after)},
        )
    user = await users.get_by_email(session, email)
    password_ok = verify_password(user.password_hash if user else DUMMY_PASSWORD_HASH, form.password)
    if user is None or not password_ok or not user.is_active:
        state.login_throttle.record_failure(email, address)
        logger.warning("login failed", extra={"event": "login_failed", "account": email, "client": address})
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "wrong e-mail or password", headers={"WWW-Authenticate": "Bearer"}
        )
    state.login_throttle.record_success(email)
    now = state.clock.now()
    user.last_login_at = now
    lifetime = timedelta(minutes=state.settings.jwt_expire_minutes)
    token, expires_at = create_access_token(
        user_id=user.id, token_version=user.token_version, secret=state.jwt_secret, now=now, lifetime=lifetime
    )
    await users.record_audit(session, now=now, actor=user.email, action="login")
    logger.info("login succeeded", extra={"event": "login_succeeded", "user": user.email})
    return TokenResponse(access_token=token, expires_at=expires_at, expires_in=int(lifetime.total_seconds()))


async def _own_row(principal: Principal, session: SessionDep) -> UserRow:
    user = await users.get_by_id(session, principal.id)
    if user is None:  # deleted between the token check and now
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "session is no longer valid: log in again")
    return user


@router.get("/me", response_model=UserOut, summary="The logged-in user")
async def me(principal: ViewerUser, session: SessionDep) -> UserRow:
    return await _own_row(principal, session)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change my password (logs out elsewhere)")
async def change_password(body: PasswordChange, principal: ViewerUser, state: StateDep, session: SessionDep) -> None:
    user = await _own_row(principal, session)
    if not verify_password(user.password_hash, body.current_password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "current_password is wrong")
    if body.new_password == body.current_password:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "new_password must differ from current_password")
    now = state.clock.now()
    await users.set_password(session, user, password_hash=hash_password(body.new_password), now=now)
    await users.record_audit(session, now=now, actor=user.email, action="password_changed", target=user.email)
