"""What the API needs at run time, built once by the composition root (app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from delta_strangle.api.principals import PrincipalDirectory
from delta_strangle.api.throttle import LoginThrottle
from delta_strangle.background import BackgroundService
from delta_strangle.clock import Clock
from delta_strangle.settings import Settings


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    login_throttle: LoginThrottle
    jwt_secret: str
    principals: PrincipalDirectory
    services: list[BackgroundService] = field(default_factory=list)
