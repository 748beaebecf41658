"""Saving and reloading the simulator's state, so a restart in `sim` mode keeps simulated positions.

The state is one JSON-able dict (version 1): market walk and products, accounts with orders, fills and
positions, id counters, and the fault plan. Where it is kept is the caller's choice via `SimStateStore`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from delta_strangle.exchange.sim.accounts import account_from_json, account_to_json
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.core import Counters, SimulatedExchangeCore
from delta_strangle.exchange.sim.faults import FaultInjector, FaultPlan
from delta_strangle.exchange.sim.market import GbmMarket

STATE_VERSION = 1


class SimStateStore(Protocol):
    """Where the simulator's state lives between runs (a DB row, a file, memory)."""

    async def load(self) -> dict[str, Any] | None:
        """Return the saved state, or None when nothing was saved."""
        ...

    async def save(self, state: dict[str, Any]) -> None:
        """Replace the saved state."""
        ...


class InMemoryStateStore:
    def __init__(self) -> None:
        self.state: dict[str, Any] | None = None

    async def load(self) -> dict[str, Any] | None:
        # A JSON round trip, so what is loaded is exactly what a database would give back.
        return None if self.state is None else json.loads(json.dumps(self.state))

    async def save(self, state: dict[str, Any]) -> None:
        self.state = json.loads(json.dumps(state))


class JsonFileStateStore:
    """State in one JSON file, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        loaded: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        return loaded

    async def save(self, state: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(self.path)


def core_to_state(core: SimulatedExchangeCore) -> dict[str, Any]:
    """Return the whole simulator state as a JSON-able dict."""
    return {
        "version": STATE_VERSION,
        "config": core.config.model_dump(mode="json"),
        "now": core.now.isoformat(),
        "market": core.market.to_state(),
        "accounts": [account_to_json(a) for a in core.accounts.values()],
        "counters": {"order": core.counters.order, "fill": core.counters.fill,
                     "transaction": core.counters.transaction, "user": core.counters.user},
        "faults": core.faults.plan.model_dump(mode="json"),
        "traded_volume": {str(k): v for k, v in core.traded_volume.items()},
    }


def core_from_state(state: dict[str, Any], config: SimConfig | None = None) -> SimulatedExchangeCore:
    """Rebuild a core from `core_to_state` output (the saved config unless one is given)."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported simulator state version {state.get('version')!r}")
    config = config or SimConfig.model_validate(state["config"])
    if state["market"].get("kind") != "gbm":
        raise ValueError("only random-walk market state can be restored; replays restart from their file")
    market = GbmMarket.from_state(config, state["market"])
    faults = FaultInjector(config.seed, FaultPlan.model_validate(state["faults"]), datetime.fromisoformat(state["now"]))
    core = SimulatedExchangeCore(config, market, faults)
    core.counters = Counters(**state["counters"])
    for raw in state["accounts"]:
        account = account_from_json(raw)
        core.restore_account(account)
    core.traded_volume = {int(k): int(v) for k, v in state.get("traded_volume", {}).items()}
    core._now = max(market.now, datetime.fromisoformat(state["now"]))
    return core
