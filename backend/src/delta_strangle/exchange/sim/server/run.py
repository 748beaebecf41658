"""Running the simulator as a stand-alone server: `delta-strangle sim --port 8010 --seed 7`."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from delta_strangle.clock import WallClock
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.core import default_credentials
from delta_strangle.exchange.sim.exchange import build_core
from delta_strangle.exchange.sim.faults import FaultPlan, load_fault_plan, parse_fault_flag
from delta_strangle.exchange.sim.server.app import create_sim_app
from delta_strangle.exchange.sim.state import JsonFileStateStore, core_from_state

logger = logging.getLogger(__name__)


def credentials_banner(seed: int, host: str, port: int) -> str:
    """Return the lines that tell an operator how to reach the simulator."""
    key, secret = default_credentials(seed)
    return "\n".join([
        f"Simulated Delta Exchange on http://{host}:{port} (REST /v2, WebSocket ws://{host}:{port}/ and /public)",
        f"  api key:    {key}",
        f"  api secret: {secret}",
        f"  seed:       {seed}   fault admin: POST http://{host}:{port}/sim/faults",
    ])


async def run_sim_server(host: str, port: int, seed: int, fault_plan_path: Path | None = None, *,
                         fault_flags: list[str] | None = None, state_path: Path | None = None,
                         config: SimConfig | None = None) -> None:
    """Serve the simulator over HTTP and WebSocket until cancelled, printing the key and secret it accepts."""
    clock = WallClock()
    config = config or SimConfig(seed=seed)
    store = JsonFileStateStore(state_path) if state_path is not None else None
    saved = None if store is None else await store.load()
    core = core_from_state(saved, config) if saved is not None else build_core(config, clock.now())
    rules = list(load_fault_plan(fault_plan_path).rules) if fault_plan_path is not None else []
    rules += [parse_fault_flag(flag) for flag in fault_flags or []]
    if rules:
        core.faults.arm(FaultPlan(rules=tuple(rules)), clock.now())
    app = create_sim_app(core, clock, state_store=store)
    print(credentials_banner(seed, host, port), flush=True)  # the operator needs these lines
    logger.info("simulator serving", extra={"event": "sim_server_started", "host": host, "port": port, "seed": seed,
                                             "fault_rules": len(rules)})
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", ws="websockets-sansio"))
    await server.serve()
