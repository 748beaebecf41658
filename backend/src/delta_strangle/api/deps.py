"""Dependencies as `Annotated` aliases. Routes ask for these by type and never build services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from delta_strangle.api.principals import Principal
from delta_strangle.api.state import AppState
from delta_strangle.clock import Clock
from delta_strangle.logs.context import bind
from delta_strangle.security import InvalidTokenError, decode_access_token
from delta_strangle.settings import Settings
from delta_strangle.store import users

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/auth/login",
    auto_error=False,
    scopes={
        "viewer": "read everything",
        "trader": "also control trading and edit profiles",
        "admin": "also manage users",
    },
)


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.app_state
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


def get_clock(state: StateDep) -> Clock:
    return state.clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """Yield a session whose transaction commits when the route returns without error."""
    async with state.session_factory() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

_UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


class NotAuthenticatedError(Exception):
    """The token does not speak for an active user; the message says what to do."""


async def authenticate(state: AppState, token: str | None) -> Principal:
    """Resolve a bearer token to an active user (HTTP routes and WebSockets alike)."""
    if not token:
        raise NotAuthenticatedError("not authenticated")
    try:
        claims = decode_access_token(token, secret=state.jwt_secret, now=state.clock.now())
    except InvalidTokenError as exc:
        raise NotAuthenticatedError("session expired or token invalid: log in again") from exc
    principal = await state.principals.find(claims.user_id)
    if principal is None or not principal.accepts(claims.token_version):
        raise NotAuthenticatedError("session is no longer valid: log in again")
    return principal


async def get_current_user(state: StateDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Principal:
    """Resolve the bearer token to an active user, or answer 401."""
    try:
        principal = await authenticate(state, token)
    except NotAuthenticatedError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers=_UNAUTHENTICATED) from exc
    bind(user=principal.email)
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def authorize(security_scopes: SecurityScopes, user: CurrentUser) -> Principal:
    """Admit users whose role is at least the one the route declares (as an OAuth2 scope)."""
    declared = [users.Role(scope) for scope in security_scopes.scopes if scope in users.Role.__members__.values()]
    required = max(declared, key=lambda role: role.rank, default=users.Role.VIEWER)
    if not user.role.allows(required):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"this action needs the {required.value} role")
    return user


def requires(role: users.Role) -> Any:
    """Declare a route's role: `dependencies=[requires(Role.TRADER)]`; it shows in the OpenAPI schema."""
    return Security(authorize, scopes=[role.value])


require_viewer = requires(users.Role.VIEWER)
require_trader = requires(users.Role.TRADER)
require_admin = requires(users.Role.ADMIN)

ViewerUser = Annotated[Principal, require_viewer]
TraderUser = Annotated[Principal, require_trader]
AdminUser = Annotated[Principal, require_admin]
