"""A paper account's saved state, so a restart in `paper` mode finds the positions, orders and fills it left.

The simulator's own format is reused (`exchange.sim.state.core_to_state`: accounts with orders, fills,
positions and transactions, id counters, traded volume) with the market part of a `DeltaFeedMarket`: the
index prices last heard and only the products the account still holds or has orders on. Every other product,
and every quote, comes from Delta again at start-up. A product that settled while the process was down is
settled at the first index price heard after the restart (Delta's own settlement price is not read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from delta_strangle.exchange.paper.market import FEED_KIND, DeltaFeedMarket
from delta_strangle.exchange.sim.accounts import account_from_json
from delta_strangle.exchange.sim.config import SimConfig
from delta_strangle.exchange.sim.core import Counters, SimulatedExchangeCore
from delta_strangle.exchange.sim.faults import FaultInjector
from delta_strangle.exchange.sim.state import STATE_VERSION, core_to_state


def paper_state(core: SimulatedExchangeCore) -> dict[str, Any]:
    """The core's state as the simulator saves it, keeping only the products an account holds or has orders on."""
    state = core_to_state(core)
    held = {
        product_id
        for account in core.accounts.values()
        for product_id in (
            *(pid for pid, position in account.positions.items() if position.size != 0),
            *(order.product_id for order in account.open_orders()),
        )
    }
    state["market"]["products"] = [p for p in state["market"]["products"] if p["id"] in held]
    return state


def restore_paper_core(state: dict[str, Any], config: SimConfig, start: datetime) -> SimulatedExchangeCore:
    """Rebuild a paper core from `paper_state` output; a state saved by another mode is refused."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported paper state version {state.get('version')!r}")
    kind = state["market"].get("kind")
    if kind != FEED_KIND:
        raise ValueError(f"the saved exchange state is a {kind!r} market, not a paper account: modes never switch")
    market = DeltaFeedMarket.restore(config, state["market"], start)
    core = SimulatedExchangeCore(config, market, FaultInjector(config.seed))
    core.counters = Counters(**state["counters"])
    for raw in state["accounts"]:
        account = account_from_json(raw)
        core.restore_account(account)
    core.traded_volume = {int(k): int(v) for k, v in state.get("traded_volume", {}).items()}
    return core
