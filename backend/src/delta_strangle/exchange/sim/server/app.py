"""`create_sim_app`: the ASGI app that serves Delta's REST v2 paths, its WebSocket, and the simulator admin.

Every request runs the gateway (User-Agent → faults → signature → rate limit), then one handler, inside
Delta's envelope. `/sim/*` exists only here: fault plan and state for operators and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from delta_strangle.clock import Clock
from delta_strangle.exchange.sim.core import SimError, SimulatedExchangeCore
from delta_strangle.exchange.sim.faults import FaultKind, FaultPlan
from delta_strangle.exchange.sim.server import account_routes as acct
from delta_strangle.exchange.sim.server import market_routes as mkt
from delta_strangle.exchange.sim.server.gateway import (
    Ctx,
    GatewayRejectionError,
    RateLimiter,
    apply_request_faults,
    authenticate,
    check_user_agent,
    error_response,
    too_many_requests,
)
from delta_strangle.exchange.sim.server.ws import WsHub
from delta_strangle.exchange.sim.state import SimStateStore, core_to_state
from delta_strangle.exchange.sim.trading import bad_schema

Handler = Callable[[Ctx], Awaitable[Response]]
# Mutations whose outcome a timeout fault makes unknown (they execute, then the answer is lost).
ORDER_MUTATIONS = ("/v2/orders", "/v2/orders/batch", "/v2/positions/close_all")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    weight: int
    private: bool


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/v2/products", mkt.list_products, 3, False),
    Endpoint("GET", "/v2/products/{ref}", mkt.get_product, 1, False),
    Endpoint("GET", "/v2/tickers", mkt.list_tickers, 3, False),
    Endpoint("GET", "/v2/tickers/{symbol}", mkt.get_ticker, 3, False),
    Endpoint("GET", "/v2/l2orderbook/{symbol}", mkt.get_l2_orderbook, 3, False),
    Endpoint("GET", "/v2/indices", mkt.list_indices, 1, False),
    Endpoint("GET", "/v2/assets", mkt.list_assets, 1, False),
    Endpoint("GET", "/v2/settings", mkt.get_settings, 1, False),
    Endpoint("GET", "/v2/rate_limits/quota", mkt.rate_limit_quota, 3, True),
    Endpoint("POST", "/v2/orders", acct.place_order, 5, True),
    Endpoint("PUT", "/v2/orders", acct.edit_order, 5, True),
    Endpoint("DELETE", "/v2/orders", acct.cancel_order, 5, True),
    Endpoint("GET", "/v2/orders", acct.list_open_orders, 3, True),
    Endpoint("DELETE", "/v2/orders/all", acct.cancel_all, 5, True),
    Endpoint("POST", "/v2/orders/batch", acct.batch_place, 25, True),
    Endpoint("PUT", "/v2/orders/batch", acct.batch_edit, 25, True),
    Endpoint("DELETE", "/v2/orders/batch", acct.batch_cancel, 25, True),
    Endpoint("GET", "/v2/orders/history", acct.order_history, 10, True),
    Endpoint("GET", "/v2/orders/client_order_id/{client_order_id}", acct.get_order_by_client_id, 1, True),
    Endpoint("GET", "/v2/orders/{order_id}", acct.get_order, 1, True),
    Endpoint("GET", "/v2/fills", acct.list_fills, 10, True),
    Endpoint("GET", "/v2/positions", acct.get_position, 3, True),
    Endpoint("GET", "/v2/positions/margined", acct.margined_positions, 3, True),
    Endpoint("POST", "/v2/positions/close_all", acct.close_all, 1, True),
    Endpoint("GET", "/v2/wallet/balances", acct.wallet_balances, 3, True),
    Endpoint("GET", "/v2/wallet/transactions", acct.wallet_transactions, 10, True),
    Endpoint("GET", "/v2/users/trading_preferences", acct.trading_preferences, 1, True),
    Endpoint("POST", "/v2/heartbeat/create", acct.heartbeat_create, 1, True),
    Endpoint("POST", "/v2/heartbeat", acct.heartbeat_ack, 1, True),
    Endpoint("GET", "/v2/heartbeat", acct.heartbeat_status, 1, True),
)


class SimServer:
    """The state shared by the server's routes: core, clock, rate limiter, WebSocket hub."""

    def __init__(self, core: SimulatedExchangeCore, clock: Clock, state_store: SimStateStore | None = None) -> None:
        self.core = core
        self.clock = clock
        self.limiter = RateLimiter(core.config.rate_limit)
        self.store = state_store
        self.hub = WsHub(core, clock)

    def sync(self) -> None:
        self.core.sync(self.clock.now())

    async def dispatch(self, request: Request, endpoint: Endpoint) -> Response:
        """Run one request through the gateway and its handler."""
        try:
            check_user_agent(request)
            self.sync()
            await apply_request_faults(self.core, self.limiter, request.url.path)
            raw = await request.body()
            account = authenticate(self.core, request, raw) if endpoint.private else None
            bucket = f"user:{account.user_id}" if account is not None else f"ip:{_ip(request)}"
            if not self.limiter.charge(bucket, endpoint.weight, self.core.now):
                raise too_many_requests(self.limiter.reset_ms(self.core.now))
            body = _json_body(raw)
            ctx = Ctx(self.core, request, dict(request.query_params), body, account, self.limiter)
            response = await endpoint.handler(ctx)
        except GatewayRejectionError as rejection:
            return rejection.response
        except SimError as error:
            return error_response(error)
        if request.method != "GET" and self.store is not None:
            await self.store.save(core_to_state(self.core))
        if endpoint.path in ORDER_MUTATIONS and request.method != "GET":
            timeout = self.core.faults.fires(FaultKind.TIMEOUT_AFTER_EXECUTE, self.core.now, path=endpoint.path)
            if timeout is not None:
                await asyncio.sleep(timeout.latency_ms / 1000)
                return PlainTextResponse("504 Gateway Time-out", status_code=504)
        return response

    async def drive(self) -> None:
        """Step the market on the clock and let WebSocket clients publish (runs for the app's lifetime)."""
        while True:
            self.sync()
            next_step = self.core.market.next_step_time()
            if next_step is None:
                return
            await self.clock.sleep(max(0.0, (next_step - self.clock.now()).total_seconds()))


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise SimError(406, "invalid_json") from None
    if not isinstance(body, dict):
        raise bad_schema("request body must be a JSON object")
    return body


def _route(server: SimServer, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        return await server.dispatch(request, endpoint)

    return handle


def _admin_routes(server: SimServer) -> list[Route]:
    async def get_faults(request: Request) -> Response:
        return JSONResponse(server.core.faults.plan.model_dump(mode="json"))

    async def set_faults(request: Request) -> Response:
        try:
            plan = FaultPlan.model_validate_json(await request.body())
        except ValueError as exc:
            return JSONResponse({"error": "invalid fault plan", "detail": str(exc)}, status_code=422)
        server.sync()
        server.core.faults.arm(plan, server.core.now)
        return JSONResponse(plan.model_dump(mode="json"))

    async def clear_faults(request: Request) -> Response:
        server.core.faults.arm(FaultPlan(), server.core.now)
        return JSONResponse({"rules": []})

    async def get_state(request: Request) -> Response:
        server.sync()
        return JSONResponse(core_to_state(server.core))

    return [
        Route("/sim/faults", get_faults, methods=["GET"]),
        Route("/sim/faults", set_faults, methods=["POST"]),
        Route("/sim/faults", clear_faults, methods=["DELETE"]),
        Route("/sim/state", get_state, methods=["GET"]),
    ]


def create_sim_app(core: SimulatedExchangeCore, clock: Clock, *, state_store: SimStateStore | None = None,
                   drive: bool = True, extra_routes: list[Route] | None = None) -> ASGIApp:
    """Build the simulator's ASGI app; with `drive`, its lifespan steps the market on the clock."""
    server = SimServer(core, clock, state_store)
    by_path: dict[str, list[Endpoint]] = {}
    for endpoint in ENDPOINTS:
        by_path.setdefault(endpoint.path, []).append(endpoint)
    routes: list[Any] = list(extra_routes or [])
    for path, endpoints in by_path.items():
        for endpoint in endpoints:
            routes.append(Route(path, _route(server, endpoint), methods=[endpoint.method]))
    routes += _admin_routes(server)
    routes.append(WebSocketRoute(core.config.ws_private_path, server.hub.endpoint))
    if core.config.ws_public_path != core.config.ws_private_path:
        routes.append(WebSocketRoute(core.config.ws_public_path, server.hub.endpoint))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(server.drive(), name="sim-server-driver") if drive else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state_store is not None:
                await state_store.save(core_to_state(core))

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim_server = server
    return app
