"""Start-up chores shared by the web app and the CLI: migrations and the first admin."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from delta_strangle.clock import Clock
from delta_strangle.security import hash_password
from delta_strangle.settings import Settings
from delta_strangle.store import users
from delta_strangle.store.db import transaction

logger = logging.getLogger(__name__)


async def ensure_initial_admin(
    settings: Settings, factory: async_sessionmaker[AsyncSession], clock: Clock
) -> str | None:
    """Create the admin named by INITIAL_ADMIN_EMAIL/PASSWORD when no user exists yet; return its e-mail."""
    if not settings.initial_admin_email or settings.initial_admin_password is None:
        return None
    async with transaction(factory) as session:
        if await users.count_users(session) > 0:
            return None
        now = clock.now()
        user = await users.create_user(
            session,
            email=settings.initial_admin_email,
            password_hash=hash_password(settings.initial_admin_password.get_secret_value()),
            role=users.Role.ADMIN,
            now=now,
        )
        await users.record_audit(session, now=now, actor="system", action="initial_admin_created", target=user.email)
    logger.info("initial admin created", extra={"event": "initial_admin_created", "target": user.email})
    return user.email


def resolve_jwt_secret(settings: Settings) -> str:
    """Use JWT_SECRET_KEY; in development without one, a per-process random secret."""
    configured = settings.jwt_secret_key.get_secret_value()
    if configured:
        return configured
    logger.warning(
        "JWT_SECRET_KEY is not set: using a random secret, so tokens end with this process",
        extra={"event": "jwt_secret_generated"},
    )
    return secrets.token_urlsafe(48)
