"""A paper account's saved state, so a restart in `paper` mode finds the positions, orders and fills it left.

The simulator's own format is reused (`exchange.sim.state.core_to_state`: accounts with orders, fills,
positions and transactions, id counters, traded volume) with the market part of a `DeltaFeedMarket`: the
index prices last heard and only the products the account still holds or has orders on, including any whose
trading has stopped and which wait for Delta's settlement price (`settlement_pending`, with when trading
stopped and the index price heard then). Every other product, and every quote, comes from Delta again at
start-up. A held product that reached its settlement instant while the process was down is stopped at the
first step after the restart and settled like any other: at the settlement price Delta published for it (the
first refresh asks before anything else happens), or, if Delta has none within the grace period, at the first
index price heard after the restart (see `exchange.paper.market`).
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


def held_product_ids(core: SimulatedExchangeCore) -> set[int]:
    """The products some account holds a position in or has an open order on."""
    return {
        product_id
        for account in core.accounts.values()
        for product_id in (
            *(pid for pid, position in account.positions.items() if position.size != 0),
            *(order.product_id for order in account.open_orders()),
        )
    }


def paper_state(core: SimulatedExchangeCore) -> dict[str, Any]:
    """The core's state as the simulator saves it, keeping only the products an account holds or has orders on."""
    state = core_to_state(core)
    held = held_product_ids(core)
    market = state["market"]
    market["products"] = [p for p in market["products"] if p["id"] in held]
    market["settlement_pending"] = {
        k: v for k, v in market.get("settlement_pending", {}).items() if int(k) in held
    }
    return state


def paper_core(config: SimConfig, market: DeltaFeedMarket) -> SimulatedExchangeCore:
    """A simulator core on a fed market, which asks the core's accounts which products they hold positions in."""
    core = SimulatedExchangeCore(config, market, FaultInjector(config.seed))
    market.holds = lambda product_id: any(a.position_size(product_id) != 0 for a in core.accounts.values())
    return core


def restore_paper_core(state: dict[str, Any], config: SimConfig, start: datetime) -> SimulatedExchangeCore:
    """Rebuild a paper core from `paper_state` output; a state saved by another mode is refused."""
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"unsupported paper state version {state.get('version')!r}")
    kind = state["market"].get("kind")
    if kind != FEED_KIND:
        raise ValueError(f"the saved exchange state is a {kind!r} market, not a paper account: modes never switch")
    market = DeltaFeedMarket.restore(config, state["market"], start)
    core = paper_core(config, market)
    core.counters = Counters(**state["counters"])
    for raw in state["accounts"]:
        account = account_from_json(raw)
        core.restore_account(account)
    core.traded_volume = {int(k): int(v) for k, v in state.get("traded_volume", {}).items()}
    return core
