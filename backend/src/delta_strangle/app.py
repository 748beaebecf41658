"""The web composition root: builds the FastAPI app and wires settings, database and services."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from delta_strangle import __version__
from delta_strangle.api.correlation import CorrelationIdMiddleware
from delta_strangle.api.errors import install_error_handlers
from delta_strangle.api.principals import PrincipalDirectory
from delta_strangle.api.routes import analytics, auth, configs, fees, health, trading, trading_exports, users
from delta_strangle.api.routes import logs as log_routes
from delta_strangle.api.spa import mount_dashboard
from delta_strangle.api.state import AppState
from delta_strangle.api.throttle import LoginThrottle
from delta_strangle.bootstrap import ensure_initial_admin, resolve_jwt_secret
from delta_strangle.clock import Clock, WallClock
from delta_strangle.composition import build_trading_runner
from delta_strangle.engine.views import EngineBookSource, EngineProfileUsage
from delta_strangle.logs.services import build_log_services
from delta_strangle.logs.setup import configure_logging
from delta_strangle.settings import Settings, get_settings
from delta_strangle.store.db import create_engine, create_session_factory
from delta_strangle.store.migrate import upgrade_to_head

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, configure_logs: bool = True) -> FastAPI:
    """Build the application; refuses unsafe production settings before anything starts."""
    settings = settings or get_settings()
    settings.validate_for_start()
    clock = clock or WallClock()
    if configure_logs:
        configure_logging(settings.log_level, settings.backend_log_path, sample_every=settings.log_sample_events)

    engine = create_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    session_factory = create_session_factory(engine)
    state = AppState(
        settings=settings,
        clock=clock,
        engine=engine,
        session_factory=session_factory,
        login_throttle=LoginThrottle(
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_seconds),
            now=clock.now,
        ),
        jwt_secret=resolve_jwt_secret(settings),
        principals=PrincipalDirectory(session_factory),
    )
    state.services.append(state.principals)
    state.services.extend(build_log_services(settings, clock))
    trading_runner = build_trading_runner(settings, clock, state.session_factory)
    state.services.append(trading_runner)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
        await ensure_initial_admin(settings, state.session_factory, clock)
        for service in state.services:
            await service.start()
        # Everything built so far (modules, routes, models, services) lives as long as the process.
        # Moved out of the collector's sight, it is not re-scanned by every full collection: those
        # took up to ~100 ms (stalling the engine's loop and every request) and now take a few.
        gc.collect()
        gc.freeze()
        logger.info(
            "backend started",
            extra={"event": "backend_started", "mode": settings.trading_mode.value, "env": settings.app_env.value},
        )
        try:
            yield
        finally:
            for service in reversed(state.services):
                await service.stop()
            await engine.dispose()
            logger.info("backend stopped", extra={"event": "backend_stopped"})

    app = FastAPI(title="Delta Strangle Control Plane", version=__version__, lifespan=lifespan)
    app.state.app_state = state
    app.state.trading = trading_runner
    # The profiles API and the risk snapshot read the engine through these views, never the engine itself.
    app.state.profile_usage = EngineProfileUsage(trading_runner)
    app.state.live_book_source = EngineBookSource(trading_runner)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-Correlation-ID"],
        expose_headers=["X-Correlation-ID", "Content-Disposition", "Retry-After"],
    )
    app.add_middleware(CorrelationIdMiddleware)
    install_error_handlers(app)
    for router in (health.router, auth.router, users.router, configs.router, fees.router):
        app.include_router(router)
    app.include_router(log_routes.router)
    # Before the engine's trading router: its /sessions/{id} would otherwise swallow /sessions/export.
    app.include_router(trading_exports.router)
    app.include_router(trading.router)
    app.include_router(analytics.router)
    # Last: the dashboard's catch-all must not shadow any API route.
    mount_dashboard(app, settings.frontend_dist_dir)
    return app
